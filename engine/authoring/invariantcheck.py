"""Verify declared invariants over the answer space; report each broken one with its smallest workload.

An invariant fixes a few criteria (a monotone one its criterion, a `never` one the criteria of its
condition) and must hold whatever the other criteria say (those that some rule reads: the others
cannot change a recommendation). Those other answers, a *base*, are enumerated when there are at most ``limit`` of them; otherwise every base with at most two answers
is checked (the likeliest counterexamples, and few) plus a seeded sample of ``sample_size`` bases.

Speed: a workload is scored by table lookups (tally.Scorer); the sample is scored once and shared by
every invariant, each subtracting the rule groups that mention its own criteria and adding them back
for each of its answers. What is reported is confirmed with result.build_result on the fired rules,
then shrunk: answers are dropped (and values taken out of many-value answers) while it still breaks
the invariant, so the workload shown is one from which nothing can be removed.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..answerspace import DEFAULT_SEED, ENUMERATE_LIMIT, SAMPLE_SIZE, AnswerSpace, Needs, needs_text
from ..conditions import criteria_in, holds
from ..errors import Problem, Span
from .invariants import Invariant, Monotone, Never, SingleAnswer, load_invariants
from ..model import NeedPairs, NeedValue, Rule, RuleSet
from ..records import set_field
from ..requirements import Source, Workload
from ..result import Result, build_result
from ..rulefiles import INVARIANTS_FILE, _labeller
from .tally import Scorer

SMALL_BASE = 2  # bases with at most this many answers are always checked, every one of them
SMALL_POOL = 100_000  # ... unless there are more of them than this (huge many-value criteria): then fewer answers
CODE = "invariant-violated"



@dataclass(frozen=True)
class Blame:
    """A rule behind a violation: what it does, and where it fired (``side``: 'laxer', 'stricter' or
    'fired')."""

    rule: str
    effect: str
    side: str


@dataclass(frozen=True)
class Violation:
    invariant: str
    kind: str
    needs: NeedPairs  # the counterexample (monotone: with the laxer answer)
    winner: str | None
    stricter: NeedPairs = ()  # monotone: the same workload with the stricter answer
    stricter_winner: str | None = None
    broken: str = ""  # monotone: 'keeps' or 'never_toward'
    blame: tuple[Blame, ...] = ()
    count: int = 1  # how many of the checked workloads break the invariant
    checked: int = 0
    method: str = "enumerated"  # 'enumerated' | 'sampled'
    tie_break: tuple[bool, bool] = (False, False)  # whether each winner won on the tie-break order only

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.invariant, "kind": self.kind, "workload": _plain(self.needs),
                                  "winner": self.winner, "violations": self.count, "checked": self.checked,
                                  "method": self.method, "tie_break": self.tie_break[0],
                                  "rules": [{"rule": b.rule, "effect": b.effect, "side": b.side} for b in self.blame]}
        if self.kind == "monotone":
            out.update({"stricter": _plain(self.stricter), "stricter_winner": self.stricter_winner,
                        "stricter_tie_break": self.tie_break[1], "broken": self.broken})
        return out


class InvariantProblem(Problem):
    """An `invariant-violated` finding, with its counterexample as data for `check --format json`
    (a frozen record like Problem: records.Frozen)."""

    __slots__ = ("violation",)
    _fields = (*Problem._fields, "violation")
    violation: Violation | None

    def __init__(self, span: Span, code: str, message: str, hint: str = "", violation: Violation | None = None) -> None:
        super().__init__(span, code, message, hint)
        set_field(self, "violation", violation)

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        if self.violation is not None:
            data["invariant"] = self.violation.as_dict()
        return data


@dataclass(frozen=True)
class Verdict:
    invariant: Invariant
    violation: Violation | None
    checked: int
    method: str


def invariant_problems(root: Path, ruleset: RuleSet, space: AnswerSpace, analyses: list[tuple[str, str]],
                       seed: int = DEFAULT_SEED, shipped: bool = False, sample: int = SAMPLE_SIZE) -> list[Problem]:
    """The hook for `check`: load ``invariants.yaml`` beside the rules, verify each invariant, and
    return the file's problems and one `invariant-violated` problem per broken invariant."""
    path = root / INVARIANTS_FILE
    invariants, problems = load_invariants(path, _labeller(root, shipped)(path), space.catalogue)
    if not path.exists():
        return []
    verifier = Verifier(ruleset, space, seed, sample_size=sample)
    verdicts = verifier.verify(invariants)
    analyses.append(("invariants", _summary(verdicts, len(problems), seed, sample, verifier.small)))
    return [*problems, *(violation_problem(v) for v in verdicts if v.violation is not None)]


@dataclass(frozen=True)
class _Candidate:
    """A workload the scores say breaks an invariant, before build_result confirms it."""

    size: int  # answers, not counting a monotone invariant's own criterion: the fewest are shown
    base: Needs  # may still hold the invariant's own criteria, or unanswered (None) entries
    probe: int = 0  # never: the probe; monotone: the laxer answer
    other: int = 0  # monotone: the stricter answer


class Verifier:
    """Checks invariants of one rule set; scores are shared between them, so check them together."""

    def __init__(self, ruleset: RuleSet, space: AnswerSpace, seed: int = DEFAULT_SEED,
                 sample_size: int = SAMPLE_SIZE, limit: int = ENUMERATE_LIMIT, small: int = SMALL_BASE) -> None:
        self.ruleset, self.space, self.seed = ruleset, space, seed
        self.sample_size, self.limit, self.small = sample_size, limit, small
        self.scorer = Scorer(ruleset, space.domains)
        self.ids = space.catalogue.ids
        self._position = {c: i for i, c in enumerate(self.ids)}
        # Criteria no rule reads (nor a `when` of those it reads) cannot change any recommendation:
        # bases leave them unanswered, so that the sample and the enumeration spend nothing on them.
        self.relevant = space.scope(c for r in ruleset.rules for c in criteria_in(r.when))
        while self.small > 1 and self._small_count(self.small) > SMALL_POOL:
            self.small -= 1
        self._asked_when = tuple((c.id, c.when) for c in space.catalogue.criteria if c.when is not None)
        self._results: dict[int, Result] = {}
        self._pool: list[tuple[Needs, tuple[int, ...], int, bool]] | None = None

    # --- evaluation -----------------------------------------------------------------------

    def describable(self, needs: Needs) -> bool:
        """As AnswerSpace.describable; a criterion mapped to None counts as unanswered."""
        return all(holds(when, needs) for cid, when in self._asked_when if needs.get(cid) is not None)

    def result(self, needs: Needs) -> Result:
        """What build_result makes of the rules that fire: the authority on every reported workload."""
        mask = self.scorer.mask(needs)
        found = self._results.get(mask)
        if found is None:
            workload = Workload("invariant", _record(needs, self.ids), Source("invariants"))
            found = self._results[mask] = build_result(self.ruleset, workload, self.scorer.ids(mask))
        return found

    def recommendation(self, needs: Needs) -> str | None:
        return self.result(needs).recommendation

    def _order(self, needs: Needs, fixed: Sequence[str]) -> tuple[int, ...]:
        """Among workloads with as many answers: fewest values, then the first in catalogue order, so
        that a sample and an enumeration that both meet the smallest workloads show the same one."""
        answered = [(c, a) for c, a in needs.items() if a is not None and c not in fixed]
        order = sorted((self._position[c], self.space.domains[c].index(a)) for c, a in answered)
        return (sum(len(a) if isinstance(a, tuple) else 1 for _, a in answered), *(i for pair in order for i in pair))

    # --- the workloads to look at ---------------------------------------------------------

    def pool(self) -> list[tuple[Needs, tuple[int, ...], int, bool, frozenset[str]]]:
        """Whole workloads, scored once and shared by every invariant: every one with at most
        ``small`` answers, then the seeded sample; each with its tally per rule group, its total,
        whether it is one of the small ones, and the criteria it answers that the catalogue would
        not ask (their `when` fails; an answer to an invariant's own criteria may make it hold)."""
        if self._pool is None:
            groups = self.scorer.groups

            def scored(needs: Needs, small: bool) -> tuple[Needs, tuple[int, ...], int, bool, frozenset[str]]:
                parts = tuple(g.entry(needs)[0] for g in groups)
                unasked = frozenset(c for c, when in self._asked_when if c in needs and not holds(when, needs))
                return needs, parts, sum(parts), small, unasked

            small = [scored(n, True) for n in self._small(self.relevant)]
            drawn = self.space.sample(self.sample_size, self.seed, self.relevant) if self.relevant else []
            sampled = [scored(n, False) for n in drawn if len(n) > self.small]
            self._pool = small + sampled
        return self._pool

    def _small_count(self, size: int) -> int:
        """How many workloads answer exactly ``size`` relevant criteria (at most, summed)."""
        answers = [len(self.space.domains[c]) - 1 for c in self.relevant]
        return sum(math.prod(chosen) for n in range(1, size + 1) for chosen in itertools.combinations(answers, n))

    def _small(self, criteria: Sequence[str]) -> Iterator[Needs]:
        yield {}
        for size in range(1, self.small + 1):
            for chosen in itertools.combinations(criteria, size):
                for combo in itertools.product(*(self.space.domains[c][1:] for c in chosen)):
                    yield dict(zip(chosen, combo))

    def outcomes(self, fixed: Sequence[str],
                 probes: Sequence[Needs]) -> tuple[str, list[tuple[Needs, int, tuple[str | None, ...]]]]:
        """'enumerated' or 'sampled', and each base (answers to the criteria other than ``fixed``;
        it may hold answers to ``fixed`` too, which the probes replace), its number of answers,
        with the winner by scores at each probe (answers to ``fixed``; None where that workload
        cannot be described or has every option excluded).

        A base's score at a probe is its score without the rules that mention ``fixed`` (the
        base's *partial* tally) plus what those rules add, which depends only on the probe and
        the base's answers to the criteria those rules read: worked out once per such context."""
        fixed_set = set(fixed)
        groups = self.scorer.groups
        indices = [i for i, g in enumerate(groups) if fixed_set & set(g.scope)]
        touched = [groups[i] for i in indices]
        context = {c for g in touched for c in g.scope}
        linked = [(cid, when) for cid, when in self._asked_when if {cid, *criteria_in(when)} & fixed_set]
        for cid, when in linked:
            context |= {cid, *criteria_in(when)}
        context_ids = tuple(c for c in self.ids if c in context and c not in fixed_set)
        deltas: dict[tuple[NeedValue | None, ...], tuple[int | None, ...]] = {}
        winners = self.scorer.winners

        def delta(key: tuple[NeedValue | None, ...]) -> tuple[int | None, ...]:
            # What the rules mentioning ``fixed`` add at each probe, None where the workload cannot
            # be described (only the `when` linked to ``fixed`` can change from probe to probe).
            out: list[int | None] = []
            for probe in probes:
                needs = {**dict(zip(context_ids, key)), **probe}
                ok = all(holds(when, needs) for cid, when in linked if needs.get(cid) is not None)
                out.append(sum(g.entry(needs)[0] for g in touched) if ok else None)
            return tuple(out)

        def winners_at(base: Needs, partial: int) -> tuple[str | None, ...]:
            key = tuple(map(base.get, context_ids))
            found = deltas.get(key)
            if found is None:
                found = deltas[key] = delta(key)
            return tuple([None if d is None else winners[partial + d] for d in found])

        others = [c for c in self.relevant if c not in fixed_set]
        every = 1
        for cid in others:
            every *= len(self.space.domains[cid])
        if every <= self.limit:
            untouched = [g for i, g in enumerate(groups) if i not in indices]
            combos = (dict(_answered(others, combo)) for combo in itertools.product(*(self.space.domains[c] for c in others)))
            # A base's own describability: the `when` not linked to ``fixed`` (the others are per probe).
            apart = [(cid, when) for cid, when in self._asked_when if (cid, when) not in linked]
            bases = (b for b in combos if all(holds(w, b) for cid, w in apart if b.get(cid) is not None))
            return "enumerated", [(b, len(b), winners_at(b, self.scorer.tally(b, untouched))) for b in bases]
        # The hot loop of the whole check (every invariant, every workload of the pool): kept flat.
        out = []
        linked_ids = frozenset(cid for cid, _ in linked)
        for needs, parts, total, small, unasked in self.pool():
            answered = len(fixed_set & needs.keys())
            if answered if small else len(needs) - answered <= self.small:
                continue  # the same base as a smaller workload of the pool
            if unasked and not unasked <= linked_ids:
                continue  # not describable, whatever the answers to ``fixed`` (those linked are per probe)
            partial = total - sum([parts[i] for i in indices])
            key = tuple(map(needs.get, context_ids))
            found = deltas.get(key)
            if found is None:
                found = deltas[key] = delta(key)
            out.append((needs, len(needs) - answered, tuple([None if d is None else winners[partial + d] for d in found])))
        return "sampled", out

    # --- the invariants -------------------------------------------------------------------

    def verify(self, invariants: Sequence[Invariant]) -> list[Verdict]:
        return [self.check(invariant) for invariant in invariants]

    def check(self, invariant: Invariant) -> Verdict:
        kind = invariant.kind
        if isinstance(kind, Monotone):
            return self._monotone(invariant, kind)
        if isinstance(kind, Never):
            return self._never(invariant, kind)
        return self._single_answer(invariant, kind)

    def _monotone(self, invariant: Invariant, kind: Monotone) -> Verdict:
        probes = [{kind.criterion: value} for value in kind.order]
        method, outcomes = self.outcomes([kind.criterion], probes)
        candidates: list[_Candidate] = []
        checked = 0
        verdicts: dict[tuple[str | None, ...], tuple[tuple[int, int] | None, bool]] = {}
        for base, size, winners in outcomes:
            verdict = verdicts.get(winners)
            if verdict is None:
                verdict = verdicts[winners] = (_broken_pair(kind, list(winners)), sum(w is not None for w in winners) > 1)
            pair, compared = verdict
            checked += compared
            if pair is not None:
                candidates.append(_Candidate(size, base, *pair))

        def at(base: Needs, index: int) -> Needs:
            return {**base, **probes[index]}

        def broken(base: Needs, i: int, j: int) -> bool:
            lax, strict = at(base, i), at(base, j)
            if not (self.describable(lax) and self.describable(strict)):
                return False
            return _broken_pair(kind, [self.recommendation(lax), self.recommendation(strict)], only=(0, 1)) is not None

        first, count = _confirmed(candidates, lambda c: broken(_without(c.base, [kind.criterion]), c.probe, c.other),
                                  lambda c: self._order(c.base, [kind.criterion]))
        if first is None:
            return Verdict(invariant, None, checked, method)
        i, j = first.probe, first.other
        base = shrink(_without(first.base, [kind.criterion]), lambda b: broken(b, i, j), self.ids)
        lax, strict = at(base, i), at(base, j)
        before, after = self.recommendation(lax), self.recommendation(strict)
        what = "keeps" if kind.keeps and before in kind.keeps and after not in kind.keeps else "never_toward"
        ties = (bool(self.result(lax).tied), bool(self.result(strict).tied))
        violation = Violation(invariant.id, "monotone", _record(lax, self.ids), before, _record(strict, self.ids),
                              after, what, self._difference(lax, strict), count, checked, method, ties)
        return Verdict(invariant, violation, checked, method)

    def _never(self, invariant: Invariant, kind: Never) -> Verdict:
        # Answers to the criteria the condition names (None: unanswered); the `when` of the catalogue
        # are checked on whole workloads, so the criteria they name need not be fixed as well.
        fixed = tuple(dict.fromkeys(criteria_in(kind.when)))
        combos = itertools.product(*(self.space.domains[c] for c in fixed))
        probes = [p for p in (dict(zip(fixed, combo)) for combo in combos) if holds(kind.when, p)]
        method, outcomes = self.outcomes(fixed, probes)
        forbidden = set(kind.winner)
        candidates: list[_Candidate] = []
        checked = 0
        answers = [sum(a is not None for a in p.values()) for p in probes]
        for base, size, winners in outcomes:
            checked += sum(w is not None for w in winners)
            for index, found in enumerate(winners):
                if found in forbidden:
                    candidates.append(_Candidate(size + answers[index], base, index))

        def broken(needs: Needs) -> bool:
            return holds(kind.when, needs) and self.describable(needs) and self.recommendation(needs) in forbidden

        def whole(candidate: _Candidate) -> Needs:
            return _without({**candidate.base, **probes[candidate.probe]}, [])

        first, count = _confirmed(candidates, lambda c: broken(whole(c)), lambda c: self._order(whole(c), []))
        if first is None:
            return Verdict(invariant, None, checked, method)
        needs = shrink(whole(first), broken, self.ids)
        result = self.result(needs)
        violation = Violation(invariant.id, "never", _record(needs, self.ids), result.recommendation,
                              blame=self._for_winner(result), count=count, checked=checked, method=method,
                              tie_break=(bool(result.tied), False))
        return Verdict(invariant, violation, checked, method)

    def _single_answer(self, invariant: Invariant, kind: SingleAnswer) -> Verdict:
        by_id = {r.id: r for r in self.ruleset.rules}
        found: list[Needs] = []
        checked = 0
        for cid in self.ids:
            for answer in self.space.domains[cid][1:]:
                needs = {cid: answer}
                if not self.describable(needs):
                    continue
                rules = [by_id[r] for r in sorted(self.scorer.fired(needs))]
                if any(r.exclude for r in rules) or any(abs(p) > kind.max_points for r in rules for _, p in r.points):
                    continue
                checked += 1
                result = self.result(needs)
                if result.recommendation is not None and not result.tied:
                    found.append(needs)
        if not found:
            return Verdict(invariant, None, checked, "enumerated")
        needs = found[0]
        blame = tuple(Blame(r, by_id[r].effect_text(), "fired") for r in sorted(self.scorer.fired(needs)))
        violation = Violation(invariant.id, "single_answer", _record(needs, self.ids), self.recommendation(needs),
                              blame=blame, count=len(found), checked=checked, tie_break=(bool(self.result(needs).tied), False))
        return Verdict(invariant, violation, checked, "enumerated")

    # --- which rules are to blame ---------------------------------------------------------

    def _difference(self, lax: Needs, strict: Needs) -> tuple[Blame, ...]:
        """The rules that fire on one side only: the change of answer acts through them."""
        before, after = self.scorer.fired(lax), self.scorer.fired(strict)
        rules = [r for r in self.ruleset.rules if r.id in before ^ after]
        return tuple(Blame(r.id, r.effect_text(), "stricter" if r.id in after else "laxer")
                     for r in sorted(rules, key=lambda r: (r.id not in after, -_weight(r), r.id)))

    def _for_winner(self, result: Result) -> tuple[Blame, ...]:
        """The fired rules that put the winner first: points for it, penalties and exclusions of the others."""
        winner = result.recommendation
        rules = [r for r in self.ruleset.rules if r.id in result.fired
                 and (dict(r.points).get(winner, 0) > 0 or r.exclude
                      or any(p < 0 for o, p in r.points if o != winner))]
        return tuple(Blame(r.id, r.effect_text(), "fired") for r in sorted(rules, key=lambda r: (-_weight(r), r.id)))


# --- helpers ---------------------------------------------------------------------------------


def _broken_pair(kind: Monotone, winners: list[str | None], only: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """The laxer and stricter index of the first pair of answers whose winners break the invariant
    (nearest pairs first); answers without a recommendation are skipped."""
    pairs = [only] if only else sorted(itertools.combinations(range(len(winners)), 2), key=lambda p: (p[1] - p[0], p[0]))
    for i, j in pairs:
        before, after = winners[i], winners[j]
        if before is None or after is None:
            continue
        if kind.keeps and before in kind.keeps and after not in kind.keeps:
            return i, j
        if kind.never_toward and before not in kind.never_toward and after in kind.never_toward:
            return i, j
    return None


def shrink(needs: Needs, broken: Callable[[Needs], bool], order: Sequence[str]) -> Needs:
    """A smaller workload that still breaks the invariant: answers dropped, last criteria first, then
    values taken out of many-value answers, until no single step keeps it broken."""
    current = dict(needs)
    changed = True
    while changed:
        changed = False
        for cid in sorted(current, key=lambda c: -order.index(c) if c in order else 0):
            smaller = {c: a for c, a in current.items() if c != cid}
            if broken(smaller):
                current, changed = smaller, True
                break
        if changed:
            continue
        for cid, answer in list(current.items()):
            if isinstance(answer, tuple) and len(answer) > 1:
                for value in answer:
                    smaller = {**current, cid: tuple(v for v in answer if v != value)}
                    if broken(smaller):
                        current, changed = smaller, True
                        break
            if changed:
                break
    return current


def _confirmed(candidates: list[_Candidate], broken: Callable[[_Candidate], bool],
               order: Callable[[_Candidate], tuple[int, ...]]) -> tuple[_Candidate | None, int]:
    """The smallest candidate that build_result confirms, and how many workloads break the invariant.

    Candidates come from the scores; the ranking by scores is build_result's (the tests check it),
    but what is reported goes through build_result itself, so a candidate it does not confirm is
    dropped from the count rather than shown. Fewest answers first, then ``order`` (worked out
    only for the candidates of one size at a time: there may be thousands)."""
    count = len(candidates)
    by_size = sorted(candidates, key=lambda c: c.size)
    for _, group in itertools.groupby(by_size, key=lambda c: c.size):
        for candidate in sorted(group, key=lambda c: (order(c), c.other - c.probe, c.probe)):
            if broken(candidate):
                return candidate, count
            count -= 1
    return None, 0


def _without(needs: Needs, fixed: Sequence[str]) -> Needs:
    """The answers of a workload, without ``fixed`` and without the unanswered (None) entries."""
    return {c: a for c, a in needs.items() if a is not None and c not in fixed}


def _answered(criteria: Sequence[str], combo: Sequence[NeedValue | None]) -> Iterator[tuple[str, NeedValue | None]]:
    return ((c, a) for c, a in zip(criteria, combo) if a is not None)


def _record(needs: Needs, order: Sequence[str]) -> NeedPairs:
    return tuple((c, needs[c]) for c in order if c in needs)


def _plain(needs: NeedPairs) -> dict[str, object]:
    return {c: list(a) if isinstance(a, tuple) else a for c, a in needs}


def _weight(rule: Rule) -> int:
    return 10 * len(rule.exclude) + sum(abs(p) for _, p in rule.points)


def violation_problem(verdict: Verdict) -> Problem:
    v = verdict.violation
    assert v is not None
    invariant = verdict.invariant
    share = f"{v.count:,} of the {v.checked:,} {'sampled ' if v.method == 'sampled' else ''}workloads checked break it"
    message = f"{invariant.id}: {_story(v, invariant)}; {share}"
    return InvariantProblem(invariant.span, CODE, message,
                            f"“{invariant.says}” Change the rules named, or the invariant if it no longer holds",
                            violation=v)


def _story(v: Violation, invariant: Invariant) -> str:
    workload = needs_text(dict(v.needs))
    if isinstance(invariant.kind, Monotone):
        criterion = invariant.kind.criterion
        lax, strict = dict(v.needs)[criterion], dict(v.stricter)[criterion]
        moved = (f"leaves {_names(invariant.kind.keeps)}" if v.broken == "keeps"
                 else f"moves to {_names(invariant.kind.never_toward)}")
        text = (f"{workload} recommends {_winner(v.winner, v.tie_break[0])}, but with {criterion}: {strict} it "
                f"recommends {_winner(v.stricter_winner, v.tie_break[1])} "
                f"(stricter {criterion} {moved})")
        stricter = [b for b in v.blame if b.side == "stricter"]
        laxer = [b for b in v.blame if b.side == "laxer"]
        parts = ([f"only at {strict}: {_blame(stricter)}"] if stricter else []) + \
                ([f"only at {lax}: {_blame(laxer)}"] if laxer else [])
        return text + (f"; rules firing {'; '.join(parts)}" if parts else "")
    if isinstance(invariant.kind, Never):
        return f"{workload} recommends {_winner(v.winner, v.tie_break[0])}; " + (
            f"it comes first by {_blame(v.blame)}" if v.blame else "no rule puts it first")
    rules = f"by {_blame(v.blame)}" if v.blame else "with no rule fired"
    return f"{workload} alone recommends {v.winner}, {rules}"


def _winner(option: str | None, tie_break: bool) -> str:
    """An option as a winner; one chosen only by the tie-break order is marked, as `diff` marks it."""
    return f"{option} (tie-break)" if tie_break else str(option)


def _blame(blame: Sequence[Blame]) -> str:
    return ", ".join(f"{b.rule} ({b.effect})" for b in blame)


def _names(options: Sequence[str]) -> str:
    return options[0] if len(options) == 1 else "/".join(options)


def _summary(verdicts: Sequence[Verdict], problems: int, seed: int, sample: int, small: int = SMALL_BASE) -> str:
    broken = sum(v.violation is not None for v in verdicts)
    head = f"{len(verdicts)} checked, {broken} violated"
    if problems:
        head += f", {problems} problem{'s' if problems != 1 else ''} in {INVARIANTS_FILE}"
    if not verdicts:
        return head
    most = max(v.checked for v in verdicts)
    if any(v.method == "sampled" for v in verdicts):
        sampled = f" and a sample of {sample:,} (seed {seed})" if sample else ""
        return (f"{head}; each over every workload with at most {small} other answers{sampled} "
                f"(up to {most:,} workloads an invariant)")
    return f"{head}; each over every workload (up to {most:,} an invariant)"

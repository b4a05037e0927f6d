"""Undecided regions: the parts of the answer space where the rules name no firm winner.

Two kinds, the two confidence labels that say the rules did not decide (see ``result.confidence_of``):

* ``tie``: the winner leads by nothing; the ``tie_break`` order of options.yaml picked it;
* ``no_basis``: nothing but one light rule (or nothing at all) spoke, so no winner is named.

Some ties are genuine (two options really are equal for a need), so ``check`` reports these regions as
warnings. They are found where they can be read: every workload answering one or two criteria is
enumerated (a few thousand with the shipped catalogue) and summarised as the smallest answer patterns
that cover them, a single answer or a pair whose halves are each decided; the whole space (about 10^12
workloads) is only sampled, seeded, for its share of undecided workloads. Evaluation uses the reference
evaluator: static analysis does not load durable-rules.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from ..answerspace import DEFAULT_SEED, AnswerSpace, Exploration, Needs, needs_text
from ..errors import Problem
from ..model import RuleSet
from ..reference import fired
from ..requirements import Source, Workload
from ..result import NO_BASIS, TIE, Result, build_result

KINDS = (TIE, NO_BASIS)
CODES = {TIE: "tie-region", NO_BASIS: "no-basis-region"}
SAMPLE_SIZE = 2_000  # the whole space, for its share of undecided workloads: about 1 s
ENUMERATE_UP_TO = 5_000  # a whole space this small is enumerated instead
PAIRED_UP_TO = 64  # answers of a criterion for its pairs to be enumerated
SHOWN = 4  # patterns spelt out per finding; the count says how many there are
HINTS = {
    TIE: "fine if the options really are equal for these needs; otherwise let a rule weigh them apart",
    NO_BASIS: "fine if the answer alone should decide nothing; otherwise give it a rule of more than one point",
}


@dataclass(frozen=True)
class Pattern:
    """A smallest undecided workload: every workload answering one or two criteria of the same kind
    that includes these answers is covered by it."""

    needs: tuple[tuple[str, object], ...]  # in catalogue order
    kind: str
    fired: tuple[str, ...]
    covers: frozenset[tuple[tuple[str, object], ...]]  # the enumerated workloads of its kind that include it

    @property
    def anchor(self) -> str:
        """The criterion the pattern is reported under: its first."""
        return self.needs[0][0]


@dataclass(frozen=True)
class Regions:
    patterns: tuple[Pattern, ...]
    enumerated: int  # workloads answering one or two criteria
    undecided: tuple[tuple[str, int], ...]  # (kind, how many of them), for KINDS
    silent: int  # single answers that fire no rule at all (counted, not reported: nothing was asked of them)
    sample: Exploration
    sampled: tuple[tuple[str, int], ...]  # (kind, how many of the sample)

    def describe(self) -> str:
        """One line for check's summary: what was enumerated and sampled, and what was found."""
        counts = ", ".join(f"{n:,} {_word(k)}" for k, n in self.undecided)
        shares = ", ".join(f"{n:,} {_word(k)} ({_share(n, self.sample.workloads)})" for k, n in self.sampled)
        whole = (f"sampled {self.sample.workloads:,} of {self.sample.space:,} workloads (seed {self.sample.seed})"
                 if self.sample.method == "sampled" else f"all {self.sample.workloads:,} workloads enumerated")
        return (f"enumerated all {self.enumerated:,} workloads answering one or two criteria: {counts}, in "
                f"{len(self.patterns)} patterns; {whole}: {shares}")


def _word(kind: str) -> str:
    return "tied" if kind == TIE else "with no basis"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "0%"


def kind_of(result: Result) -> str | None:
    """'tie' or 'no_basis' for an undecided result, None for any other."""
    return result.confidence if result.confidence in KINDS else None


def evaluate(ruleset: RuleSet, needs: Needs) -> Result:
    """A workload's result through the reference evaluator (the same semantics as the engine)."""
    ordered = tuple((c, needs[c]) for c in ruleset.catalogue.ids if c in needs)
    return build_result(ruleset, Workload("workload", ordered, Source("answer space")), fired(ruleset, needs))


def small_workloads(space: AnswerSpace) -> Iterator[Needs]:
    """Every describable workload answering exactly one criterion, then exactly two."""
    ids = list(space.domains)
    for cid in ids:
        for answer in space.domains[cid][1:]:
            if space.describable({cid: answer}):
                yield {cid: answer}
    # a criterion with very many answers (a large many-value one) is looked at alone: its pairs would be
    # most of the work and are covered by the whole-space sample
    paired = [cid for cid in ids if len(space.domains[cid]) <= PAIRED_UP_TO]
    for first, second in itertools.combinations(paired, 2):
        for a, b in itertools.product(space.domains[first][1:], space.domains[second][1:]):
            needs = {first: a, second: b}
            if space.describable(needs):
                yield needs


def find_regions(ruleset: RuleSet, space: AnswerSpace, seed: int = DEFAULT_SEED,
                 sample_size: int = SAMPLE_SIZE) -> Regions:
    found: dict[tuple[tuple[str, object], ...], tuple[str, tuple[str, ...]]] = {}
    enumerated = silent = 0
    for needs in small_workloads(space):
        enumerated += 1
        result = evaluate(ruleset, needs)
        kind = kind_of(result)
        if kind is not None:
            found[_key(needs, ruleset)] = (kind, tuple(sorted(result.fired)))
        silent += len(needs) == 1 and not result.fired
    patterns = _patterns(found)
    undecided = tuple((k, sum(1 for kind, _ in found.values() if kind == k)) for k in KINDS)
    exploration, sample = space.explore(space.scope(space.domains), seed, ENUMERATE_UP_TO, sample_size)
    kinds = [kind_of(evaluate(ruleset, needs)) for needs in sample]
    return Regions(patterns, enumerated, undecided, silent, exploration, tuple((k, kinds.count(k)) for k in KINDS))


def _key(needs: Needs, ruleset: RuleSet) -> tuple[tuple[str, object], ...]:
    return tuple((c, needs[c]) for c in ruleset.catalogue.ids if c in needs)


def _patterns(found: dict[tuple[tuple[str, object], ...], tuple[str, tuple[str, ...]]]) -> tuple[Pattern, ...]:
    """The smallest undecided workloads: single answers that fire some rule (one that fires none was
    never weighed: not a gap in the rules), and pairs neither half of which is undecided the same way."""
    # the workloads a single answer covers: itself and the pairs holding it (found has no larger ones),
    # indexed once rather than searched for every pattern (many-value criteria make found large)
    holding: dict[tuple[tuple[str, object], str], list[tuple[tuple[str, object], ...]]] = {}
    for other, (k, _) in found.items():
        for part in other:
            holding.setdefault((part, k), []).append(other)
    out = []
    for needs, (kind, rules) in found.items():
        if len(needs) == 1 and not rules:
            continue
        if len(needs) == 2 and any(found.get((part,), ("",))[0] == kind for part in needs):
            continue
        covers = frozenset(holding[(needs[0], kind)]) if len(needs) == 1 else frozenset({needs})
        out.append(Pattern(needs, kind, rules, covers))
    return tuple(out)


def region_problems(regions: Regions, ruleset: RuleSet) -> list[Problem]:
    """One warning per criterion and kind, at the criterion in criteria.yaml, spelling out its patterns."""
    groups: dict[tuple[str, str], list[Pattern]] = {}
    for pattern in regions.patterns:
        groups.setdefault((pattern.anchor, pattern.kind), []).append(pattern)
    out = []
    for (criterion, kind), patterns in groups.items():
        out.append(Problem(ruleset.catalogue[criterion].span, CODES[kind], _message(kind, patterns, regions),
                           HINTS[kind]))
    return out


def _message(kind: str, patterns: Sequence[Pattern], regions: Regions) -> str:
    shown = " or ".join(_pattern_text(p) for p in patterns[:SHOWN])
    more = f" (and {len(patterns) - SHOWN} more such patterns)" if len(patterns) > SHOWN else ""
    covered = len(frozenset().union(*(p.covers for p in patterns)))
    what = ("gets its winner from the tie-break order alone" if kind == TIE
            else "names no winner: only light rules (1 point) speak, for a lead of at most one")
    return (f"{'tie' if kind == TIE else 'no basis'}: any workload answering only {shown}{more} {what} "
            f"({covered:,} of the {regions.enumerated:,} workloads answering one or two criteria)")


def _pattern_text(pattern: Pattern) -> str:
    return needs_text(dict(pattern.needs))


# --- diff: workloads entering or leaving the regions -----------------------------------------


@dataclass(frozen=True)
class Moves:
    """How many workloads of a corpus a rule change moves into or out of the undecided regions."""

    entered: tuple[tuple[str, int], ...]  # (kind, count), for KINDS
    left: tuple[tuple[str, int], ...]

    @property
    def any(self) -> bool:
        return any(n for _, n in self.entered + self.left)

    def describe(self) -> str:
        def counts(pairs: tuple[tuple[str, int], ...]) -> str:
            return ", ".join(f"{n:,} {'tie' if k == TIE else 'no basis'}" for k, n in pairs if n) or "none"

        return f"undecided regions: {counts(self.entered)} entered; {counts(self.left)} left"

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"entered": dict(self.entered), "left": dict(self.left)}


def moves(before: Iterable[Result], after: Iterable[Result]) -> Moves:
    """Workloads whose kind of undecidedness changed, counted by the kind entered and the kind left."""
    entered = dict.fromkeys(KINDS, 0)
    left = dict.fromkeys(KINDS, 0)
    for old, new in zip(before, after):
        was, now = kind_of(old), kind_of(new)
        if was == now:
            continue
        if now is not None:
            entered[now] += 1
        if was is not None:
            left[was] += 1
    return Moves(tuple(entered.items()), tuple(left.items()))

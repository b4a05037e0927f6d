"""Decision insight: how firm a recommendation is, what would change it, and which rules nearly fired.

* :func:`confidence` gives every result's label (``clear``, ``close``, ``qualified``, ``tie`` or
  ``no_basis``; see :func:`result.confidence_of`).
* :class:`Explainer` adds an :class:`Insight` to results on request: the smallest changes to the
  answers (one criterion, then two) that make another option win, and the near misses.

The search is bounded so that it stays affordable in batches:

* it runs only when asked for (``--explain``), and its answers are cached by answer profile;
* every change of one criterion, and every change of two criteria that meet in one rule's condition,
  is re-evaluated through the engine, all results' neighbours in one batch;
* a change of two criteria that no rule mentions together is not re-run: its scores are exactly the
  scores of its two single changes added up (a rule's outcome depends only on the criteria it
  mentions), so it is combined from the engine's answers for them.
"""
from __future__ import annotations

from collections import OrderedDict
from itertools import combinations
from operator import add, sub
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from .conditions import criteria_in
from .errors import InputError
from .model import NeedPairs, NeedValue, RuleSet
from .nearmiss import askable, near_misses
from .result import LIGHT, Change, Insight, Result



class Fires(Protocol):
    def fired(self, needs_list: Sequence[Mapping[str, Any]]) -> list[frozenset[str]]: ...


class Evaluates(Protocol):
    """What the explainer needs of an advisor (api.Advisor is one): the rule set, the batch size and
    the engine that says which rules fire. Named here so that this module never imports api."""

    ruleset: RuleSet
    batch: int
    evaluator: Fires

CACHE_SIZE = 4096
ANSWER_LIMIT = 128  # answers tried per criterion: a bigger many-value criterion is searched by a seeded sample

Tally = tuple[int, ...]  # each option's score, how many fired rules exclude it, then how many are more than light


def confidence(result: Result) -> str | None:
    """The result's confidence label (worked out with the result: see result.confidence_of)."""
    return result.confidence


def apply_changes(needs: NeedPairs | Mapping[str, NeedValue], changes: NeedPairs | Mapping[str, NeedValue]) -> dict[str, NeedValue]:
    """The answers with ``changes`` applied, as the user would edit a requirement file."""
    return {**dict(needs), **dict(changes)}


class Explainer:
    """Adds insight to results of one advisor (see Evaluates), caching it by answer profile."""

    def __init__(self, advisor: Evaluates, cache_size: int = CACHE_SIZE) -> None:
        self.advisor = advisor
        self.ruleset: RuleSet = advisor.ruleset
        self.cache_size = cache_size
        self._cache: OrderedDict[NeedPairs, Insight] = OrderedDict()
        self._space = _Space(self.ruleset)

    def explain(self, results: Sequence[Result]) -> list[Result]:
        """The same results, each with its insight; all new neighbours go through the engine at once."""
        found = {r.needs: self._cache[r.needs] for r in results if r.needs in self._cache}
        plans = [_Plan(r, self._space) for r in {r.needs: r for r in results if r.needs not in found}.values()]
        probes = [needs for plan in plans for needs in plan.probes]
        fired = iter(self.advisor.evaluator.fired(probes)) if probes else iter(())
        for plan in plans:
            found[plan.result.needs] = plan.insight([next(fired) for _ in plan.probes])
        for needs, insight in found.items():
            self._remember(needs, insight)
        return [r._replace(insight=found[r.needs]) for r in results]

    def answers(self, stream: Iterable[Result | InputError]) -> Iterator[Result | InputError]:
        """A stream of answers (as from ``Advisor.results``) with insight added, batched for speed."""
        pending: list[Result | InputError] = []
        for answer in stream:
            pending.append(answer)
            if len(pending) >= self.advisor.batch:
                yield from self._flush(pending)
                pending = []
        yield from self._flush(pending)

    def _flush(self, pending: list[Result | InputError]) -> Iterator[Result | InputError]:
        explained = iter(self.explain([a for a in pending if isinstance(a, Result)]))
        for answer in pending:
            yield next(explained) if isinstance(answer, Result) else answer

    def _remember(self, needs: NeedPairs, insight: Insight) -> None:
        self._cache[needs] = insight
        self._cache.move_to_end(needs)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


class _Space:
    """What the search needs to know about a rule set, worked out once: every answer to every criterion,
    the questions that are not always asked, the criteria that meet in some rule, and the scorer."""

    def __init__(self, ruleset: RuleSet) -> None:
        from .answerspace import AnswerSpace  # here: only --explain and the what-if search pay for it (start-up)

        self.ruleset = ruleset
        catalogue = ruleset.catalogue
        # Never the power set of a many-value criterion: one answer per class the rules tell apart, or
        # a seeded sample of those classes (``sampled``), so that the search stays polynomial.
        space = AnswerSpace(catalogue, [r.when for r in ruleset.rules], limit=ANSWER_LIMIT)
        self.answers = {cid: list(answers[1:]) for cid, answers in space.domains.items()}
        self.sampled = tuple(c.id for c in catalogue.criteria if c.id in space.sampled)
        self.gated = {c.id: c for c in catalogue.criteria if c.when is not None}
        self.position = {(c, a): (i, j) for i, (c, answers) in enumerate(self.answers.items())
                         for j, a in enumerate(answers)}
        self.linked = _linked_criteria(ruleset)
        self.tally = _Tallier(ruleset)


class _Plan:
    """The neighbourhood of one answer profile: what to ask the engine, and how to read its answers."""

    def __init__(self, result: Result, space: _Space) -> None:
        self.result = result
        self.space = space
        self.needs = dict(result.needs)
        # Every single change is probed, askable or not: a pair built on it needs its scores.
        self.singles = [(c, a) for c, answers in space.answers.items() for a in answers if a != self.needs.get(c)]
        self.pairs = [(x, y) for x, y in combinations(self.singles, 2) if x[0] != y[0] and self._askable((x, y))]
        self.linked_pairs = [p for p in self.pairs if frozenset((p[0][0], p[1][0])) in space.linked]
        self.probes = [apply_changes(self.needs, (s,)) for s in self.singles] + \
                      [apply_changes(self.needs, p) for p in self.linked_pairs]

    def insight(self, fired: Sequence[frozenset[str]]) -> Insight:
        """Read the engine's answers for the probes (in order) into the minimal changes and near misses."""
        tally = self.space.tally
        base = tally.of(self.result.fired)
        single = {s: tally.of(f) for s, f in zip(self.singles, fired)}
        linked = {p: tally.of(f) for p, f in zip(self.linked_pairs, fired[len(self.singles):])}
        winners = {(s,): tally.winner(t) for s, t in single.items() if self._askable((s,))}
        delta = {s: tuple(map(sub, t, base)) for s, t in single.items()}
        for first, second in self.pairs:
            # A pair no rule mentions together was not re-run: its two changes' effects add up exactly.
            both = linked.get((first, second)) or tuple(map(add, single[first], delta[second]))
            winners[(first, second)] = tally.winner(both)
        changes = [Change(c, w) for c, w in winners.items() if self._reportable(c, w, winners)]
        misses = near_misses(self.space.ruleset, self.needs, self.result.fired, self.space.answers)
        return Insight(tuple(sorted(changes, key=self._order())), misses, self.space.sampled)

    def _askable(self, changes: NeedPairs) -> bool:
        gated = [self.space.gated[c] for c, _ in changes if c in self.space.gated]
        if not gated:  # the common case, and hundreds of times per workload: skip building the answers
            return True
        changed = apply_changes(self.needs, changes)
        return all(askable(criterion, changed) for criterion in gated)

    def _reportable(self, changes: NeedPairs, winner: str | None, winners: dict) -> bool:
        """Another option wins, and no smaller (askable) part of the change already makes it win."""
        if winner is None or winner == self.result.recommendation:
            return False
        return len(changes) == 1 or all(winners.get((part,)) != winner for part in changes)

    def _order(self) -> Callable[[Change], tuple]:
        """Fewest changes first, then the best-placed winner, then catalogue order."""
        rank = [p.option for p in self.result.ranking]
        position = self.space.position
        return lambda change: (len(change.changes), rank.index(change.winner), [position[c] for c in change.changes])


class _Tallier:
    """Scores and exclusions from a set of fired rules, as ``build_result`` ranks them (kept in step by
    a test), without building a whole result for each of the hundreds of neighbours."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.options = ruleset.option_ids
        n = len(self.options)
        self.effects: dict[str, Tally] = {}
        for rule in ruleset.rules:
            points = dict(rule.points)
            # ... then whether the rule is more than a light lean: that adds up too, and decides
            # whether a lone lead is a basis for naming a winner at all.
            self.effects[rule.id] = tuple(points.get(o, 0) for o in self.options) + \
                tuple(int(o in rule.exclude) for o in self.options) + \
                (int(bool(rule.exclude) or any(abs(p) > LIGHT for p in points.values())),)
        self.zero: Tally = (0,) * (2 * n + 1)
        self.order = {o: i for i, o in enumerate(ruleset.tie_break)}

    def of(self, fired: Iterable[str]) -> Tally:
        total = list(self.zero)
        for rule_id in fired:
            for i, value in enumerate(self.effects[rule_id]):
                total[i] += value
        return tuple(total)

    def winner(self, tally: Tally) -> str | None:
        n = len(self.options)
        eligible = sorted((-tally[i], self.order[o], o) for i, o in enumerate(self.options) if tally[n + i] == 0)
        if not eligible:
            return None
        margin = eligible[1][0] - eligible[0][0] if len(eligible) > 1 else None
        if not tally[2 * n] and (margin is not None and margin <= LIGHT):
            return None  # no basis for a winner, as build_result decides
        return eligible[0][2]


def _linked_criteria(ruleset: RuleSet) -> frozenset[frozenset[str]]:
    """Pairs of criteria that appear together in at least one rule's condition."""
    pairs: set[frozenset[str]] = set()
    for rule in ruleset.rules:
        mentioned = sorted(set(criteria_in(rule.when)))
        pairs.update(frozenset(p) for p in combinations(mentioned, 2))
    return frozenset(pairs)

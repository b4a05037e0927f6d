"""Fast scoring of many workloads, for analyses that evaluate hundreds of thousands of them.

A rule's outcome depends only on the criteria its condition mentions, so rules are grouped by that
set (their *scope*) and each group gets a table: every answer combination of the scope -> which of
its rules fire, and what they add up to. A workload is then scored with one lookup per group.

What they add up to is a *tally*: each option's points, how many fired rules exclude it, and how many
fired rules are more than a light lean (whether the result has a basis at all), packed into one integer
(one signed 16-bit field each), so that adding two tallies is one addition and a
workload that differs from another in one criterion is scored by swapping the tallies of the groups
that mention it. The ranking from a tally mirrors result.build_result (checked by the tests); it is
a prefilter only: analyses confirm what they report with build_result on the fired rules.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from ..conditions import criteria_in, holds
from ..model import NeedValue, Rule, RuleSet
from ..result import LIGHT

FIELD = 16  # bits per packed field: scores stay far inside +-32,767 (at most 5 points a rule)
TABLE_LIMIT = 50_000  # larger groups are evaluated rule by rule, memoised per answer combination


def pack(points: Sequence[int], excluded: Sequence[int], strong: int = 0) -> int:
    """A tally from each option's points and exclusion count (option order), then the count of fired
    rules that are more than light."""
    total = 0
    for index, value in enumerate((*points, *excluded, strong)):
        total += value << (FIELD * index)
    return total


def unpack(tally: int, options: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Each option's points and exclusion count back from a tally; fields are signed."""
    fields: list[int] = []
    half, full = 1 << (FIELD - 1), 1 << FIELD
    for _ in range(2 * options + 1):
        value = tally & (full - 1)
        if value >= half:
            value -= full
        fields.append(value)
        tally = (tally - value) >> FIELD
    return tuple(fields[:options]), tuple(fields[options:2 * options])



def rule_tally(rule: Rule, options: tuple[str, ...]) -> int:
    points = dict(rule.points)
    strong = int(bool(rule.exclude) or any(abs(p) > LIGHT for p in points.values()))
    return pack([points.get(o, 0) for o in options], [int(o in rule.exclude) for o in options], strong)


class _Table(dict):
    """A combination of answers -> (tally, fired rules as a bit mask); filled as combinations are met when
    the scope is too big to enumerate up front."""

    def __init__(self, fill: "Callable[[tuple[NeedValue | None, ...]], tuple[int, int]]") -> None:
        super().__init__()
        self.fill = fill

    def __missing__(self, combo: tuple[NeedValue | None, ...]) -> tuple[int, int]:
        entry = self[combo] = self.fill(combo)
        return entry


@dataclass(frozen=True)
class Group:
    """Rules that mention the same criteria, and the table of what they do for each answer to them."""

    scope: tuple[str, ...]
    rules: tuple[Rule, ...]
    table: _Table

    def entry(self, needs: Mapping[str, NeedValue | None]) -> tuple[int, int]:
        """(tally, fired mask) for these answers; a criterion mapped to None counts as unanswered."""
        return self.table[tuple(map(needs.get, self.scope))]


class Scorer:
    """Tallies, fired rules and winners of workloads of one rule set, by table lookups."""

    def __init__(self, ruleset: RuleSet, domains: Mapping[str, tuple[NeedValue | None, ...]]) -> None:
        self.ruleset = ruleset
        self.options = ruleset.option_ids
        order = {o: i for i, o in enumerate(ruleset.tie_break)}
        self._tie = tuple(order.get(o, len(order)) for o in self.options)
        self._bits = {r.id: 1 << i for i, r in enumerate(ruleset.rules)}
        catalogue_order = {c: i for i, c in enumerate(domains)}
        by_scope: dict[tuple[str, ...], list[Rule]] = {}
        for rule in ruleset.rules:
            scope = tuple(sorted(set(criteria_in(rule.when)), key=lambda c: catalogue_order.get(c, len(catalogue_order))))
            by_scope.setdefault(scope, []).append(rule)
        self.groups = tuple(self._group(scope, tuple(rules), domains) for scope, rules in by_scope.items())
        self.winners = _Memo(self._rank)  # per scorer, so per rule set: tallies repeat a lot

    def _group(self, scope: tuple[str, ...], rules: tuple[Rule, ...], domains: Mapping[str, tuple[NeedValue | None, ...]]) -> Group:
        def fill(combo: tuple[NeedValue | None, ...]) -> tuple[int, int]:
            needs = {c: a for c, a in zip(scope, combo) if a is not None}
            fired = [r for r in rules if holds(r.when, needs)]
            return sum(rule_tally(r, self.options) for r in fired), sum(self._bits[r.id] for r in fired)

        group = Group(scope, rules, _Table(fill))
        size = 1
        for cid in scope:
            size *= len(domains.get(cid, (None,)))
        if size <= TABLE_LIMIT:
            for combo in itertools.product(*(domains.get(c, (None,)) for c in scope)):
                group.table[combo] = fill(combo)
        return group

    def tally(self, needs: Mapping[str, NeedValue | None], groups: Iterable[Group] | None = None) -> int:
        """The tally of the given groups (default: all) for these answers."""
        get = needs.get
        return sum([g.table[tuple(map(get, g.scope))][0] for g in (self.groups if groups is None else groups)])

    def mask(self, needs: Mapping[str, NeedValue | None]) -> int:
        """The rules that fire, as a bit mask (rule i is bit i; the groups' rules are disjoint)."""
        get = needs.get
        return sum([g.table[tuple(map(get, g.scope))][1] for g in self.groups])

    def fired(self, needs: Mapping[str, NeedValue | None]) -> frozenset[str]:
        """The ids of the rules that fire: the same as reference.fired, by lookups."""
        return self.ids(self.mask(needs))

    def ids(self, mask: int) -> frozenset[str]:
        return frozenset(r.id for r in self.ruleset.rules if mask & self._bits[r.id])

    def winner(self, tally: int) -> str | None:
        """The recommendation a tally makes, ranked as build_result ranks (None: all excluded)."""
        return self.winners[tally]

    def _rank(self, tally: int) -> str | None:
        n = len(self.options)
        scores, excluded = unpack(tally, n)
        eligible = sorted((i for i in range(n) if excluded[i] <= 0), key=lambda i: (-scores[i], self._tie[i]))
        if not eligible:
            return None
        margin = scores[eligible[0]] - scores[eligible[1]] if len(eligible) > 1 else None
        basis = any(excluded) or _strong(tally, scores, excluded) > 0 or (margin or 0) > LIGHT
        return self.options[eligible[0]] if basis else None  # no basis: build_result names no winner


def _strong(tally: int, scores: Sequence[int], excluded: Sequence[int]) -> int:
    return (tally - pack(scores, excluded)) >> (FIELD * 2 * len(scores))


class _Memo(dict):
    """tally -> winner, worked out on first use: hot loops index it directly (one C-level lookup)."""

    def __init__(self, work: Callable[[int], "str | None"]) -> None:
        super().__init__()
        self.work = work

    def __missing__(self, tally: int) -> "str | None":
        found = self[tally] = self.work(tally)
        return found

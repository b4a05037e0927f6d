"""Independent rule groups: the criteria a rule set couples, worked out from its rules (never written down).

Two criteria are *connected* when one rule tests both; each connected component, with the rules that
test it, is a *group*. Whether a rule fires depends only on its group's answers (its *sub-profile*),
so a workload's fired rules are the union, over the groups, of the rules each group's sub-profile
fires. A rule about an unanswered criterion ("no preference") tests that criterion, so it sits in
its group like any other; a rule that tests no criterion at all (none can be written today) would sit
in a group of no criteria, whose one sub-profile is the empty one.

The shipped rules fall into about ten groups whose sub-profiles number in the hundreds over the whole
answer space, while whole workloads number in the billions: evaluating each distinct sub-profile once
is what makes large batches fast (see evaluate.Evaluator). The *space* of a group estimates how many
sub-profiles it has, so that a rule set whose groups are too large to pay off is evaluated whole.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .conditions import criteria_in
from .model import RuleSet
from .records import NamedTuple


class Group(NamedTuple):
    """Criteria connected through the rules, in catalogue order, and the ids of the rules testing them.
    A typed NamedTuple, not a frozen dataclass (a fifth of the creation cost at every start)."""

    criteria: tuple[str, ...]
    rules: frozenset[str]
    space: int  # how many distinct sub-profiles the criteria allow (unanswered included)
    # the distinct sets of criteria its rules test, as positions among ``criteria``, each with the rules
    # that test exactly that set (a rule's firing depends on those alone: see evaluate.Evaluator._learn)
    tests: tuple[tuple[tuple[int, ...], frozenset[str]], ...] = ()


class Partition(NamedTuple):
    groups: tuple[Group, ...]
    unique_ids: bool  # every rule id appears once: a fired id then names one rule, in one group


def partition(ruleset: RuleSet) -> Partition:
    """The rule set's independent groups, in catalogue order of their first criterion."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]  # path halving: keeps the trees flat
            c = parent[c]
        return c

    tested: list[tuple[str, tuple[str, ...]]] = []
    for rule in ruleset.rules:
        criteria = tuple(dict.fromkeys(criteria_in(rule.when)))
        tested.append((rule.id, criteria))
        for c in criteria:
            parent.setdefault(c, c)
        for c in criteria[1:]:
            a, b = find(criteria[0]), find(c)
            if a != b:
                parent[b] = a
    members: dict[str, list[str]] = {}
    order = {c.id: i for i, c in enumerate(ruleset.catalogue.criteria)}
    for c in sorted(parent, key=lambda c: order.get(c, len(order))):
        members.setdefault(find(c), []).append(c)
    rules: dict[str, set[str]] = {root: set() for root in members}
    constant: set[str] = set()
    for rule_id, criteria in tested:
        (rules[find(criteria[0])] if criteria else constant).add(rule_id)
    groups = [Group(tuple(cs), frozenset(rules[root]), _space(ruleset, cs), _tests(cs, tested, lambda c: find(c) == root))
              for root, cs in members.items()]
    if constant:
        groups.append(Group((), frozenset(constant), 1, (((), frozenset(constant)),)))
    ids = [r.id for r in ruleset.rules]
    return Partition(tuple(groups), len(set(ids)) == len(ids))


def split(ruleset: RuleSet, group: Group, limit: int) -> tuple[Group, ...]:
    """A group whose space is over ``limit`` cut into *clusters* of its tested sets, each remembered as a
    group of its own (see evaluate.Evaluator), so that each has at most ``limit`` sub-profiles where it can.

    A rule's firing depends only on its tested set (see Group.tests), so a group fires the union of what
    its tested sets fire, whichever way they are bundled: a cluster's criteria are those its tested sets
    use (two clusters may share some), and its rules are theirs. The shipped rules' largest group has
    22,400 sub-profiles, nearly all met in a large random batch and each learned once per process (the
    warm-up of every ``--jobs`` worker); cut into three clusters, it has at most 200 each, learned in the
    first few thousand workloads, for two more lookups a workload.

    Tested sets go largest space first into the cluster whose space grows least (then the smallest),
    within ``limit``, else into a new one; a tested set larger than the limit is a cluster alone. A
    group within the limit stays whole."""
    if group.space <= limit or len(group.tests) < 2:
        return (group,)

    def space(names: set[str]) -> int:
        return _space(ruleset, [c for c in group.criteria if c in names])

    clusters: list[tuple[set[str], list[tuple[tuple[int, ...], frozenset[str]]]]] = []
    spaces: list[int] = []
    ordered = sorted(group.tests, key=lambda test: -space({group.criteria[i] for i in test[0]}))  # stable
    for at, own in ordered:
        names = {group.criteria[i] for i in at}
        best: tuple[float, int, int] | None = None  # (growth, space, cluster index)
        for index, (held, _tests) in enumerate(clusters):
            grown = space(held | names)
            if grown <= limit and (best is None or (grown / spaces[index], grown) < best[:2]):
                best = (grown / spaces[index], grown, index)
        if best is None:
            clusters.append((set(names), [(at, own)]))
            spaces.append(space(names))
        else:
            clusters[best[2]][0].update(names)
            clusters[best[2]][1].append((at, own))
            spaces[best[2]] = best[1]
    return tuple(_cluster(group, held, tests, size) for (held, tests), size in zip(clusters, spaces))


def _cluster(group: Group, names: set[str], tests: list[tuple[tuple[int, ...], frozenset[str]]], space: int) -> Group:
    criteria = tuple(c for c in group.criteria if c in names)
    moved = tuple(sorted((tuple(sorted(criteria.index(group.criteria[i]) for i in at)), own) for at, own in tests))
    return Group(criteria, frozenset().union(*(own for _at, own in tests)), space, moved)


def packed(groups: tuple[Group, ...], limit: int) -> tuple[Group, ...]:
    """Small groups (or clusters: see split) packed together, each pack to be remembered as one group (see
    evaluate.Evaluator), so that a workload costs a lookup per pack rather than per group: the shipped
    rules' twelve groups, the largest cut into three clusters, make seven packs. A pack fires the union
    of what its groups fire, and its tested sets are theirs, so packing changes how a workload's answers
    are looked up, never what durable-rules is asked. Groups go smallest space first into the first pack
    whose space (the product of its groups') stays within ``limit``; a group larger than that stays
    alone. The packs keep the groups' order."""
    packs: list[list[int]] = []  # indices into groups
    spaces: list[int] = []
    for index in sorted(range(len(groups)), key=lambda i: groups[i].space):
        at = next((i for i, space in enumerate(spaces) if space * groups[index].space <= limit), None)
        if at is None:
            packs.append([index])
            spaces.append(groups[index].space)
        else:
            packs[at].append(index)
            spaces[at] *= groups[index].space
    return tuple(_merged([groups[i] for i in sorted(p)]) for p in sorted(packs, key=min))


def _merged(groups: list[Group]) -> Group:
    if len(groups) == 1:
        return groups[0]
    # clusters of one group (see split) may share criteria: each is in the pack once, and the pack's
    # space (the product) is then an upper bound
    criteria = tuple(dict.fromkeys(c for g in groups for c in g.criteria))
    tests = tuple((tuple(sorted(criteria.index(g.criteria[p]) for p in at)), own)
                  for g in groups for at, own in g.tests)
    return Group(criteria, frozenset().union(*(g.rules for g in groups)), math.prod(g.space for g in groups), tests)


def _tests(criteria: list[str], tested: list[tuple[str, tuple[str, ...]]],
           member: Callable[[str], bool]) -> tuple[tuple[tuple[int, ...], frozenset[str]], ...]:
    """The group's distinct tested sets of criteria (positions, in order) and the rules testing each."""
    by: dict[tuple[int, ...], set[str]] = {}
    for rule_id, used in tested:
        if used and member(used[0]):
            by.setdefault(tuple(sorted(criteria.index(c) for c in used)), set()).add(rule_id)
    return tuple((at, frozenset(ids)) for at, ids in by.items())


def _space(ruleset: RuleSet, criteria: list[str]) -> int:
    """Distinct sub-profiles over these criteria: each one-value criterion unanswered or one of its
    values, each many-value one any subset of its values (the empty one standing for unanswered)."""
    space = 1
    for criterion_id in criteria:
        criterion = ruleset.catalogue.get(criterion_id)
        if criterion is None:
            continue
        n = len(criterion.values)
        space *= (1 << n) if criterion.many else n + 1
    return space


def profile_needs(criteria: tuple[str, ...], key: tuple[Any, ...]) -> dict[str, Any]:
    """The needs of a workload that answers only this sub-profile."""
    return {c: v for c, v in zip(criteria, key) if v is not None}

"""Evaluation by independent rule groups (engine/groups.py, Evaluator): the groups are what the rules
couple, and the engine evaluating each distinct sub-profile once agrees with the reference evaluator,
on the shipped rules and on generated rule sets whose groups merge and split; so does the fallback
that evaluates whole workloads."""
from __future__ import annotations

import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.compile import dnf_terms
from deploy_advisor.engine.conditions import criteria_in
from deploy_advisor.engine.evaluate import GROUP_SPACE_LIMIT, Evaluator
from deploy_advisor.engine.groups import _space, packed, partition, split
from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Is, Not
from deploy_advisor.engine.reference import ReferenceEvaluator
from deploy_advisor.engine.rulefiles import load_ruleset

from manyvalues import many_value_rules
from strategies import conditions, needs


def random_needs(catalogue, count: int, seed: int) -> list[dict]:
    """Needs as benchmarks/bench_batch.py makes them: each criterion answered four times in five."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        answers = {}
        for criterion in catalogue.criteria:
            if rng.random() < 0.2:
                continue
            values = criterion.value_ids
            if criterion.many:
                chosen = [v for v in values if rng.random() < 0.4] or [rng.choice(values)]
                answers[criterion.id] = tuple(chosen)
            else:
                answers[criterion.id] = rng.choice(values)
        out.append(answers)
    return out


def closure_groups(ruleset) -> set[frozenset[str]]:
    """The groups worked out the slow way: merge criteria sets that share a criterion until none do."""
    sets = [set(criteria_in(r.when)) for r in ruleset.rules]
    merged: list[set[str]] = []
    for s in sets:
        touching = [m for m in merged if m & s]
        for m in touching:
            merged.remove(m)
            s |= m
        merged.append(s)
    return {frozenset(m) for m in merged}


def check_partition(ruleset) -> None:
    found = partition(ruleset)
    assert {frozenset(g.criteria) for g in found.groups} == closure_groups(ruleset)
    owner = {r: g for g in found.groups for r in g.rules}
    assert sorted(owner) == sorted(r.id for r in ruleset.rules)  # each rule in exactly one group
    assert sum(len(g.rules) for g in found.groups) == len(ruleset.rules)
    for rule in ruleset.rules:
        assert set(criteria_in(rule.when)) <= set(owner[rule.id].criteria)


def test_shipped_groups_are_the_connected_components(ruleset):
    check_partition(ruleset)
    found = partition(ruleset)
    assert len(found.groups) > 1 and found.unique_ids
    # the estimated sub-profiles of each group: one-value criteria answered or not, many-value any subset
    for group in found.groups:
        expected = 1
        for c in group.criteria:
            criterion = ruleset.catalogue[c]
            expected *= 2 ** len(criterion.values) if criterion.many else len(criterion.values) + 1
        assert group.space == expected


def test_grouped_engine_agrees_with_reference_on_a_generated_corpus(ruleset):
    corpus = random_needs(ruleset.catalogue, 3000, seed=14)
    engine = Evaluator(ruleset, batch=500)
    assert engine.grouped
    got = [f for start in range(0, len(corpus), 500) for f in engine.fired(corpus[start : start + 500])]
    assert got == ReferenceEvaluator(ruleset).fired(corpus)
    assert engine.fired(corpus[:700]) == got[:700]  # again, now from the memo
    assert engine.grouped


def test_grouped_engine_agrees_on_hypothesis_needs(ruleset):
    engine = Evaluator(ruleset, batch=9)
    oracle = ReferenceEvaluator(ruleset)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(needs(ruleset.catalogue), min_size=1, max_size=30))
    def check(many):
        assert engine.fired(many) == oracle.fired(many)

    check()


def test_parts_are_per_group_and_shared_between_workloads(ruleset):
    engine = Evaluator(ruleset)
    same_os = [{"os_families": ("linux",), "latency": "critical"}, {"os_families": ("linux",), "startup": "instant"}]
    first, second = engine.fired_parts(same_os)
    units = engine.units
    assert len(first) == len(second) == len(units) < len(partition(ruleset).groups)  # small groups are packed
    at = next(i for i, g in enumerate(units) if "os_families" in g.criteria)
    assert first[at] is second[at]  # evaluated once, the same answer reused
    for part, unit in zip(first, units):
        assert part <= unit.rules


def test_packs_hold_every_group_whole_within_the_limit(ruleset):
    """groups.packed: every group in exactly one pack, whole (its criteria side by side, its tested sets
    moved with them); a pack's space is the product of its groups' and stays within the limit unless it
    is one group; the packs keep the groups' order."""
    groups = partition(ruleset).groups
    everything = math.prod(g.space for g in groups)
    for limit in (1, 16, 256, 10**9, everything):
        packs = packed(groups, limit)
        assert sorted(c for p in packs for c in p.criteria) == sorted(c for g in groups for c in g.criteria)
        assert sorted(r for p in packs for r in p.rules) == sorted(r for g in groups for r in g.rules)
        for pack in packs:
            inside = [g for g in groups if set(g.criteria) <= set(pack.criteria)]
            assert pack.space == math.prod(g.space for g in inside) and (pack.space <= limit or len(inside) == 1)
            tested = {(tuple(pack.criteria[i] for i in at), own) for at, own in pack.tests}
            assert tested == {(tuple(g.criteria[i] for i in at), own) for g in inside for at, own in g.tests}
        firsts = [groups.index(next(g for g in groups if g.criteria[0] == p.criteria[0])) for p in packs]
        assert firsts == sorted(firsts)
    assert len(packed(groups, 1)) == len(groups) and len(packed(groups, everything)) == 1


def test_lists_as_answers_are_read_as_tuples(ruleset):
    engine = Evaluator(ruleset)
    as_list = {"os_families": ["linux", "windows"], "latency": "critical"}
    as_tuple = {"os_families": ("linux", "windows"), "latency": "critical"}
    assert engine.fired([as_list]) == engine.fired([as_tuple]) == ReferenceEvaluator(ruleset).fired([as_tuple])


def test_whole_evaluation_gives_the_same_answers(ruleset):
    corpus = random_needs(ruleset.catalogue, 1500, seed=7)
    grouped, whole = Evaluator(ruleset), Evaluator(ruleset, grouped=False)
    assert grouped.grouped and not whole.grouped
    assert whole.fired_parts(corpus[:3]) == [(f,) for f in whole.fired(corpus[:3])]
    assert grouped.fired(corpus) == whole.fired(corpus) == ReferenceEvaluator(ruleset).fired(corpus)


def test_low_hit_rate_switches_to_whole_workloads(ruleset):
    """A window in which each workload meets more new sub-profiles than the one fact a whole evaluation
    costs switches the Evaluator to whole workloads, for good; the answers stay the same."""
    corpus = random_needs(ruleset.catalogue, 400, seed=3)
    engine = Evaluator(ruleset, window=40)
    oracle = ReferenceEvaluator(ruleset)
    assert engine.fired(corpus[:40]) == oracle.fired(corpus[:40])
    assert not engine.grouped  # 40 fresh workloads meet several new sub-profiles each
    assert engine.fired(corpus[40:]) == oracle.fired(corpus[40:])


def test_groups_too_large_to_pay_off_are_evaluated_whole(tmp_path):
    """A 25-value many-value criterion coupled with latency: 2^25 sub-profiles in one group."""
    big = load_ruleset(many_value_rules(tmp_path / "rules", 25, count_rule=False))
    group = next(g for g in partition(big).groups if "regions" in g.criteria)
    assert "latency" in group.criteria and group.space > GROUP_SPACE_LIMIT
    engine = Evaluator(big)
    assert not engine.grouped
    corpus = random_needs(big.catalogue, 300, seed=5)
    assert engine.fired(corpus) == ReferenceEvaluator(big).fired(corpus)


def test_repeated_rule_ids_are_evaluated_whole(ruleset):
    """A fired id must name one rule of one group: a (broken) set repeating an id is evaluated whole."""
    first, second = ruleset.rules[0], ruleset.rules[-1]
    broken = ruleset._replace(rules=ruleset.rules + (second._replace(id=first.id),))
    assert not partition(broken).unique_ids
    engine = Evaluator(broken)
    assert not engine.grouped
    corpus = random_needs(ruleset.catalogue, 200, seed=9)
    assert engine.fired(corpus) == ReferenceEvaluator(broken).fired(corpus)


def test_groups_merge_when_a_rule_couples_them_and_split_without_it(ruleset):
    template = ruleset.rules[0]
    alone = (template._replace(id="a", when=Is("latency", ("critical",))),
             template._replace(id="b", when=Not(Is("startup", ("instant",)))),
             template._replace(id="c", when=CountAtLeast("os_families", 2)))
    coupling = template._replace(id="ab", when=AnyOf((Is("latency", ("tolerant",)),
                                                                  All((Has("os_families", ("linux",), "all"),
                                                                       Not(Is("startup", ("slow_ok",))))))))
    split = ruleset._replace(rules=alone)
    merged = ruleset._replace(rules=alone + (coupling,))
    assert len(partition(split).groups) == 3 and len(partition(merged).groups) == 1
    corpus = random_needs(ruleset.catalogue, 600, seed=11)
    for rules in (split, merged):
        check_partition(rules)
        assert Evaluator(rules).fired(corpus) == ReferenceEvaluator(rules).fired(corpus)


def test_generated_rule_sets_agree_grouped_and_whole(ruleset):
    """Arbitrary conditions over a few criteria: the groups merge and split as the rules couple them."""
    template = ruleset.rules[0]
    few = ruleset.catalogue._replace(criteria=tuple(
        c for c in ruleset.catalogue.criteria if c.id in ("latency", "startup", "os_families", "kernel", "state")))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(conditions(few), min_size=1, max_size=7), st.lists(needs(ruleset.catalogue), min_size=1, max_size=25))
    def check(whens, many):
        rules = tuple(template._replace(id=f"r-{i}", when=w) for i, w in enumerate(whens)
                      if dnf_terms(w) <= 8)
        if not rules:
            return
        generated = ruleset._replace(rules=rules)
        check_partition(generated)
        for group in partition(generated).groups:
            for limit in (1, 16, group.space):
                check_clusters(generated, group, limit)
        want = ReferenceEvaluator(generated).fired(many)
        assert Evaluator(generated).fired(many) == want
        for space in (1, 16):  # groups cut as far as they go; cut, then clusters of one group packed together
            assert Evaluator(generated, unit_space=space).fired(many) == want
        assert Evaluator(generated, grouped=False).fired(many) == want

    check()


def test_equal_parts_are_one_object(ruleset):
    """Different sub-profiles that fire the same rules hand out the same frozenset, so that a part is found
    by identity in the dicts keyed by it (render/assemble.py)."""
    engine = Evaluator(ruleset)
    rows = engine.fired_parts(random_needs(ruleset.catalogue, 3000, seed=11))
    seen: dict[frozenset[str], frozenset[str]] = {}
    for row in rows:
        for part in row:
            assert seen.setdefault(part, part) is part


def test_needs_as_pairs_fire_what_the_same_needs_as_a_mapping_fire(ruleset):
    """fired_parts takes a Workload's (criterion, answer) pairs as they are, grouped or whole."""
    corpus = random_needs(ruleset.catalogue, 300, seed=5)
    order = {c.id: i for i, c in enumerate(ruleset.catalogue.criteria)}
    pairs = [tuple(sorted(needs.items(), key=lambda item: order[item[0]])) for needs in corpus]
    for grouped in (True, False):
        engine = Evaluator(ruleset, grouped=grouped)
        assert engine.fired_parts(pairs) == engine.fired_parts(corpus)
        assert engine.fired(pairs) == ReferenceEvaluator(ruleset).fired(corpus)


def check_clusters(ruleset, group, limit: int) -> None:
    """groups.split: every tested set in exactly one cluster, with its rules; a cluster's criteria are those
    its tested sets use, in the group's order, its space theirs, within the limit unless it holds one
    tested set; a group within the limit stays whole."""
    clusters = split(ruleset, group, limit)
    if group.space <= limit:
        assert clusters == (group,)
        return
    named = lambda g: sorted((tuple(g.criteria[i] for i in at), own) for at, own in g.tests)  # noqa: E731
    assert sorted(t for c in clusters for t in named(c)) == named(group)
    assert sorted(r for c in clusters for r in c.rules) == sorted(group.rules)
    for cluster in clusters:
        used = {cluster.criteria[i] for at, _ in cluster.tests for i in at}
        assert set(cluster.criteria) == used and list(cluster.criteria) == [c for c in group.criteria if c in used]
        assert cluster.space == _space(ruleset, list(cluster.criteria))
        assert cluster.space <= limit or len(cluster.tests) == 1
        assert cluster.rules == frozenset().union(*(own for _, own in cluster.tests))


def test_large_groups_are_cut_into_clusters_of_their_tested_sets(ruleset):
    """The shipped rules' largest group (22,400 sub-profiles) is cut into clusters of at most UNIT_SPACE:
    a process then learns about a thousand sub-profiles, not tens of thousands, and every --jobs worker
    with it; the engine still agrees with the reference evaluator, with the groups cut as far as they go."""
    from deploy_advisor.engine.evaluate import UNIT_SPACE

    largest = max(partition(ruleset).groups, key=lambda g: g.space)
    assert largest.space > 20 * UNIT_SPACE
    for limit in (1, 16, UNIT_SPACE, largest.space):
        for group in partition(ruleset).groups:
            check_clusters(ruleset, group, limit)
    assert len(split(ruleset, largest, UNIT_SPACE)) > 1
    engine = Evaluator(ruleset)
    assert max(u.space for u in engine.units) <= UNIT_SPACE
    corpus = random_needs(ruleset.catalogue, 2000, seed=21)
    want = ReferenceEvaluator(ruleset).fired(corpus)
    assert engine.fired(corpus) == want and Evaluator(ruleset, unit_space=1).fired(corpus) == want
    assert sum(len(memo) for _, _, memo in engine._groups) <= sum(u.space for u in engine.units)

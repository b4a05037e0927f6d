"""The engine's fast encoding (packed facts, one regular expression per term, shared rules) keeps the
rules' meaning: it agrees with the reference evaluator on shapes the shipped rules do not have."""
from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.compile import (TESTS_PER_KEY, compile_ruleset, condition_terms, fact_layout, rule_ids)
from deploy_advisor.engine.evaluate import Evaluator
from deploy_advisor.engine.model import All, AnyOf, Catalogue, CountAtLeast, Criterion, Has, Is, Not, Value
from deploy_advisor.engine.reference import ReferenceEvaluator

from strategies import needs


def _rules(ruleset, conditions):
    template = ruleset.rules[0]
    return ruleset._replace(rules=tuple(
        template._replace(id=f"r-{i}", when=c) for i, c in enumerate(conditions)))


def _agree(ruleset, many) -> None:
    assert Evaluator(ruleset).fired(many) == ReferenceEvaluator(ruleset).fired(many)


def _wide_catalogue(ruleset) -> Catalogue:
    """The shipped catalogue plus a many-value criterion of 12 values (three slots of bits)."""
    tags = Criterion("tags", "many", "Which tags?", "", tuple(Value(f"t{i}", f"T{i}", "") for i in range(12)))
    return Catalogue(ruleset.catalogue.criteria + (tags,))


def test_more_tests_than_one_property_holds_spread_over_several_keys(ruleset):
    one_value = [c for c in ruleset.catalogue.criteria if not c.many]
    # pairs across two halves of the criteria: one workload matches at most 7 x 7 of them at once,
    # within durable's limit of matches (engine/limits.py), all of them together on over 250 tests
    pairs = [All((Is(a.id, (va,)), Is(b.id, (vb,)))) for a in one_value[:7] for b in one_value[7:14]
             for va in a.value_ids[:3] for vb in b.value_ids[:3]][: TESTS_PER_KEY + 60]
    big = _rules(ruleset, pairs)
    assert len(fact_layout(big).keys) == 2
    many = [{c.id: c.value_ids[(i + j) % len(c.value_ids)] for j, c in enumerate(one_value) if (i + j) % 3}
            for i in range(60)]
    _agree(big, many)


def test_rules_with_the_same_condition_share_one_durable_rule(ruleset):
    same = _rules(ruleset, [Is("latency", ("critical",)), Is("latency", ("critical",)), Is("startup", ("instant",))])
    definition = compile_ruleset(same)
    assert [rule_ids(name) for name in definition if rule_ids(name)] == [("r-0", "r-1"), ("r-2",)]
    assert Evaluator(same).fired([{"latency": "critical"}]) == [frozenset({"r-0", "r-1"})]


def test_a_condition_that_never_holds_compiles_to_nothing_and_never_fires(ruleset):
    never = _rules(ruleset, [All((Is("latency", ("critical",)), Is("latency", ("tolerant",)))), Is("latency", ("critical",))])
    assert [rule_ids(n) for n in compile_ruleset(never) if rule_ids(n)] == [("r-1",)]
    assert Evaluator(never).fired([{"latency": "critical"}, {}]) == [frozenset({"r-1"}), frozenset()]


def test_no_regular_expression_uses_alternation(ruleset):
    """durable-rules gets '|' wrong for some patterns: every alternative is its own test."""
    text = json.dumps(compile_ruleset(ruleset))
    assert "|" not in text
    tricky = AnyOf((Is("latency", ("critical",)), Is("startup", ("instant",)), Not(Has("os_families", ("linux",)))))
    assert len(condition_terms(tricky, fact_layout(_rules(ruleset, [tricky])))) == 3


def test_batches_where_nothing_fires_end_cleanly(ruleset):
    lonely = _rules(ruleset, [Is("latency", ("critical",))])
    evaluator = Evaluator(lonely)
    for _ in range(3):  # deleting a session in which no action ran used to crash durable
        assert evaluator.fired([{}]) == [frozenset()]
        assert evaluator.fired([{"startup": "instant"}, {}]) == [frozenset(), frozenset()]


def test_more_single_evaluations_than_durable_has_sessions(ruleset):
    evaluator = Evaluator(ruleset, batch=1)
    want = ReferenceEvaluator(ruleset).fired([{"startup": "instant"}])
    assert all(evaluator.fired([{"startup": "instant"}]) == want for _ in range(1100))


def _wide_leaf(catalogue):
    def for_criterion(criterion):
        values = st.lists(st.sampled_from(criterion.value_ids), min_size=1, max_size=5, unique=True).map(tuple)
        if criterion.many:
            return st.one_of(st.builds(Has, st.just(criterion.id), values, st.sampled_from(["any", "all"])),
                             st.builds(CountAtLeast, st.just(criterion.id), st.integers(1, len(criterion.value_ids))))
        return st.builds(Is, st.just(criterion.id), values)

    return st.sampled_from([c for c in catalogue.criteria if c.id in ("tags", "os_families", "latency")]).flatmap(for_criterion)


def test_many_value_criteria_over_several_slots_agree(ruleset):
    wide = ruleset._replace(catalogue=_wide_catalogue(ruleset))
    conditions = st.recursive(_wide_leaf(wide.catalogue), lambda inner: st.one_of(
        st.builds(Not, inner), st.lists(inner, min_size=1, max_size=3).map(lambda xs: All(tuple(xs))),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs)))), max_leaves=4)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(conditions, min_size=1, max_size=5), st.lists(needs(wide.catalogue), min_size=1, max_size=20))
    def check(whens, many):
        _agree(_rules(wide, whens), many)

    check()

"""engine/evaluate.py: compiled rule sets run by durable-rules, checked against the plain-Python oracle."""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.errors import RuleError
from deploy_advisor.engine.evaluate import REPAIR, Evaluator, engine_problem
from deploy_advisor.engine.model import Has, Is, Not
from deploy_advisor.engine.reference import ReferenceEvaluator
from strategies import needs


@pytest.fixture(scope="module")
def evaluator(ruleset):
    return Evaluator(ruleset)


def test_it_fires_what_the_oracle_fires_on_hand_picked_needs(ruleset, evaluator) -> None:
    cases = [{}, {"latency": "critical"}, {"startup": "instant"}, {"os_families": ("linux", "windows")},
             {"hardware_access": "full_control", "latency": "critical", "os_families": ("windows",)}]
    expected = ReferenceEvaluator(ruleset).fired(cases)
    assert evaluator.fired(cases) == expected
    assert any(expected) and not expected[0]  # the cases fire some rules; no answers fire none


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_fires_what_the_oracle_fires_on_any_needs(ruleset, evaluator, data) -> None:
    batch = [data.draw(needs(ruleset.catalogue)) for _ in range(3)]
    assert evaluator.fired(batch) == ReferenceEvaluator(ruleset).fired(batch)


def test_answers_keep_input_order_across_batches(ruleset) -> None:
    workloads = [{"latency": "critical"}, {}, {"startup": "instant"}, {"latency": "tolerant"}, {}] * 3
    small = Evaluator(ruleset, batch=2)  # many round trips through durable, one per two workloads
    assert small.fired(workloads) == ReferenceEvaluator(ruleset).fired(workloads)


def test_evaluators_of_the_same_compiled_rules_share_one_registration(ruleset, evaluator) -> None:
    again = Evaluator(ruleset._replace())  # an equal rule set, another object
    assert again.name == evaluator.name  # durable never frees a registration: it must not be made twice


def test_a_rule_set_past_durables_limits_is_refused_before_registration(ruleset) -> None:
    # one rule per answer a workload leaves out: the workload with no answers matches every one at once
    negated = [Not(Has(c.id, (v,)) if c.many else Is(c.id, (v,))) for c in ruleset.catalogue.criteria for v in c.value_ids]
    assert len(negated) > 64
    base = ruleset.rules[0]
    many = tuple(base._replace(id=f"not-{n}", when=when, points=(("vm", 1),), exclude=(), advice=None)
                 for n, when in enumerate(negated))
    with pytest.raises(RuleError) as caught:
        Evaluator(ruleset._replace(rules=many))
    assert [p.code for p in caught.value.problems] == ["too-many-matches"]


def test_an_engine_that_does_not_load_says_how_to_repair_it() -> None:
    broken = ImportError("/x/durable_rules_engine.so: undefined symbol: PyEval_CallObject")
    problem = engine_problem(broken)
    assert problem.code == "engine-unavailable" and "PyEval_CallObject" in problem.message
    assert problem.hint.endswith(REPAIR)
    other = engine_problem(ImportError("No module named 'durable'"))
    assert "does not load: No module named 'durable'" in other.message and REPAIR in other.hint

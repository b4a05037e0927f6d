"""The durable-rules engine agrees with the plain-Python reference evaluator, reasons included."""
from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.compile import dnf_terms
from deploy_advisor.engine.evaluate import Evaluator
from deploy_advisor.engine.model import Rule
from deploy_advisor.engine.reference import ReferenceEvaluator, fired
from deploy_advisor.engine.render.data import result_dict

from strategies import conditions, needs, workload

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])



def test_every_valid_workload_gets_exactly_one_verdict_and_agrees(ruleset, advisor):
    reference = Advisor(ruleset, engine="reference")

    @SETTINGS
    @given(needs(ruleset.catalogue))
    def check(answers):
        one = workload(answers, ruleset.catalogue)
        got = advisor.evaluate([one])[0]
        want = reference.evaluate([one])[0]
        assert result_dict(got) == result_dict(want)
        eligible = [p for p in got.ranking if not p.excluded]
        assert (got.recommendation is None) == (not eligible or got.confidence == "no_basis")
        assert sorted(p.option for p in got.ranking) == sorted(ruleset.option_ids)

    check()


def test_batches_agree_with_one_by_one(ruleset):
    evaluator = Evaluator(ruleset, batch=7)

    @settings(max_examples=30, deadline=None)
    @given(st.lists(needs(ruleset.catalogue), min_size=1, max_size=40))
    def check(many):
        assert evaluator.fired(many) == [fired(ruleset, n) for n in many]

    check()


def test_random_rule_sets_agree(ruleset):
    """Arbitrary conditions (not, all, any, many-value tests) compile to the same meaning."""
    template = ruleset.rules[0]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(conditions(ruleset.catalogue), min_size=1, max_size=6),
           st.lists(needs(ruleset.catalogue), min_size=1, max_size=25))
    def check(whens, many):
        # durable-rules expands each alternative of a condition into its own match: stay under its limit of 64
        rules = tuple(template._replace(id=f"r-{i}", when=w) for i, w in enumerate(whens)
                      if dnf_terms(w) <= 8)
        if not rules:
            return
        random_set = ruleset._replace(rules=rules)
        engine = Evaluator(random_set)
        oracle = ReferenceEvaluator(random_set)
        assert engine.fired(many) == oracle.fired(many)

    check()


def test_nothing_matching_is_a_normal_outcome(ruleset):
    never = ruleset._replace(rules=(ruleset.rules[0]._replace(id="only-hpc",
                                                                     when=_is("workload_type", "hpc")),))
    assert Evaluator(never).fired([{"latency": "critical"}, {}]) == [frozenset(), frozenset()]


def test_two_rule_sets_live_side_by_side(ruleset):
    first = Evaluator(ruleset)
    second = Evaluator(ruleset._replace(rules=ruleset.rules[:1]))
    answers = [{"startup": "instant"}, {"kernel": "custom_required"}]
    assert first.fired(answers) == [fired(ruleset, a) for a in answers]
    assert all(f <= {ruleset.rules[0].id} for f in second.fired(answers))
    assert first.fired(answers) == [fired(ruleset, a) for a in answers]


def _is(criterion: str, value: str):
    from deploy_advisor.engine.model import Is

    return Is(criterion, (value,))


def test_rule_model_is_frozen(ruleset):
    rule: Rule = ruleset.rules[0]
    try:
        rule.id = "x"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("rules must be immutable")

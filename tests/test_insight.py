"""Decision insight: confidence labels, the changes that would overturn a recommendation, near misses."""
from __future__ import annotations

import dataclasses
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import EXAMPLES
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.conditions import holds
from deploy_advisor.engine.errors import InputError, Problem, Span
from deploy_advisor.engine.insight import Change, Explainer, Insight, _Tallier, apply_changes, confidence
from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Is, Not
from deploy_advisor.engine.nearmiss import askable, conjuncts, describe, every_answer
from deploy_advisor.engine.render.data import result_dict
from deploy_advisor.engine.render.sentences import change_sentences
from deploy_advisor.engine.render.text import render_result
from deploy_advisor.engine.requirements import read_file

from strategies import needs, workload

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])



@pytest.fixture(scope="module")
def explainer(advisor):
    return Explainer(advisor)


@pytest.fixture(scope="module")
def reference(ruleset):
    return Advisor(ruleset, engine="reference")


def _explained(explainer, advisor, answers: dict):
    return explainer.explain(advisor.evaluate([workload(answers, advisor.catalogue)]))[0]


# --- confidence ------------------------------------------------------------------------------


def test_no_recommendation_has_no_confidence(advisor):
    result = advisor.recommend({"hardware_access": "full_control", "os_families": ["linux", "windows"]})
    assert result.recommendation is None and confidence(result) is None
    assert result_dict(result)["confidence"] is None


# --- the search ------------------------------------------------------------------------------


def test_the_tallier_ranks_exactly_as_build_result(ruleset, reference):
    tallier = _Tallier(ruleset)

    @SETTINGS
    @given(needs(ruleset.catalogue))
    def check(answers):
        result = reference.evaluate([workload(answers, ruleset.catalogue)])[0]
        tally = tallier.of(result.fired)
        assert tallier.winner(tally) == result.recommendation
        assert dict(zip(ruleset.option_ids, tally)) == result.scores

    check()


def test_a_reported_change_makes_its_option_win_and_no_part_of_it_does(ruleset, advisor, explainer):
    catalogue = ruleset.catalogue

    @SETTINGS
    @given(needs(catalogue))
    def check(answers):
        result = _explained(explainer, advisor, answers)
        for change in result.insight.changes:
            changed = apply_changes(answers, change.changes)
            after = advisor.evaluate([workload(changed, catalogue)])[0]
            assert after.recommendation == change.winner != result.recommendation
            for criterion, value in change.changes:
                assert value != answers.get(criterion) and value in every_answer(catalogue[criterion])
                assert askable(catalogue[criterion], changed), "only answers a user could give"
            if len(change.changes) == 2:
                for part in change.changes:
                    smaller = apply_changes(answers, (part,))
                    if askable(catalogue[part[0]], smaller):
                        assert advisor.evaluate([workload(smaller, catalogue)])[0].recommendation != change.winner

    check()


def _brute_force(reference, answers: dict) -> set:
    """Every minimal change of one or two answers, found by evaluating every neighbour in full."""
    catalogue = reference.catalogue
    singles = [((c.id, a),) for c in catalogue.criteria for a in every_answer(c) if a != answers.get(c.id)]
    pairs = [x + y for x, y in combinations(singles, 2) if x[0][0] != y[0][0]]
    candidates = [c for c in singles + pairs
                  if all(askable(catalogue[k], apply_changes(answers, c)) for k, _ in c)]
    results = reference.evaluate([workload(apply_changes(answers, c), catalogue) for c in candidates])
    winners = {c: r.recommendation for c, r in zip(candidates, results)}
    now = reference.evaluate([workload(answers, catalogue)])[0].recommendation
    return {(c, w) for c, w in winners.items() if w not in (None, now)
            and not any(winners.get((part,)) == w for part in c if len(c) == 2)}


def test_the_search_finds_exactly_what_evaluating_every_neighbour_finds(ruleset, advisor, explainer, reference):
    """Pairs of criteria that no rule mentions together are combined, not re-run: this shows it is exact."""

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(needs(ruleset.catalogue))
    def check(answers):
        result = _explained(explainer, advisor, answers)
        assert {(c.changes, c.winner) for c in result.insight.changes} == _brute_force(reference, answers)

    check()


def test_unanswered_criteria_count_as_changeable(advisor, explainer):
    result = _explained(explainer, advisor, {})
    assert (("isolation", "strong"),) in [c.changes for c in result.insight.changes if c.winner == "vm"]


def test_a_question_that_would_not_be_asked_is_never_changed(advisor, explainer):
    # host_os is asked only when the application can run in a container.
    result = _explained(explainer, advisor, {"containerizable": "no"})
    assert result.insight.changes
    for change in result.insight.changes:
        changed = dict(change.changes)
        if "host_os" in changed:
            assert changed.get("containerizable", "no") != "no"


def test_changes_come_smallest_first(advisor, explainer):
    result = _explained(explainer, advisor, {"workload_type": "game_server", "latency": "critical"})
    sizes = [len(c.changes) for c in result.insight.changes]
    assert sizes == sorted(sizes) and set(sizes) <= {1, 2}


# --- near misses -----------------------------------------------------------------------------


def test_near_misses_fail_on_exactly_one_part_and_the_answer_fires_them(ruleset, advisor, explainer):
    catalogue = ruleset.catalogue

    @SETTINGS
    @given(needs(catalogue))
    def check(answers):
        result = _explained(explainer, advisor, answers)
        for miss in result.insight.near_misses:
            rule = ruleset.rule(miss.rule)
            parts = conjuncts(rule.when)
            assert miss.rule not in result.fired and len(parts) >= 2
            assert sum(not holds(p, answers) for p in parts) == 1
            assert miss.answered == answers.get(miss.criterion) != miss.answer
            assert holds(rule.when, apply_changes(answers, {miss.criterion: miss.answer}))

    check()


def test_a_near_miss_names_the_part_and_the_answer(advisor, explainer):
    result = _explained(explainer, advisor, {"latency": "critical", "hardware_access": "none"})
    miss = next(m for m in result.insight.near_misses if m.rule == "critical-latency-with-devices-favours-bare-metal")
    assert miss.as_dict() == {"rule": "critical-latency-with-devices-favours-bare-metal", "part": "hardware_access is devices, gpu, sriov_nic or usb_serial",
                              "answered": {"hardware_access": "none"}, "would_fire_with": {"hardware_access": "devices"}}


@pytest.mark.parametrize("condition, words", [
    (Is("latency", ("critical",)), "latency is critical"),
    (Is("latency", ("critical", "sensitive", "tolerant")), "latency is critical, sensitive or tolerant"),
    (Has("os_families", ("linux", "windows")), "os_families include linux or windows"),
    (Has("os_families", ("linux", "windows"), "all"), "os_families include linux and windows"),
    (CountAtLeast("os_families", 2), "at least 2 os_families are chosen"),
    (Not(CountAtLeast("os_families", 2)), "fewer than 2 os_families are chosen"),
    (Not(Is("kernel", ("custom_required",))), "kernel is not custom_required"),
    (Not(Has("os_families", ("other",))), "os_families include none of other"),
    (AnyOf((Is("latency", ("critical",)), All((Is("cost", ("minimize",)), Is("density", ("low",)))))),
     "latency is critical or (cost is minimize and density is low)"),
    (Not(All((Is("cost", ("minimize",)), Is("density", ("low",))))), "not (cost is minimize and density is low)"),
])
def test_conditions_are_described_in_the_users_terms(condition, words):
    assert describe(condition) == words


# --- the explainer and the renderers ---------------------------------------------------------


class _Counting:
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def fired(self, needs_list):
        self.calls += len(needs_list)
        return self.inner.fired(needs_list)


def test_answers_keep_errors_in_place_and_profiles_are_cached(ruleset):
    advisor = Advisor(ruleset, engine="reference")
    advisor.evaluator = counting = _Counting(advisor.evaluator)
    explainer = Explainer(advisor)
    results = advisor.evaluate([workload({"latency": "critical"}, ruleset.catalogue)] * 2)
    error = InputError([Problem(Span("bad.yaml"), "empty", "the input is empty")])
    out = list(explainer.answers([results[0], error, results[1]]))
    assert out[1] is error and out[0].insight == out[2].insight is not None
    probes = counting.calls
    explainer.explain(results)
    assert counting.calls == probes, "a cached profile costs no engine run"


def test_the_cache_is_bounded(ruleset):
    explainer = Explainer(Advisor(ruleset, engine="reference"), cache_size=2)
    for latency in ("critical", "sensitive", "tolerant"):
        explainer.explain(explainer.advisor.evaluate([workload({"latency": latency}, ruleset.catalogue)]))
    assert len(explainer._cache) == 2


def test_insight_is_null_in_json_and_absent_in_text_unless_asked_for(advisor, explainer):
    plain = advisor.recommend({"startup": "instant"})
    data = result_dict(plain)
    assert data["confidence"] == "clear" and data["what_would_change"] is None and data["near_misses"] is None
    assert "What would change it" not in render_result(plain, advisor.ruleset)
    explained = explainer.explain([plain])[0]
    assert isinstance(result_dict(explained)["what_would_change"], list)
    assert "What would change it:" in render_result(explained, advisor.ruleset)


def test_the_confidence_label_comes_first_in_the_text(advisor):
    result = advisor.recommend({"startup": "instant"})
    assert render_result(result, advisor.ruleset).startswith(f"workload: Container ({confidence(result)}: score")


def test_the_sentence_names_each_winner_once(advisor, explainer):
    (example,) = read_file(EXAMPLES / "game-server-fleet.yaml", "game-server-fleet.yaml", advisor.catalogue)
    text = render_result(explainer.explain(advisor.evaluate([example]))[0], advisor.ruleset)
    section = text.split("What would change it:\n", 1)[1].split("\n\n", 1)[0]
    winners = [line.split(" would win if ")[0].strip() for line in section.splitlines()]
    assert winners and len(winners) == len(set(winners))


def test_changes_read_as_the_issue_writes_them(ruleset):
    insight = Insight((Change((("isolation", "strong"),), "vm"),
                       Change((("startup", "slow_ok"), ("density", "low")), "vm"),
                       Change((("os_families", ("linux", "windows")),), "bare_metal")), ())
    assert change_sentences(insight, ruleset) == [
        "Virtual machine would win if isolation were Strong, or if startup were Slow is fine and density Low.",
        "Bare metal would win if os families were [Linux, Windows]."]
    assert change_sentences(Insight((), ()), ruleset) == ["No change of one answer, or of two, would change the recommendation."]

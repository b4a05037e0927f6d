"""Judgement (issue 11): each defect class of the first knowledge base, as a property of the shipped
rules checked over generated workloads, and the meaning of each confidence label.

The engine decides; these tests say what an architect may rely on whatever else a workload answers.
"""
from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.result import CLEAR, CLOSE, LIGHT, NO_BASIS, QUALIFIED, STRONG, TIE

from strategies import needs, workload

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _result(advisor, answers):
    return advisor.evaluate([workload(answers, advisor.catalogue)])[0]


# --- 1. a physical impossibility excludes, it does not weigh ----------------------------------

@SETTINGS
@given(data=st.data())
def test_a_decided_host_of_another_family_never_yields_bare_metal(advisor, data):
    answers = data.draw(needs(advisor.catalogue))
    host = data.draw(st.sampled_from(["linux", "windows"]))
    other = data.draw(st.sampled_from([f for f in ("linux", "windows", "other") if f != host]))
    families = tuple(sorted(set(answers.get("os_families") or ()) | {other}))
    answers = {**answers, "host_os": host, "os_families": families}
    assume(answers.get("containerizable") != "no")  # host_os is only asked otherwise
    result = _result(advisor, answers)
    assert result.recommendation != "bare_metal"
    assert result.placement("bare_metal").excluded


@SETTINGS
@given(data=st.data())
def test_windows_on_a_decided_linux_host_never_yields_container(advisor, data):
    answers = data.draw(needs(advisor.catalogue))
    families = tuple(sorted(set(answers.get("os_families") or ()) | {"windows"}))
    answers = {**answers, "host_os": "linux", "os_families": families}
    assume(answers.get("containerizable") != "no")
    assert _result(advisor, answers).recommendation not in ("bare_metal", "container")


# --- 2. bare metal pays its own costs ---------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_bare_metal_pays_at_least_the_vms_price_for_density_and_start_up(advisor, data):
    """For many instances per machine and for instant start-up, bare metal loses at least as many
    points as the VM against the same base, and never gains any."""
    base = data.draw(needs(advisor.catalogue))
    criterion, lax, strict = data.draw(st.sampled_from([("density", "low", "high"), ("startup", "slow_ok", "instant"),
                                                        ("startup", "slow_ok", "fast"), ("density", "low", "medium")]))
    before = _result(advisor, {**base, criterion: lax}).scores
    after = _result(advisor, {**base, criterion: strict}).scores
    assert after["bare_metal"] - before["bare_metal"] <= min(0, after["vm"] - before["vm"])


def test_many_windows_desktops_that_cannot_be_containerised_go_to_vms(advisor):
    result = _result(advisor, {"os_families": ("windows",), "density": "high", "containerizable": "no"})
    assert result.recommendation == "vm"


def test_fast_scale_out_of_an_uncontainerisable_app_goes_to_vms(advisor):
    result = _result(advisor, {"scale_model": "elastic", "startup": "instant", "containerizable": "no"})
    assert result.recommendation == "vm"


# --- 3. a stated hard need is never outvoted silently ----------------------------------------

@SETTINGS
@given(data=st.data())
def test_strong_isolation_in_a_container_is_always_qualified(advisor, data):
    answers = {**data.draw(needs(advisor.catalogue)), "isolation": "strong"}
    result = _result(advisor, answers)
    if result.recommendation == "container":
        assert result.confidence in (QUALIFIED, TIE)
        assert "strong-isolation-rules-against-containers" in result.qualified_by


def test_untrusted_multi_tenant_code_in_containers_says_how_up_front(advisor):
    result = _result(advisor, {"isolation": "strong", "workload_type": "microservices", "density": "high",
                               "startup": "instant", "portability": "high"})
    assert result.recommendation == "container" and result.confidence == QUALIFIED
    assert any(note.rule in result.qualified_by for note in result.advice)


# --- 4. one light answer never decides ------------------------------------------------------

def test_no_single_light_answer_names_a_winner(advisor):
    for criterion in advisor.catalogue.criteria:
        for value in criterion.value_ids:
            answers = {criterion.id: (value,) if criterion.many else value}
            result = _result(advisor, answers)
            reasons = result.reasons
            if not result.exclusions and all(abs(r.points or 0) <= LIGHT for r in reasons):
                assert result.recommendation is None and result.confidence == NO_BASIS, answers
                assert result.deciders, answers


def test_an_empty_workload_has_no_basis_and_says_which_questions_decide(advisor):
    result = _result(advisor, {})
    assert result.recommendation is None and result.confidence == NO_BASIS
    assert len(result.deciders) == 3 and not result.conflicts


# --- 5./6. lumped values split, overreaching rules gone ---------------------------------------

def test_a_database_alone_is_no_basis_for_vm_snapshots(advisor):
    assert _result(advisor, {"workload_type": "database"}).recommendation is None


def test_a_containerisable_legacy_monolith_is_not_kept_out_of_containers(advisor):
    assert _result(advisor, {"workload_type": "legacy_monolith", "containerizable": "yes"}).recommendation == "container"


def test_single_tenancy_with_vm_needs_goes_to_a_dedicated_host_vm(advisor):
    result = _result(advisor, {"tenancy": "single_tenant", "backup_migration": "critical", "density": "medium"})
    assert result.recommendation == "vm" and result.confidence == QUALIFIED
    assert "single-tenancy-vms-on-a-dedicated-host" in result.qualified_by


# --- 7. monotonicity (the shipped invariants state all of them; a few spot checks here) -------

ORDERS = {
    "latency": (["tolerant", "sensitive", "critical", "deterministic"], "bare_metal"),
    "density": (["low", "medium", "high"], "container"),
    "startup": (["slow_ok", "fast", "instant"], "container"),
    "isolation": (["process", "strong", "dedicated_hardware"], "bare_metal"),
}


@SETTINGS
@given(data=st.data())
def test_a_stricter_answer_never_moves_the_winner_away_from_the_option_that_serves_it_best(advisor, data):
    criterion = data.draw(st.sampled_from(sorted(ORDERS)))
    order, best = ORDERS[criterion]
    base = data.draw(needs(advisor.catalogue))
    winners = [_result(advisor, {**base, criterion: value}).recommendation for value in order]
    for lax, strict in zip(winners, winners[1:]):
        if lax == best and strict is not None:
            assert strict == best, (criterion, base, winners)


# --- the labels -------------------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_clear_means_no_need_against_the_winner_and_a_lead_no_strong_rule_undoes(advisor, data):
    result = _result(advisor, data.draw(needs(advisor.catalogue)))
    if result.confidence == CLEAR:
        assert not result.qualified_by and not result.tied
        assert result.margin is None or result.margin > STRONG
        assert all((r.points or 0) > -2 for r in result.reasons_for(result.recommendation))
    if result.confidence == CLOSE:
        assert result.recommendation is not None and not result.tied
    if result.recommendation is None and not result.conflicts:
        assert result.confidence == NO_BASIS


def test_the_wizard_asks_at_most_20_questions_on_any_path(ruleset):
    """New questions come with `when` or replace none: every path, the longest included, stays short."""
    from deploy_advisor.wizard.flow import Flow
    from deploy_advisor.wizard.questions import questionnaire

    questions = questionnaire(ruleset.catalogue)
    assert len(questions) <= 20  # an upper bound on every path: each question is asked at most once
    assert Flow.start(questions).step().total <= 20

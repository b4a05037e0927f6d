"""engine/api.py: the Python API a program calls, with the shipped rules and with its own."""
from __future__ import annotations

import pytest

from conftest import RULES
from deploy_advisor.engine.api import Advisor, default_advisor, recommend, recommend_many
from deploy_advisor.engine.errors import InputError, Span
from deploy_advisor.engine.requirements import workload_from_mapping
from deploy_advisor.engine.result import Result


def test_the_documented_example_holds() -> None:
    assert recommend({"startup": "instant"}).recommendation == "container"


def test_one_workload_and_a_batch_agree(advisor) -> None:
    needs = [{"latency": "critical"}, {"startup": "instant"}, {"os_families": ["windows"]}]
    one_by_one = [advisor.recommend(n, name=f"workload-{i}") for i, n in enumerate(needs, 1)]
    together = list(recommend_many(needs))
    assert [r.recommendation for r in together] == [r.recommendation for r in one_by_one]
    assert [r.name for r in together] == ["workload-1", "workload-2", "workload-3"]


def test_needs_the_catalogue_refuses_raise_an_input_error(advisor) -> None:
    with pytest.raises(InputError) as caught:
        advisor.recommend({"latncy": "critical"})
    assert [p.code for p in caught.value.problems] == ["unknown-criterion"]
    assert "did you mean 'latency'?" in caught.value.problems[0].hint


def test_results_keep_input_order_with_errors_in_their_place_across_batches(ruleset) -> None:
    small = Advisor(ruleset, batch=2)
    error = InputError([_problem()])
    good = [workload_from_mapping({"latency": v}, ruleset.catalogue, f"w{v}") for v in ("critical", "tolerant", "sensitive")]
    stream = [good[0], error, good[1], error, error, good[2]]
    answers = list(small.results(stream))
    assert [a.name if isinstance(a, Result) else "error" for a in answers] == [
        "wcritical", "error", "wtolerant", "error", "error", "wsensitive"]
    assert [a.recommendation for a in answers if isinstance(a, Result)] == [
        r.recommendation for r in small.evaluate(good)]


def test_the_reference_engine_gives_the_same_results(ruleset, advisor) -> None:
    oracle = Advisor(ruleset, engine="reference")
    workloads = [
        workload_from_mapping(n, ruleset.catalogue) for n in ({}, {"latency": "critical"}, {"hardware_access": "full_control"})]
    assert oracle.evaluate(workloads) == advisor.evaluate(workloads)


def test_the_default_advisor_is_one_per_rule_folder_however_it_is_named(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(RULES.parent)
    assert default_advisor("rules") is default_advisor(RULES) is default_advisor("./rules/")
    assert default_advisor() is default_advisor(None) and default_advisor() is not default_advisor(RULES)


def _problem():
    from deploy_advisor.engine.errors import Problem

    return Problem(Span("bad.yaml", 1, 1), "yaml-syntax", "not valid YAML")

"""The scenario corpus (rules/scenarios.test.yaml): workloads from public decision guidance.

The corpus is checked for shape here (enough cases, each with its source, note and acceptable winners,
answers valid against the catalogue, consistent with what is physically possible), and its agreement
with the shipped rules is measured. Disagreements are expected while the rules are reworked: they are
fixed in the rules, never by editing a scenario to match the engine.
"""
from __future__ import annotations

from collections import Counter

import pytest

from conftest import RULES
from deploy_advisor.engine.model import OPTION_IDS
from deploy_advisor.engine.authoring.ruletests import Case, load_cases, run_cases

CORPUS = RULES / "scenarios.test.yaml"
MIN_CASES = 60
# The share of scenarios whose recommendation the guidance accepts (disputed ones count as
# disagreeing). Raise it as agreement improves; never lower it to let a rule change through.
AGREEMENT_FLOOR = 0.95


@pytest.fixture(scope="module")
def scenarios(ruleset) -> tuple[Case, ...]:
    cases, problems = load_cases(RULES, ruleset, shipped=True)
    assert [p.format() for p in problems if p.span.file.endswith(CORPUS.name)] == []
    return tuple(c for c in cases if c.file.endswith(CORPUS.name))


def _winners(case: Case) -> tuple[str, ...]:
    [expectation] = [e for e in case.expects if e.key == "winner_in"]
    return expectation.value  # type: ignore[return-value]


def test_the_corpus_is_large_enough_and_every_case_is_a_cited_scenario(scenarios) -> None:
    assert len(scenarios) >= MIN_CASES
    for case in scenarios:
        assert case.scenario and case.source.startswith(("https://", "http://")), case.name
        assert case.note, f"'{case.name}' says nothing about what the guidance says"
        assert [e.key for e in case.expects] == ["winner_in"], case.name
        assert 1 <= len(case.needs) <= 7, f"'{case.name}' answers {len(case.needs)} criteria"


def test_the_corpus_draws_on_many_sources_and_spans_the_answer_space(scenarios, ruleset) -> None:
    documents = Counter(case.source.split("#")[0] for case in scenarios)
    assert len(documents) >= 25, documents
    assert max(documents.values()) <= len(scenarios) // 8, "no single document may dominate the corpus"
    answered = {(criterion, v) for case in scenarios for criterion, value in case.needs
                for v in (value if isinstance(value, tuple) else (value,))}
    workload_types = {v.id for v in ruleset.catalogue["workload_type"].values}
    assert workload_types <= {v for c, v in answered if c == "workload_type"}
    new_criteria = {"licensing", "tenancy", "team_experience", "state", "scale_model"}
    assert new_criteria <= {c for c, _ in answered}
    assert {"deterministic"} <= {v for c, v in answered if c == "latency"}
    assert {"gpu", "sriov_nic", "usb_serial"} <= {v for c, v in answered if c == "hardware_access"}
    assert set(OPTION_IDS) <= {w for case in scenarios for w in _winners(case)}
    assert any(len(case.needs) <= 2 for case in scenarios), "keep some sparse scenarios"


def test_no_scenario_accepts_an_option_that_cannot_run_the_workload(scenarios) -> None:
    for case in scenarios:
        needs, winners = dict(case.needs), _winners(case)
        if needs.get("containerizable") == "no":
            assert "container" not in winners, case.name
        if needs.get("host_os") == "linux" and "windows" in needs.get("os_families", ()):
            assert not {"bare_metal", "container"} & set(winners), case.name
        if len(needs.get("os_families", ())) > 1:
            assert "bare_metal" not in winners, case.name


def test_agreement_with_the_shipped_rules(scenarios, ruleset, record_property) -> None:
    results = run_cases(ruleset, scenarios)
    agreeing = sum(1 for r in results if r.passed)
    share = agreeing / len(results)
    record_property("scenario_agreement", f"{agreeing}/{len(results)}")
    print(f"scenarios: {agreeing}/{len(results)} agree ({share:.0%})")
    assert share >= AGREEMENT_FLOOR, [f"{r.case.name}: {r.failures[0].message}" for r in results if not r.passed]

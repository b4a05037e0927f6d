"""`deploy-advisor test`: rule test cases, their pass and fail reports, and coverage."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_advisor.engine.ruletests import load_cases, run_cases, run_tests
from deploy_advisor.main import main
from goldens import HERE, assemble, assert_golden

CASES = HERE / "rule_tests"


@pytest.mark.parametrize("name, code", [("passing", 0), ("failing", 1)])
def test_report_matches_golden(name: str, code: int, tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / name)
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--coverage", "rules"]) == code
    assert_golden(CASES / f"{name}.out", capsys.readouterr().out)


def test_failures_name_the_line_and_compare_expected_with_actual(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "failing")
    monkeypatch.chdir(tmp_path)
    main(["test", "rules"])
    out = capsys.readouterr().out
    assert "rules/rules.test.yaml:5:7: test-failed: 'critical latency puts the VM first': winner: expected vm, got bare_metal" in out
    assert "not-covered" not in out  # only with --coverage


def test_json_report(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "failing")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--coverage", "--format", "json", "rules"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["cases"], data["passed"], len(data["failed"])) == (4, 1, 3)
    assert data["failed"][0]["failures"][0] == {"key": "winner", "line": 5, "column": 7, "expected": "vm", "actual": "bare_metal"}
    assert data["uncovered"] == [{"rule": "windows-favours-vm", "file": "rules/rules.yaml", "line": 18}]


def test_problems_in_test_files_fail_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", HERE / "bad_rules" / "bad_test_cases")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "rules"]) == 1
    out = capsys.readouterr().out
    assert "rules/latency.test.yaml:6:14: unknown-rule: unknown rule 'critical-latency-favours-bare-metl'" in out
    assert "6 problems in the test files" in out


def test_a_broken_rule_set_is_a_usage_error(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", HERE / "bad_rules" / "unknown_value.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "rules"]) == 2
    assert "unknown-value" in capsys.readouterr().err


def test_no_test_files_means_nothing_is_covered(tmp_path: Path) -> None:
    report = run_tests(assemble(tmp_path / "rules", HERE / "bad_rules" / "good.yaml"))
    assert report.ok() and not report.ok(coverage=True) and len(report.uncovered) == 3


def test_shipped_cases_pass_and_cover_every_rule(capsys) -> None:
    code = main(["test", "--coverage"])
    assert code == 0, capsys.readouterr().out


def test_engine_and_reference_give_the_same_verdicts(ruleset) -> None:
    from deploy_advisor.engine.rulefiles import shipped_rules_dir

    cases, problems = load_cases(shipped_rules_dir(), ruleset, shipped=True)
    assert not problems
    durable, reference = run_cases(ruleset, cases), run_cases(ruleset, cases, engine="reference")
    assert [(r.result.fired, r.failures) for r in durable] == [(r.result.fired, r.failures) for r in reference]

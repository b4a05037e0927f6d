"""`deploy-advisor test`: rule test cases, their pass and fail reports, and coverage."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_advisor.engine.authoring.ruletests import load_cases, run_cases, run_tests
from deploy_advisor.main import main
from goldens import HERE, assemble, assert_golden

CASES = HERE / "rule_tests"


@pytest.mark.parametrize("name, code", [("passing", 0), ("failing", 1), ("scenarios", 1)])
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


def test_winner_in_accepts_any_listed_option_and_reports_the_line(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "scenarios")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "rules"]) == 1
    out = capsys.readouterr().out
    assert ("rules/scenarios.test.yaml:16:7: test-failed: 'two operating systems on one host': "
            "winner_in: expected one of [vm], got container") in out
    assert "trading desk" not in out and "nothing asked" not in out  # bare_metal is among its winners; none is allowed
    assert "scenarios: 2/3 agree" in out.splitlines()  # the case without a source is no scenario


def test_scenarios_are_read_with_their_source_and_note(tmp_path: Path, ruleset) -> None:
    report = run_tests(assemble(tmp_path / "rules", CASES / "scenarios"))
    by_name = {r.case.name: r.case for r in report.results}
    trading = by_name["trading desk on bare metal or a tuned VM"]
    assert (trading.source, trading.note) == ("https://example.org/latency-guide#trading",
                                              "the guide accepts either a dedicated server or a pinned VM")
    assert trading.scenario and not by_name["a rule case without a source is no scenario"].scenario
    assert (len(report.scenarios), report.scenarios_agreeing) == (3, 2)


def test_json_report_counts_scenarios(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "scenarios")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "--format", "json", "rules"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["scenarios"] == {"cases": 3, "agree": 2, "disputed": []}
    [failed] = data["failed"]
    assert failed["source"] == "https://example.org/mixed-os"
    assert failed["failures"] == [{"key": "winner_in", "line": 16, "column": 7, "expected": "one of [vm]", "actual": "container"}]


def test_no_scenarios_means_no_scenario_line(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "passing")
    monkeypatch.chdir(tmp_path)
    main(["test", "rules"])
    assert "scenarios:" not in capsys.readouterr().out


def test_bad_sources_and_winner_lists_are_problems_with_their_line(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", HERE / "bad_rules" / "bad_url")
    monkeypatch.chdir(tmp_path)
    assert main(["test", "rules"]) == 1
    out = capsys.readouterr().out
    assert "rules/latency.test.yaml:3:13: bad-url: 'source' must be an http(s) URL, got 'example.org/guide'" in out
    assert "rules/latency.test.yaml:7:13: bad-url: 'source' must be an http(s) URL, got 'ftp://example.org/guide'" in out
    assert "rules/latency.test.yaml:13:25: unknown-option: unknown option 'mainframe'" in out
    assert "rules/latency.test.yaml:17:25: wrong-type: 'winner_in' needs at least one option id" in out
    assert "rules/latency.test.yaml:21:25: duplicate-option:" in out
    assert "6 problems in the test files" in out


# Scenario cases (those citing a `source:`) fail like any other case; a scenario the rules answer
# differently on purpose says why in `disputed:` and is reported, not failed.

def test_shipped_cases_pass_and_cover_every_rule(capsys) -> None:
    report = run_tests()
    failed = list(report.failed)
    assert not report.problems, [p.format() for p in report.problems]
    assert not failed, [f"{r.case.file}:{r.case.span.line}: {r.case.name}" for r in failed]
    assert not report.uncovered, [r.id for r in report.uncovered]
    code = main(["test", "--coverage"])
    assert code == (0 if report.ok(coverage=True) else 1), capsys.readouterr().out


def test_engine_and_reference_give_the_same_verdicts(ruleset) -> None:
    from deploy_advisor.engine.rulefiles import shipped_rules_dir

    cases, problems = load_cases(shipped_rules_dir(), ruleset, shipped=True)
    assert not problems
    durable, reference = run_cases(ruleset, cases), run_cases(ruleset, cases, engine="reference")
    assert [(r.result.fired, r.failures) for r in durable] == [(r.result.fired, r.failures) for r in reference]


def test_a_disputed_scenario_is_reported_not_failed(tmp_path: Path, monkeypatch, capsys) -> None:
    rules = assemble(tmp_path / "rules", CASES / "scenarios")
    cases = rules / "scenarios.test.yaml"
    text = cases.read_text()
    assert "source: https://example.org/mixed-os" in text
    cases.write_text(text.replace("source: https://example.org/mixed-os",
                                  "source: https://example.org/mixed-os\n    disputed: we answer otherwise on purpose"))
    monkeypatch.chdir(tmp_path)
    assert main(["test", "rules"]) == 0
    out = capsys.readouterr().out
    assert ": disputed: '" in out and "(we answer otherwise on purpose)" in out
    assert "scenarios: 2/3 agree (1 disputed)" in out

"""Formats for CI: check as SARIF 2.1.0, test as JUnit XML, and GitHub workflow commands for all three,
validated against the official SARIF schema and the Ant/Jenkins JUnit XSD from ../shared/corpora/."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, SHARED
from deploy_advisor.engine.render.github import command, escape_data, escape_property
from deploy_advisor.engine.render.sarif import HELP
from deploy_advisor.main import main
from goldens import HERE, assemble

SARIF_SCHEMA = SHARED / "corpora" / "sarif" / "sarif-schema-2.1.0.json"
JUNIT_XSD = SHARED / "corpora" / "junit" / "JUnit.xsd"
BAD = HERE / "bad_rules"
CASES = HERE / "rule_tests"


def _run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


# --- SARIF -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SARIF_SCHEMA} (shared corpora absent)")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("parts", [("never_holds.yaml", "unknown_value.yaml"), ("conflict.yaml",), ("good.yaml",)])
def test_sarif_is_valid_and_has_one_result_per_finding(parts, sarif_validator, tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", *(BAD / p for p in parts))
    monkeypatch.chdir(tmp_path)
    _, text = _run(capsys, "check", "rules", "--format", "json")
    findings = json.loads(text)["findings"]
    code, out = _run(capsys, "check", "rules", "--format", "sarif")
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    log = json.loads(out)
    sarif_validator.validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == len(findings) > 0
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for finding, result in zip(findings, results):
        assert result["ruleId"] == finding["code"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] == finding["severity"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding["file"]
        assert location["region"] == {"startLine": finding["line"], "startColumn": finding["column"]}
        assert result["message"]["text"].startswith(finding["message"])


def test_sarif_on_the_shipped_rules_names_each_conflicts_workload(sarif_validator, capsys) -> None:
    _, out = _run(capsys, "check", "--format", "sarif")
    log = json.loads(out)
    sarif_validator.validate(log)
    conflicts = [r for r in log["runs"][0]["results"] if r["ruleId"] == "conflict"]
    assert conflicts and all(re.search(r"excluded for \{[^}]+\}", r["message"]["text"]) for r in conflicts)
    regions = [r for r in log["runs"][0]["results"] if r["ruleId"].endswith("-region")]
    assert regions and all(r["level"] == "warning" for r in regions)


def test_every_help_uri_has_its_anchor_in_the_docs() -> None:
    doc = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    missing = [code for code in [*HELP, "findings"] if f'<a id="check-{code}"></a>' not in doc]
    assert missing == []


# --- JUnit -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def junit_schema():
    if not JUNIT_XSD.is_file():
        pytest.skip(f"the JUnit XSD is not at {JUNIT_XSD} (shared corpora absent)")
    etree = pytest.importorskip("lxml.etree", reason="lxml (the test extra) validates the JUnit XSD")
    return etree.XMLSchema(etree.parse(str(JUNIT_XSD)))


def _valid(schema, text: str):
    from lxml import etree

    document = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(document), schema.error_log
    return document


def test_junit_failures_name_the_line_and_expected_against_actual(junit_schema, tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "failing")
    monkeypatch.chdir(tmp_path)
    _, text = _run(capsys, "test", "rules", "--format", "json")
    report = json.loads(text)
    code, out = _run(capsys, "test", "rules", "--format", "junit", "--coverage")
    assert code == 1
    document = _valid(junit_schema, out)
    cases = document.findall(".//testcase")
    assert len(cases) == report["cases"] + 1  # and the coverage case
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    for failure in report["failed"]:
        node = failed[failure["case"]]
        for expectation in failure["failures"]:
            assert f"rules/rules.test.yaml:{expectation['line']}:{expectation['column']}: {expectation['key']}: expected" in node.text
            assert str(expectation["actual"]) in node.text
        assert "ranking:" in node.text
    coverage = document.find(".//testcase[@name='coverage']")
    assert (coverage.find("failure") is not None) == bool(report.get("uncovered", True))


def test_junit_reports_load_problems_as_errors(junit_schema, tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "broken", BAD / "bad_test_cases")
    monkeypatch.chdir(tmp_path)
    code, out = _run(capsys, "test", "broken", "--format", "junit")
    assert code == 1
    errors = _valid(junit_schema, out).findall(".//testcase/error")
    assert errors and all(e.get("type") and e.text.startswith("broken/") for e in errors)
    assert "unknown-rule" in {e.get("type") for e in errors}


def test_junit_on_the_shipped_rules_skips_the_disputed_scenarios(junit_schema, capsys) -> None:
    _, text = _run(capsys, "test", "--format", "json")
    disputed = json.loads(text)["scenarios"]["disputed"]
    _, out = _run(capsys, "test", "--format", "junit", "--coverage")
    document = _valid(junit_schema, out)
    skipped = {c.get("name"): c.find("skipped").get("message") for c in document.findall(".//testcase")
               if c.find("skipped") is not None}
    assert disputed and set(skipped) == {d["name"] for d in disputed}
    assert all(m.startswith("disputed: ") for m in skipped.values())
    assert document.find(".//testcase[@name='coverage']").find("failure") is None


# --- GitHub workflow commands ----------------------------------------------------------------


def test_escaping_follows_githubs_rules() -> None:
    assert escape_data("50% done\r\nnext, a: b") == "50%25 done%0D%0Anext, a: b"
    assert escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"
    from deploy_advisor.engine.errors import Span

    assert command("error", "x\ny", Span("a,b.yaml", 3, 5), "t:1") == "::error file=a%2Cb.yaml,line=3,col=5,title=t%3A1::x%0Ay"
    assert command("notice", "plain") == "::notice::plain"


def test_check_github_annotates_each_finding(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", BAD / "never_holds.yaml", BAD / "conflict.yaml")
    monkeypatch.chdir(tmp_path)
    _, text = _run(capsys, "check", "rules")
    code, out = _run(capsys, "check", "rules", "--format", "github")
    assert code == 1
    commands = [line for line in out.splitlines() if line.startswith("::")]
    assert len(commands) == text.split("\n\n")[0].count("\n") + 1
    assert any(re.match(r"::error file=rules/never_holds\.yaml,line=4,col=5,title=deploy-advisor never-holds::never-holds: ", c)
               for c in commands)
    assert any(c.startswith("::warning file=rules/conflict.yaml,line=") for c in commands)
    summary = [line for line in out.splitlines() if not line.startswith("::")]
    assert summary[0].startswith("check rules: ") and summary == text.split("\n\n")[1].splitlines()


def test_test_and_diff_github_annotate_failures_and_changes(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", CASES / "failing")
    monkeypatch.chdir(tmp_path)
    code, out = _run(capsys, "test", "rules", "--format", "github", "--coverage")
    assert code == 1
    assert re.search(r"^::error file=rules/rules\.test\.yaml,line=\d+,col=\d+,title=deploy-advisor test-failed::'[^']+': \w+: expected ", out, re.M)
    assert "%0Aranking: " in out
    assemble(tmp_path / "old", HERE / "diff" / "old")
    assemble(tmp_path / "new", HERE / "diff" / "new")
    shutil.copytree(HERE / "diff" / "corpus", tmp_path / "corpus")
    code, out = _run(capsys, "diff", "old", "new", "corpus", "--sample", "0", "--format", "github")
    assert code == 1
    warnings = [line for line in out.splitlines() if line.startswith("::warning file=new/")]
    assert warnings and all(re.match(r"::warning file=new/\S+\.yaml,line=\d+,col=1,title=deploy-advisor diff::corpus/", w) for w in warnings)

"""Portfolio what-if: recommend --assume re-assesses every workload with the assumed answers and
reports, in every format, what changes and which rules made the difference."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from deploy_advisor.engine.requirements import read_file
from deploy_advisor.engine.authoring.whatif import AssumptionError, parse_assumptions
from deploy_advisor.engine.yamlio import parse_yaml
from deploy_advisor.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ASSUME = ["--assume", "host_os=linux", "--assume", "containerizable=yes"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def expected(advisor):
    """Worked out without the what-if code: each example's answer as it is and with its needs edited."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        (workload,) = read_file(path, str(path), advisor.catalogue)
        needs = {**dict(workload.needs), "host_os": "linux", "containerizable": "yes"}
        edited = workload._replace(needs=tuple((c, needs[c]) for c in advisor.catalogue.ids if c in needs))
        before, after = advisor.evaluate([workload, edited])
        out[workload.name] = (before, after)
    return out


def test_the_report_counts_and_names_every_changed_recommendation(capsys, expected):
    code, out, err = run(capsys, "-f", "json", *ASSUME, str(EXAMPLES))
    assert (code, err) == (0, "")
    report = json.loads(out)
    flipped = {name for name, (b, a) in expected.items() if b.recommendation != a.recommendation}
    assert report["evaluated"] == len(expected)
    assert report["changed"] == len(flipped) > 0
    assert report["assume"] == {"host_os": "linux", "containerizable": "yes"}
    changes = [c for c in report["changes"] if c["flipped"]]
    assert {c["workload"] for c in changes} == flipped
    for change in changes:
        before, after = expected[change["workload"]]
        assert (change["old"]["recommendation"], change["new"]["recommendation"]) == (before.recommendation, after.recommendation)
        # the rules responsible are exactly those that fire on one side only, and each moved the scores
        assert {c["rule"] for c in change["causes"]} <= before.fired ^ after.fired
        assert change["causes"]
    moves = sum(m["workloads"] for m in report["moves"])
    assert moves == len(flipped)


def test_every_format_carries_the_report(capsys):
    _, as_json, _ = run(capsys, "-f", "json", *ASSUME, str(EXAMPLES))
    report = json.loads(as_json)
    _, text, _ = run(capsys, *ASSUME, str(EXAMPLES))
    assert text.startswith(f"What if host_os=linux, containerizable=yes: {report['changed']} of {report['evaluated']} "
                           "workloads change recommendation")
    for change in report["changes"]:
        assert f"  {change['workload']} ({change['origin']}): " in text
    _, md, _ = run(capsys, "-f", "markdown", *ASSUME, str(EXAMPLES))
    assert md.startswith("### What if host\\_os=linux, containerizable=yes:")
    _, yaml_text, _ = run(capsys, "-f", "yaml", *ASSUME, str(EXAMPLES))
    assert parse_yaml(yaml_text, "out")[0].to_python() == report
    _, jsonl, _ = run(capsys, "-f", "jsonl", *ASSUME, str(EXAMPLES))
    lines = [json.loads(line) for line in jsonl.splitlines()]
    assert lines[0]["summary"]["changed"] == report["changed"] and lines[1:] == report["changes"]
    _, as_csv, _ = run(capsys, "-f", "csv", *ASSUME, str(EXAMPLES))
    rows = list(csv.DictReader(io.StringIO(as_csv, newline="")))
    assert [(r["workload"], r["after"]) for r in rows] == [(c["workload"], c["new"]["recommendation"] or "") for c in report["changes"]]


def test_an_assumption_already_held_changes_nothing(tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text("name: W\nneeds: {host_os: linux, startup: instant}\n", encoding="utf-8")
    code, out, _ = run(capsys, "-f", "json", "--assume", "host_os=linux", str(path))
    assert code == 0
    assert json.loads(out)["changes"] == []


def test_many_values_and_did_you_mean(advisor, capsys):
    (one,) = parse_assumptions(["os_families=windows;linux"], advisor.catalogue)
    assert one.value == ("linux", "windows")  # catalogue order
    with pytest.raises(AssumptionError) as caught:
        parse_assumptions(["host_os=linux;windows", "containerizable=yess", "os_famlies=linux", "startup", "startup=instant",
                           "startup=fast"], advisor.catalogue)
    lines = [p.format() for p in caught.value.problems]
    assert "--assume containerizable=yess: unknown-value: 'yess' is not a value of 'containerizable' (did you mean 'yes'?)" in lines
    assert "--assume os_famlies=linux: unknown-criterion: unknown criterion 'os_famlies' (did you mean 'os_families'?)" in lines
    assert any(line.startswith("--assume host_os=linux;windows: wrong-type: 'host_os' takes one value") for line in lines)
    assert any("bad-assumption" in line for line in lines)
    assert any("duplicate-assumption" in line for line in lines)
    code, out, err = run(capsys, "--assume", "host_os=linx", str(EXAMPLES))
    assert (code, out) == (2, "")
    assert "did you mean 'linux'?" in err


def test_input_errors_are_reported_and_the_rest_assessed(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("name: [x\n", encoding="utf-8")
    (tmp_path / "ok.yaml").write_text("name: OK\nneeds: {containerizable: 'no'}\n", encoding="utf-8")
    code, out, err = run(capsys, "-f", "json", "--assume", "containerizable=yes", str(tmp_path))
    assert code == 1
    assert "bad.yaml:2:1: yaml-syntax" in err
    report = json.loads(out)
    assert (report["evaluated"], report["errors"]) == (1, 1)

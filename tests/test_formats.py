"""Every output format of `recommend`, pinned by golden files over a small frozen rule set and a
folder of inputs that holds every kind of file (and broken ones); and each format's promise:
JSON is one array, YAML the same as documents, JSON Lines one compact object per line, CSV readable
by a csv reader, Markdown safe for any name.

Regenerate after an intended change: UPDATE_GOLDEN=1 python -m pytest tests/test_formats.py
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from conftest import ROOT
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.batchio.inputs import read_outcomes
from deploy_advisor.engine.render.data import answer_dict, to_json
from deploy_advisor.engine.render.jsonl import jsonl_line
from deploy_advisor.engine.render.markdown import escape, fenced
from deploy_advisor.engine.render.text import render_result
from deploy_advisor.engine.yamlio import dump_yaml_documents, parse_yaml
from deploy_advisor.main import main

RULES = "tests/fixtures/batch/rules"
INPUTS = "tests/fixtures/batch/inputs"
GOLDEN = ROOT / "tests" / "golden" / "batch"
FORMATS = ("text", "json", "yaml", "markdown", "csv", "jsonl")


def assert_golden(golden: Path, actual: str) -> None:
    """Compare with the golden file byte for byte (CSV keeps its CRLF); UPDATE_GOLDEN=1 rewrites it."""
    data = actual.encode("utf-8")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), f"no golden file {golden.name}: run with UPDATE_GOLDEN=1 to create it"
    assert data == golden.read_bytes()


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the goldens hold paths relative to the repository


@pytest.fixture
def answers(_at_root):
    advisor = Advisor(RULES)
    return list(advisor.results(read_outcomes([INPUTS], advisor.catalogue))), advisor


def recommend(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", "--rules", RULES, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_pinned(capsys, fmt):
    code, out, err = recommend(capsys, "--format", fmt, INPUTS)
    assert code == 1  # the folder holds broken inputs: they are reported, the others answered
    assert_golden(GOLDEN / f"inputs.{fmt}", out)
    assert_golden(GOLDEN / "inputs.stderr", err)


def test_text_with_explain_shows_every_justification_and_insight(capsys):
    code, out, _ = recommend(capsys, "--explain", INPUTS)
    assert code == 1
    assert_golden(GOLDEN / "inputs-explain.text", out)
    # eight justifications; two workloads on which no rule spoke have no (empty) Sources section
    assert out.count("Ranking:") == 8 and out.count("Sources:") == 6 and "What would change it:" in out


def test_one_workload_in_text_is_its_justification_alone(capsys, answers):
    code, out, _ = recommend(capsys, f"{INPUTS}/api.yaml")
    results, advisor = answers
    assert code == 0
    assert out == render_result(results[0], advisor.ruleset) and not out.startswith("WORKLOAD")


def test_one_bad_workload_in_text_says_nothing_on_standard_output(capsys):
    code, out, err = recommend(capsys, f"{INPUTS}/bad.yaml")
    assert code == 1 and out == ""
    assert err == ("deploy-advisor: tests/fixtures/batch/inputs/bad.yaml:3:3: unknown-criterion: unknown criterion "
                   "'latncy' (did you mean 'latency'?)\n")


def test_json_is_the_array_of_answer_dicts(capsys, answers):
    _, out, _ = recommend(capsys, "--format", "json", INPUTS)
    results, _ = answers
    assert out == to_json([answer_dict(a) for a in results]) + "\n"


def test_an_empty_batch_is_an_empty_array(capsys, tmp_path):
    code, out, _ = recommend(capsys, "--format", "json", str(tmp_path))
    assert code == 0 and out == "[]\n"


def test_yaml_is_the_same_as_documents(capsys, answers):
    _, out, _ = recommend(capsys, "--format", "yaml", INPUTS)
    results, _ = answers
    assert out == dump_yaml_documents([answer_dict(a) for a in results])
    assert [d.to_python() for d in parse_yaml(out, "out.yaml")] == json.loads(json.dumps([answer_dict(a) for a in results]))


def test_json_lines_are_compact_answer_dicts_in_order(capsys, answers):
    _, out, _ = recommend(capsys, "--format", "jsonl", INPUTS)
    results, _ = answers
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(json.dumps(answer_dict(a))) for a in results]
    compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    assert lines == [compact(answer_dict(a)) for a in results]


def test_the_fast_json_line_equals_the_plain_encoding_for_the_shipped_rules(advisor):
    """Reasons are spliced in pre-encoded: the line must still be exactly the plain encoding."""
    from deploy_advisor.engine.requirements import Source, Workload

    compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    tricky = ['"reasons":[]', 'x"reasons":null', "\u2028 é \x00", "reasons"]
    workloads = [Workload(name, (("latency", "critical"),), Source(name, 1, 1), name) for name in tricky]
    for result in advisor.evaluate(workloads):
        assert jsonl_line(result) == compact(answer_dict(result))


def test_csv_reads_back_one_row_per_answer(capsys, answers):
    _, out, _ = recommend(capsys, "--format", "csv", INPUTS)
    results, advisor = answers
    assert "\r\n" in out
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert len(rows) == len(results)
    assert list(rows[0]) == ["name", "source", "recommendation", "score_bare_metal", "score_vm", "score_container",
                             "margin", "confidence", "excluded", "top_reason", "error", "labels"]
    by_name = {row["name"]: row for row in rows}
    assert by_name["Orders API"]["recommendation"] == "bare_metal" and by_name["Orders API"]["score_bare_metal"] == "3"
    assert by_name["Everything excluded"]["excluded"] == "vm;bare_metal;container"
    assert by_name["'=1+1"]["confidence"] == "no_basis"  # its name is not a formula for the spreadsheet
    errors = [row for row in rows if row["error"]]
    assert [row["error"].split(": ")[1] for row in errors] == ["unknown-criterion", "unknown-value", "json-syntax"]


def test_markdown_escapes_names_and_fences_any_backticks():
    # a line break in a name is shown as \n (item 12 of issue 10), then that backslash is escaped
    assert escape("a | <b>*x*</b>\nnext") == r"a \| &lt;b&gt;\*x\*&lt;/b&gt;\\nnext"
    assert fenced("code ``` inside\n").startswith("````text\n") and fenced("plain").endswith("plain\n```\n")


def test_output_file_is_written_whole_and_standard_output_stays_empty(capsys, tmp_path):
    target = tmp_path / "answers.md"
    code, out, _ = recommend(capsys, "--format", "markdown", "-o", str(target), INPUTS)
    assert code == 1 and out == ""
    assert target.read_bytes() == (GOLDEN / "inputs.markdown").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["answers.md"]


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown"])
def test_the_shipped_examples_as_a_batch_are_pinned(capsys, fmt):
    """The examples through the shipped rules: regenerate with the knowledge base (UPDATE_GOLDEN=1)."""
    code = main(["recommend", "--format", fmt, "examples"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert_golden(GOLDEN / f"examples.{fmt}", out)

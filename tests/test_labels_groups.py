"""Labels (requirement files' labels:, spreadsheets' label:KEY columns) in every output format, the
portfolio summary block, and --group-by."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

from deploy_advisor.engine.yamlio import parse_yaml
from deploy_advisor.main import main

from spreadsheets import write_csv

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _labelled(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text("name: Alpha\nlabels:\n  team: payments\n  environment: prod\n"
                                   "needs: {startup: instant, latency: critical}\n", encoding="utf-8")
    (folder / "b.yaml").write_text("name: Beta\nlabels: {team: payments, cost_center: 4711}\n"
                                   "needs: {os_families: [linux, windows], host_os: linux}\n", encoding="utf-8")
    (folder / "c.yaml").write_text("name: Gamma\nneeds: {hardware_access: full_control}\n", encoding="utf-8")
    write_csv(folder / "d.csv", [["name", "label:team", "startup"], ["Delta", "search", "instant"]])
    return folder


def test_labels_reach_every_format(tmp_path, capsys):
    folder = _labelled(tmp_path)
    expected = [{"team": "payments", "environment": "prod"}, {"team": "payments", "cost_center": "4711"}, {}, {"team": "search"}]
    _, out, _ = run(capsys, "-f", "json", str(folder))
    assert [d["labels"] for d in json.loads(out)] == expected
    _, out, _ = run(capsys, "-f", "jsonl", str(folder))
    assert [json.loads(line)["labels"] for line in out.splitlines()] == expected
    _, out, _ = run(capsys, "-f", "yaml", str(folder))
    assert [d.to_python()["labels"] for d in parse_yaml(out, "out")] == expected
    _, out, _ = run(capsys, "-f", "csv", str(folder))
    assert [row["labels"] for row in csv.DictReader(io.StringIO(out, newline=""))] == [
        "team=payments;environment=prod", "team=payments;cost_center=4711", "", "team=search"]
    _, out, _ = run(capsys, "-f", "text", "--explain", str(folder))
    assert "  Labels: team=payments, environment=prod\n" in out
    _, out, _ = run(capsys, "-f", "markdown", str(folder))
    assert "  Labels: team=search\n" in out


def test_bad_labels_are_errors_at_their_place(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nlabels:\n  'has space': a\n  team: [a, b]\nneeds: {startup: instant}\n", encoding="utf-8")
    code, _, err = run(capsys, str(bad))
    assert code == 1
    assert f"{bad}:3:3: bad-label: 'has space' is not a label name" in err
    assert f"{bad}:4:9: bad-label: label 'team' takes a short text, got a list" in err  # every problem, a line each


def test_no_labels_means_an_empty_mapping_not_a_missing_key(capsys):
    _, out, _ = run(capsys, "-f", "json", str(EXAMPLES / "payments-api.yaml"))
    assert json.loads(out)[0]["labels"] == {}


def _summary_counts(text: str) -> dict[str, int]:
    block = text.split("\n\n")[0].splitlines()[1:]
    return {m.group(1): int(m.group(2)) for m in (re.match(r"  (\S.*?)\s{2,}(\d+)", line) for line in block) if m}


def test_the_summary_block_counts_what_the_json_says(tmp_path, capsys):
    folder = _labelled(tmp_path)
    (folder / "e.yaml").write_text("name: [broken\n", encoding="utf-8")
    _, out, _ = run(capsys, "-f", "json", str(EXAMPLES), str(folder))
    data = json.loads(out)
    answered = [d for d in data if "error" not in d]
    code, text, _ = run(capsys, str(EXAMPLES), str(folder))
    assert code == 1
    assert text.startswith(f"Summary: {len(data)} workloads: {len(answered)} answered, 1 error\n")
    counts = _summary_counts(text)
    by_option = Counter(d["recommendation"] for d in answered)
    assert counts["Bare metal"] == by_option["bare_metal"]
    assert counts["Virtual machine"] == by_option["vm"]
    assert counts["Container"] == by_option["container"]
    assert counts["No fit"] == sum(1 for d in answered if d["recommendation"] is None and d["conflicts"])
    assert counts["No basis"] == sum(1 for d in answered if d["confidence"] == "no_basis")
    assert counts["Close calls"] == sum(1 for d in answered if d["recommendation"] and d["confidence"] in ("close", "tie"))
    assert counts["Errors"] == 1


def test_one_workload_has_no_summary_block(capsys):
    _, text, _ = run(capsys, str(EXAMPLES / "payments-api.yaml"))
    assert not text.startswith("Summary:")


def test_group_by_counts_each_label_value(tmp_path, capsys):
    folder = _labelled(tmp_path)
    _, out, _ = run(capsys, "-f", "json", str(folder))
    data = json.loads(out)
    _, text, _ = run(capsys, "--group-by", "team", str(folder))
    section = text.split("By team (errors not counted):\n", 1)[1].splitlines()
    header, rows = section[0].split(), [line.split() for line in section[1:] if line.strip()]
    assert header[:2] == ["TEAM", "WORKLOADS"]
    got = {row[0]: int(row[1]) for row in rows}
    expected = Counter(d["labels"].get("team", "(none)") for d in data)
    assert got == dict(expected)
    _, md, _ = run(capsys, "-f", "markdown", "--group-by", "team", str(folder))
    assert "**By team** (errors not counted)" in md
    assert re.search(r"^\| payments \| 2 \|", md, re.M)
    assert re.search(r"^\| \(none\) \| 1 \|", md, re.M)

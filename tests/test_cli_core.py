"""The command line's contract: --version, --help, exit codes, no tracebacks for user errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, make_ruleset_dir
from deploy_advisor import __version__
from deploy_advisor.main import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"deploy-advisor {__version__}"


def test_help_lists_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "recommend" in out and "130" in out


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run([], capsys)
    assert code == 2 and "usage" in err


def test_json_is_an_array_even_for_one_workload(capsys):
    code, out, _ = run(["recommend", "--format", "json", str(EXAMPLES / "payments-api.yaml")], capsys)
    data = json.loads(out)
    assert code == 0 and isinstance(data, list) and len(data) == 1
    first = data[0]
    assert set(first) >= {"name", "source", "recommendation", "ranking", "scores", "excluded", "margin", "reasons"}
    for reason in first["reasons"]:
        assert set(reason) >= {"rule", "option", "points", "because", "source", "file", "line"}


def test_missing_file_is_exit_1_and_others_still_answered(capsys):
    code, out, err = run(["recommend", "--format", "json", "no-such.yaml", str(EXAMPLES / "payments-api.yaml")], capsys)
    assert code == 1
    assert "no-such.yaml" in err and "Traceback" not in err
    assert any(d.get("recommendation") for d in json.loads(out))


def test_broken_rule_set_is_exit_2_with_location(tmp_path, capsys):
    folder = make_ruleset_dir(tmp_path, "rules:\n  - id: Bad_Id\n    when: {latency: critical}\n    points: {vm: 9}\n"
                                        "    because: b\n    source: vm-startup\n")
    code, _, err = run(["recommend", "--rules", str(folder), str(EXAMPLES / "payments-api.yaml")], capsys)
    assert code == 2
    assert "mini.yaml:2:9: bad-id: rule id 'Bad_Id' must be kebab-case" in err
    assert "mini.yaml:4:18: points-range:" in err


def test_no_traceback_as_a_subprocess(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("needs: {latency: [critical\n")
    out = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", str(bad)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "bad.yaml:2:1: yaml-syntax" in out.stderr and "Traceback" not in out.stderr

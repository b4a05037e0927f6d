"""Hostile and broken input through the command line: each bad file gets a located one-line error,
exit 1, and the good file beside it in the same batch is still answered."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import EXAMPLES, RULES, default_signals
from deploy_advisor.main import main

GOOD = EXAMPLES / "payments-api.yaml"

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))

CASES = {
    "alias-bomb.yaml": (BOMB, "alias-refused"),
    "deep-duplicate.yaml": ("name: x\nneeds:\n  os_families: [linux]\n  latency: critical\n  latency: tolerant\n", "duplicate-key"),
    "unknown-key.yaml": ("name: x\nneeds: {latency: critical}\nowner: me\n", "unknown-key"),
    "pod.yaml": ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n", "not-a-requirement"),
    "compose.yaml": ("version: '3'\nservices:\n  web: {image: nginx}\n", "not-a-requirement"),
    "long-line.yaml": ("name: " + "x" * 500_000 + "\nneeds: {latency: fast}\n", "unknown-value"),
    "deep.yaml": ("[" * 30_000 + "]" * 30_000 + "\n", "too-deep"),
    "deep.json": ('{"a": ' * 30_000 + "1" + "}" * 30_000, "too-deep"),
    "binary.yaml": (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "binary"),
    "latin1.yaml": ("name: caf\xe9\n".encode("latin-1"), "not-utf8"),
    "empty.yaml": ("", "empty"),
    "only-comments.yaml": ("# nothing here\n", "empty"),
    "python-tag.yaml": ("needs: !!python/object/apply:os.system ['echo pwned']\n", "forbidden-tag"),
    "nan.yaml": ("needs: {latency: .nan}\n", "wrong-type"),
    "inf.json": ('{"needs": {"latency": Infinity}}', "wrong-type"),
    "enormous.json": ('{"needs": {"latency": 1' + "0" * 5000 + "}}", "wrong-type"),
    "wrong-type.yaml": ("needs: {startup: 5}\n", "wrong-type"),
}


def _write(folder, name, content):
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_requirement_file_beside_a_good_one(tmp_path, capsys, name):
    content, code_ = CASES[name]
    bad = _write(tmp_path, name, content)
    code, out, err = _run(["recommend", "--format", "json", str(bad), str(GOOD)], capsys)
    assert code == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(len(line) < 400 for line in lines), "errors are short lines"
    assert f": {code_}:" in lines[0] and name in lines[0]
    records = json.loads(out)
    assert records[0]["error"]["code"] == code_
    assert records[-1]["recommendation"] == "container"


def test_bom_is_accepted(tmp_path, capsys):
    path = _write(tmp_path, "bom.yaml", "\ufeffname: b\nneeds: {startup: instant}\n")
    code, out, _ = _run(["recommend", "--format", "json", str(path)], capsys)
    assert code == 0 and json.loads(out)[0]["recommendation"] == "container"


def test_size_limit_is_documented_and_overridable(tmp_path, capsys):
    big = _write(tmp_path, "big.yaml", "name: big\n" + "# padding\n" * 200_000 + "needs: {startup: instant}\n")
    code, _, err = _run(["recommend", str(big)], capsys)
    assert code == 1 and "too-large" in err and "--max-bytes" in err
    code, out, _ = _run(["recommend", "--format", "json", "--max-bytes", "5000000", str(big)], capsys)
    assert code == 0 and json.loads(out)[0]["recommendation"] == "container"


def test_norway_problem_in_a_file(tmp_path, capsys):
    path = _write(tmp_path, "norway.yaml", "name: n\nneeds:\n  containerizable: no\n")
    code, out, _ = _run(["recommend", "--format", "json", str(path)], capsys)
    assert code == 0 and json.loads(out)[0]["needs"]["containerizable"] == "no"


def test_directory_and_missing_file_named(tmp_path, capsys):
    code, out, err = _run(["recommend", "--format", "json", str(tmp_path / "nope.yaml"), str(GOOD)], capsys)
    assert code == 1 and "nope.yaml" in err
    assert json.loads(out)[-1]["recommendation"] == "container"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path, capsys):
    path = _write(tmp_path, "secret.yaml", "needs: {}\n")
    path.chmod(0)
    code, _, err = _run(["recommend", str(path), str(GOOD)], capsys)
    assert code == 1 and "secret.yaml" in err


def test_symlink_loop_inside_a_folder(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.yaml")
    (folder / "loop").symlink_to(folder)
    code, out, err = _run(["recommend", "--format", "json", str(folder)], capsys)
    assert "Traceback" not in err
    names = [r.get("name") for r in json.loads(out)]
    assert names.count("Payments API") >= 1


RULE_CASES = {
    "bomb.yaml": BOMB,
    "typo.yaml": "rules:\n  - id: x\n    when: {latency: critcal}\n    points: {vm: 1}\n    because: b\n    source: vm-startup\n",
    "tag.yaml": "rules: !!python/object/apply:os.system ['echo pwned']\n",
    "binary.yaml": b"\x00\x01\x02rules",
    "deep.yaml": "rules: " + "[" * 30_000 + "]" * 30_000 + "\n",
    "dup.yaml": "rules: []\nrules: []\n",
}


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_bad_rule_file_is_located_and_refused(tmp_path, capsys, name):
    folder = tmp_path / "rules"
    folder.mkdir()
    for shipped in ("criteria.yaml", "options.yaml", "deployment-options.md"):
        shutil.copy(RULES / shipped, folder / shipped)
    _write(folder, name, RULE_CASES[name])
    code, _, err = _run(["recommend", "--rules", str(folder), str(GOOD)], capsys)
    assert code == 2 and "Traceback" not in err
    assert name in err.splitlines()[0]
    code, _, err = _run(["check", str(folder)], capsys)
    assert code == 1 and name in err + _


@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_mid_batch_leaves_no_partial_output(tmp_path, sig, code):
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "out.jsonl"
    child = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "-", "--format", "jsonl", "-o", str(target)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=default_signals)
    try:
        line = b'{"name": "w", "needs": {"startup": "instant"}}\n'
        child.stdin.write(line * 2000)  # a stream that has not ended
        child.stdin.flush()
        time.sleep(1.5)
        child.send_signal(getattr(signal, sig))
        assert child.wait(30) == code
    finally:
        if child.poll() is None:
            child.kill()
    err = child.stderr.read().decode()
    assert "Traceback" not in err
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "out.jsonl"], "temporary files left behind"

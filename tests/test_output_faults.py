"""Output that cannot be written, streams that are closed, and bugs: one line each, never a traceback,
and an exit code of its own (3: output not written; 70: internal error) that no command uses for a
normal outcome. A reader that stops early keeps the exit code the inputs earned."""
from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from deploy_advisor import exitcodes
from deploy_advisor.main import main

GOOD = EXAMPLES / "payments-api.yaml"
BAD = "name: broken\nneeds: {speed: warp}\n"


def run_cli(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "deploy_advisor", *argv], timeout=60, **kwargs)


def one_line(err: bytes) -> str:
    text = err.decode()
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    return text


def test_the_new_exit_codes_are_documented_and_distinct():
    normal = {exitcodes.OK, exitcodes.INVALID, exitcodes.USAGE, exitcodes.INTERRUPTED, exitcodes.TERMINATED}
    assert exitcodes.WRITE_FAILED not in normal and exitcodes.INTERNAL not in normal
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for code in (exitcodes.WRITE_FAILED, exitcodes.INTERNAL):
        assert f"\n  {code} " in exitcodes.EPILOG and f"| {code} |" in readme


# --- output that cannot be written: exit 3 ----------------------------------------------------


def test_standard_output_on_a_full_disk():
    with open("/dev/full", "w") as full:
        done = run_cli("recommend", str(GOOD), stdout=full)
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "cannot write standard output: No space left on device" in one_line(done.stderr)


@pytest.mark.parametrize("command", [["check"], ["schema", "requirements"], ["test"]])
def test_every_command_s_standard_output_on_a_full_disk(command):
    with open("/dev/full", "w") as full:
        done = run_cli(*command, stdout=full)
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "No space left on device" in one_line(done.stderr)


def test_o_on_a_full_disk(tmp_path):
    done = run_cli("recommend", str(GOOD), "-o", "/dev/full")
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "cannot write /dev/full: No space left on device" in one_line(done.stderr)


def small_file_limit() -> None:
    """In the child: files may not grow past 2 kB (Python ignores SIGXFSZ, so a write gets EFBIG)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


@pytest.mark.parametrize("to", ["-o", "stdout"])
def test_a_file_too_large(tmp_path, to):
    target = tmp_path / "big.json"
    argv = ["recommend", str(EXAMPLES), "--format", "json", "--explain"]
    if to == "-o":
        done = run_cli(*argv, "-o", str(target), preexec_fn=small_file_limit)
    else:
        with open(target, "w") as out:
            done = run_cli(*argv, stdout=out, preexec_fn=small_file_limit)
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "File too large" in one_line(done.stderr)
    if to == "-o":
        assert sorted(p.name for p in tmp_path.iterdir()) == [], "a half-written file or a temporary was left"


def read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return Path("/proc")  # root writes any folder it may chmod; not one of /proc


def test_o_in_a_read_only_folder(tmp_path):
    folder = read_only_folder(tmp_path)
    try:
        done = run_cli("recommend", str(GOOD), "-o", str(folder / "deploy-advisor-test-out.txt"))
    finally:
        if folder != Path("/proc"):
            folder.chmod(0o755)
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "cannot write" in one_line(done.stderr)
    assert not (folder / "deploy-advisor-test-out.txt").exists()


def test_a_file_name_longer_than_the_file_system_takes(tmp_path):
    done = run_cli("recommend", str(GOOD), "-o", str(tmp_path / ("n" * 256)))
    assert done.returncode == exitcodes.USAGE
    assert "File name too long" in one_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_254_character_file_name_is_written(tmp_path):
    target = tmp_path / ("n" * 254)
    done = run_cli("recommend", str(GOOD), "-o", str(target))
    assert (done.returncode, done.stderr) == (0, b"")
    assert "Payments API" in target.read_text()


def test_standard_output_closed():
    done = run_cli("recommend", str(GOOD), stdout=None, preexec_fn=lambda: os.close(1))
    assert done.returncode == exitcodes.WRITE_FAILED
    assert "cannot write standard output" in one_line(done.stderr)


def test_the_wizard_save_reports_a_full_disk_as_a_failed_save(tmp_path):
    """The wizard's save goes through the same helper: a device is written straight through."""
    from deploy_advisor.engine.files import replaced_atomically
    from deploy_advisor.engine.streams import WriteFailed

    with pytest.raises(WriteFailed) as failure:
        with replaced_atomically("/dev/full") as out:
            out.write("x" * 100_000)
    assert failure.value.line() == "cannot write /dev/full: No space left on device"
    assert isinstance(failure.value, OSError)  # what the wizard's save catches


# --- internal errors: exit 70, one line; the traceback on request -----------------------------


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_internal_error_is_one_line_and_exit_70(monkeypatch, capsys, debug):
    """A stream closed under the command's feet is not something any command expects."""
    closed = io.StringIO()
    closed.close()
    monkeypatch.setenv(exitcodes.DEBUG_VARIABLE, debug)
    monkeypatch.setattr(sys, "stdout", closed)
    assert main(["schema", "requirements"]) == exitcodes.INTERNAL
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("deploy-advisor: internal error: ValueError: I/O operation on closed file")
    assert exitcodes.DEBUG_VARIABLE in last
    assert ("Traceback" in err) == bool(debug)
    if not debug:
        assert len(err.splitlines()) == 1


# --- closed standard input; a reader that stops early ------------------------------------------


def test_closed_standard_input_is_one_line_and_exit_2():
    done = run_cli("recommend", "-", preexec_fn=lambda: os.close(0))
    assert done.returncode == exitcodes.USAGE
    assert "standard input" in one_line(done.stderr) and done.stdout == b""


def test_closed_standard_input_does_not_matter_when_unused():
    done = run_cli("recommend", str(GOOD), preexec_fn=lambda: os.close(0))
    assert done.returncode == 0 and b"Payments API" in done.stdout


def run_into_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess:
    """Standard output is a pipe whose reader has already gone (`| head -c0`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return run_cli(*argv, stdout=write)
    finally:
        os.close(write)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_invalid_inputs_still_exit_1_when_the_reader_stopped(tmp_path, fmt):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    done = run_into_a_closed_pipe("recommend", "--format", fmt, str(bad), str(GOOD))
    assert done.returncode == exitcodes.INVALID
    err = done.stderr.decode()
    assert "bad.yaml" in err and "Traceback" not in err and "Exception ignored" not in err


def test_valid_inputs_exit_0_when_the_reader_stopped():
    done = run_into_a_closed_pipe("recommend", "--format", "jsonl", str(GOOD))
    assert (done.returncode, done.stderr) == (0, b"")


def test_diff_keeps_its_exit_code_when_the_reader_stopped(tmp_path):
    from conftest import RULES

    changed = tmp_path / "rules"
    import shutil

    shutil.copytree(RULES, changed)
    for rule_file in changed.glob("*.yaml"):
        if rule_file.name not in ("criteria.yaml", "options.yaml") and not rule_file.name.endswith(".test.yaml"):
            rule_file.unlink()  # no rules: every recommendation moves to the tie-break
    done = run_into_a_closed_pipe("diff", str(RULES), str(changed), str(EXAMPLES))
    assert done.returncode == exitcodes.INVALID and b"Traceback" not in done.stderr

"""`.ci/setup-venv` refuses an interpreter it cannot use in one line and exit 2, before creating anything.

The interpreters here are fakes on the PATH, as a pyenv shim is: a script named python3.13 that does not
run Python (issue 13: the script used to believe `command -v` and failed later with 127)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPT = ROOT / ".ci" / "setup-venv"


def fake(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def setup_venv(tmp_path: Path, python: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    return subprocess.run(["sh", str(SCRIPT), str(tmp_path / "venv"), python], capture_output=True, text=True,
                          env=env, timeout=60, cwd=tmp_path)


@pytest.fixture
def shims(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    # pyenv's shim for a version that is installed but not selected: message on stderr, exit 127
    fake(tmp_path / "bin", "python3.13", 'echo "pyenv: python3.13: command not found" >&2\n'
                                         'echo "The \'python3.13\' command exists in these Python versions:" >&2\nexit 127')
    # a shim that says so on standard output instead
    fake(tmp_path / "bin", "python3.12", 'echo "python3.12: not found"\nexit 127')
    fake(tmp_path / "bin", "python3.10", 'echo 3.10')  # runs, but a version deploy-advisor does not support
    return tmp_path


@pytest.mark.parametrize("python", ["python3.13", "python3.12"])
def test_a_shim_that_does_not_run_is_one_line_and_exit_2(shims, python):
    done = setup_venv(shims, python)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"setup-venv: {python} is on the PATH but does not run (a pyenv shim")
    assert "pyenv shell" in lines[0]  # what to do
    assert not (shims / "venv").exists()  # nothing half made


def test_a_missing_interpreter_is_one_line_and_exit_2(shims):
    done = setup_venv(shims, "python3.99")
    assert (done.returncode, done.stderr) == (2, "setup-venv: python3.99 not found: install CPython 3.11, 3.12 or 3.13\n")


def test_an_unsupported_version_is_named(shims):
    done = setup_venv(shims, "python3.10")
    assert done.returncode == 2
    assert done.stderr == "setup-venv: python3.10 is Python 3.10; deploy-advisor supports 3.11, 3.12 and 3.13\n"
    assert not (shims / "venv").exists()

"""`recommend -` typed at a terminal: a hint on standard error says it is waiting and how to end, and the
typed requirement is answered. Nothing is said when standard input is a pipe (the usual case)."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES

pexpect = pytest.importorskip("pexpect")

HINT = "deploy-advisor: reading requirements from standard input; end with Ctrl-D"
TIMEOUT = 60  # two slow cores; the rule set is compiled at start


def test_a_terminal_on_standard_input_is_told_how_to_end(tmp_path):
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "deploy_advisor", "recommend", "-"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100))
    child.logfile_read = io.StringIO()
    child.expect_exact(HINT)  # said before any typing: the command is not hung, it is listening
    for line in (EXAMPLES / "payments-api.yaml").read_text().splitlines():
        child.sendline(line)
    child.sendeof()  # Ctrl-D, as the hint says
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = child.logfile_read.getvalue().replace("\r\n", "\n")
    assert "Payments API: " in screen.split(HINT, 1)[1]  # the recommendation, after the hint


def test_no_hint_when_standard_input_is_a_pipe():
    done = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "-"], capture_output=True, text=True,
                          input=(EXAMPLES / "payments-api.yaml").read_text(), timeout=TIMEOUT)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("Payments API: ")

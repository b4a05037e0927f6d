"""The wizard in a real pseudo-terminal, answered like a person would, keys and all."""
from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

from deploy_advisor.main import main

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 60  # generous: two slow cores, and the rule set is compiled at start
UP, DOWN, LEFT = "\x1b[A", "\x1b[B", "\x1b[D"
ENTER, SPACE, CTRL_C = "\r", " ", "\x03"
_CODES = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def spawn(*argv: str, cwd: Path, columns: int = 110, **extra: str) -> "pexpect.spawn":
    env = {name: value for name, value in os.environ.items() if name != "COLUMNS"}  # the terminal's width
    env.update({"TERM": "xterm-256color", "PYTHONUNBUFFERED": "1",
                # pexpect is a terminal that never answers cursor-position requests; say so up front
                "PROMPT_TOOLKIT_NO_CPR": "1", **extra})
    child = pexpect.spawn(sys.executable, ["-m", "deploy_advisor", "wizard", *argv], cwd=str(cwd), env=env,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, columns))
    child.logfile_read = io.StringIO()  # the whole screen output, for the checks at the end
    return child


def screen(child: "pexpect.spawn") -> str:
    return child.logfile_read.getvalue().replace("\r\n", "\n")


def see(child: "pexpect.spawn", text: str) -> None:
    """Wait until ``text`` is on the screen; colour and cursor codes may sit between its letters."""
    child.expect(_CODES.join(re.escape(letter) for letter in text))


def question(child: "pexpect.spawn", number: int, text: str = "") -> None:
    see(child, f"[{number}/20] {text}")


def test_a_person_answers_goes_back_and_gets_the_recommendation_and_the_file(tmp_path, capsys):
    # the recommendation as `recommend` writes it to a file: 100 columns, no colour (compared below)
    child = spawn("--save", "shop.yaml", cwd=tmp_path, NO_COLOR="1", COLUMNS="100")
    see(child, "Name of the workload: shop")  # offered from the file's name
    child.send(ENTER)
    see(child, "Description (optional, Enter for none):")
    child.send("Online shop." + ENTER)
    see(child, "Up to 20 questions about the workload.")
    question(child, 1, "What kind of workload is it?")
    see(child, "Microservices")
    child.send(DOWN + DOWN + ENTER)  # the cursor starts on no preference; down wraps to the first value
    # Web application
    see(child, "What kind of workload is it? Web application")
    question(child, 2, "How sensitive is the workload to latency?")
    child.send(ENTER)  # no catalogue default: the cursor starts on "I don't know / no preference"
    see(child, "How sensitive is the workload to latency? no preference")
    question(child, 3)
    child.send(DOWN + ENTER)  # Maximum
    question(child, 4, "Which operating system families must run?")
    child.send(ENTER)  # nothing ticked
    see(child, "Tick at least one answer")
    child.send(SPACE + ENTER)
    see(child, "Which operating system families must run? Linux")
    question(child, 5)
    child.send(LEFT)  # back: Linux is still ticked; tick Windows too
    question(child, 4, "Which operating system families must run?")
    child.send(DOWN + SPACE + ENTER)
    see(child, "Which operating system families must run? Linux, Windows")
    for number in range(5, 21):
        question(child, number)
        child.send(ENTER)
    see(child, "Sources:")
    see(child, "Saved to shop.yaml.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    saved = (tmp_path / "shop.yaml").read_text()
    assert saved.startswith("# Answers given to `deploy-advisor wizard` on ")
    assert "Left unanswered (no preference, or not asked): latency, host_os, kernel," in saved.replace("\n# ", " ")
    # Enter through questions 5-20 answered only what the catalogue gives a default for.
    assert saved.endswith("name: shop\ndescription: Online shop.\nneeds:\n  workload_type: web_app\n  performance: maximum\n"
                          "  os_families: [linux, windows]\n  startup: fast\n  cost: balanced\n")
    assert main(["recommend", str(tmp_path / "shop.yaml")]) == 0
    again = capsys.readouterr().out
    assert again.startswith("shop: ") and again in screen(child)  # the same recommendation, word for word


def test_the_recommendation_fits_an_80_column_terminal(tmp_path):
    """As `recommend` does on a terminal, the wizard wraps the recommendation to the terminal's width."""
    child = spawn("--save", "narrow.yaml", cwd=tmp_path, columns=80)
    see(child, "Name of the workload:")
    child.send(ENTER + ENTER)  # the name offered, no description
    for number in range(1, 21):
        question(child, number)
        child.send(SPACE + ENTER if number == 4 else ENTER)  # question 4 needs a ticked answer
    see(child, "Saved to narrow.yaml.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = re.sub(_CODES + r"|\x1b\][^\x07]*\x07", "", screen(child))
    result = shown[shown.index("\nnarrow: "): shown.index("Saved to narrow.yaml.")]
    assert "Ranking:" in result and "Sources:" in result
    assert max(len(line) for line in result.splitlines()) <= 80


def test_ctrl_c_in_a_terminal_cancels_and_keeps_the_answers(tmp_path):
    child = spawn("--save", "half.yaml", cwd=tmp_path)
    see(child, "Name of the workload:")
    child.send(ENTER + ENTER)  # the name offered, no description
    question(child, 1)
    child.send(DOWN + ENTER)
    question(child, 2)
    child.send(CTRL_C)
    see(child, "Cancelled")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in screen(child)
    saved = (tmp_path / "half.yaml").read_text()
    assert "Cancelled at question 2/20;" in saved and "needs:\n  workload_type: microservices\n" in saved


def test_with_standard_output_redirected_the_screen_says_where_the_result_went(tmp_path):
    tiny = Path(__file__).parent / "fixtures" / "wizard" / "tiny-rules"
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONUNBUFFERED": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    line = f"exec {sys.executable} -m deploy_advisor wizard --rules {tiny} --save w.yaml > result.txt"
    child = pexpect.spawn("sh", ["-c", line], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=TIMEOUT,
                          dimensions=(40, 110))
    child.logfile_read = io.StringIO()
    see(child, "Name of the workload: w")
    child.send(ENTER + ENTER)
    see(child, "[1/4] How fast must it be?")
    child.send(UP + ENTER)  # Extreme
    see(child, "[2/4]")
    child.send(SPACE + ENTER)  # Linux
    see(child, "[3/4]")
    child.send(ENTER)  # packaged: no preference
    see(child, "[4/4]")
    child.send(ENTER)  # guest os: no preference
    see(child, "The recommendation went to result.txt.")
    see(child, "Saved to w.yaml.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    result = (tmp_path / "result.txt").read_text()
    assert result.startswith("\nw: Bare metal") and "Sources:" in result
    assert "Ranking:" not in screen(child)  # the recommendation is in the file, not on the screen

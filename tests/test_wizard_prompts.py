"""The prompts and the whole `wizard` command, driven through prompt_toolkit's pipe input.

Keys are sent up front; prompt_toolkit hands what one prompt leaves unread to the next one, as a
terminal does with type-ahead. The screen is a VT100 output written to a string.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from deploy_advisor.commands import wizard as wizard_command
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.main import main
from deploy_advisor.wizard import answers as wizard_answers
from deploy_advisor.wizard import prompts
from deploy_advisor.wizard.flow import Flow, Step
from deploy_advisor.wizard.questions import BACK, NO_PREFERENCE, questionnaire

TINY = str(Path(__file__).parent / "fixtures" / "wizard" / "tiny-rules")
UP, DOWN, LEFT = "\x1b[A", "\x1b[B", "\x1b[D"
ENTER, SPACE, BACKSPACE, CTRL_C = "\r", " ", "\x7f", "\x03"
NAMED = (ENTER, ENTER)  # the workload's name and description asked first: keep what is offered
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


@dataclass
class Terminal:
    pipe: PipeInput
    screen: io.StringIO

    def keys(self, *keys: str) -> None:
        self.pipe.send_text("".join(keys))

    @property
    def text(self) -> str:
        return _ANSI.sub("", self.screen.getvalue())


@pytest.fixture
def terminal(monkeypatch):
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=100), term="xterm", enable_cpr=False)
    monkeypatch.setattr(wizard_command, "has_terminal", lambda: True)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        yield Terminal(pipe, screen)


@pytest.fixture(scope="module")
def questions():
    return {q.id: q for q in questionnaire(load_ruleset(TINY).catalogue)}


def step(question, preselected=None, back=True, number=2, total=4) -> Step:
    return Step(question, number, total, preselected, back)


# --- one prompt ------------------------------------------------------------------------------


def test_select_shows_position_help_labels_and_value_help(terminal, questions):
    terminal.keys(DOWN, DOWN, ENTER)  # from 'no preference', down wraps to the first value
    assert prompts.ask(step(questions["speed"], number=1, total=4)) == "normal"
    screen = terminal.text
    for shown in ("[1/4] How fast must it be?", "How much speed matters.", "Extreme", "Slow is fine",
                  "I don't know / no preference", "Leave this question unanswered"):
        assert shown in screen
    assert "? [1/4] How fast must it be? Normal" in screen  # the record left once answered


def test_select_preselects_the_default(terminal, questions):
    terminal.keys(ENTER)
    assert prompts.ask(step(questions["speed"], preselected="slow_ok")) == "slow_ok"


def test_select_offers_no_preference(terminal, questions):
    terminal.keys(DOWN, UP, ENTER)  # from the first value, up wraps to the last choice
    assert prompts.ask(step(questions["speed"])) is NO_PREFERENCE
    assert "How fast must it be? no preference" in terminal.text


def test_with_nothing_to_preselect_the_cursor_starts_on_no_preference(terminal, questions):
    # Not on the first value (often the most extreme one): Enter alone claims nothing.
    terminal.keys(ENTER)
    assert prompts.ask(step(questions["packaged"], preselected=None)) is NO_PREFERENCE
    assert "» I don't know / no preference" in terminal.text


def test_no_preference_can_be_preselected(terminal, questions):
    terminal.keys(ENTER)
    assert prompts.ask(step(questions["speed"], preselected=NO_PREFERENCE)) is NO_PREFERENCE


def test_checkbox_ticks_several_in_catalogue_order(terminal, questions):
    terminal.keys(DOWN, DOWN, SPACE, UP, UP, SPACE, ENTER)
    assert prompts.ask(step(questions["systems"])) == ("linux", "other")
    assert "Which systems must run? Linux, Other" in terminal.text


def test_checkbox_preselects_earlier_ticks(terminal, questions):
    terminal.keys(ENTER)
    assert prompts.ask(step(questions["systems"], preselected=("windows",))) == ("windows",)


def test_checkbox_with_nothing_ticked_says_so_and_asks_again(terminal, questions):
    terminal.keys(ENTER, SPACE, ENTER)
    assert prompts.ask(step(questions["systems"])) == ("linux",)
    assert "✗ Tick at least one answer with Space, or tick 'I don't know / no preference'." in terminal.text


def test_checkbox_no_preference_stands_alone(terminal, questions):
    terminal.keys(SPACE, UP, SPACE, ENTER)  # Linux and no preference
    terminal.keys(ENTER)  # asked again with both still ticked: Enter alone does not get through
    terminal.keys(SPACE, ENTER)  # the pointer is back on Linux: untick it
    assert prompts.ask(step(questions["systems"])) is NO_PREFERENCE
    assert terminal.text.count("✗ Tick either answers or 'I don't know / no preference', not both.") == 2


@pytest.mark.parametrize("key", [LEFT, BACKSPACE])
@pytest.mark.parametrize("name", ["speed", "systems"])
def test_back_key_in_select_and_checkbox(terminal, questions, key, name):
    terminal.keys(key)
    assert prompts.ask(step(questions[name])) is BACK
    assert "← goes back" in terminal.text


def test_no_back_on_the_first_question(terminal, questions):
    terminal.keys(LEFT, DOWN, ENTER)
    assert prompts.ask(step(questions["speed"], back=False)) == "extreme"
    assert "goes back" not in terminal.text


def test_ctrl_c_raises_keyboard_interrupt(terminal, questions):
    terminal.keys(CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        prompts.ask(step(questions["systems"]))


def test_a_whole_walk_through_the_prompts(terminal, questions):
    # speed: Extreme; systems: Windows; packaged: back, then back again to speed, change it to
    # no preference; systems keeps Windows (Enter); packaged: No, so guest_os is never asked.
    terminal.keys(UP, ENTER, DOWN, SPACE, ENTER, LEFT, LEFT, UP, ENTER, ENTER, UP, ENTER)
    flow = Flow.start(tuple(questions[i] for i in ("speed", "systems", "packaged", "guest_os")))
    from deploy_advisor.wizard.flow import walk

    assert walk(flow, prompts.ask).answers == {"systems": ("windows",), "packaged": "no"}
    assert terminal.text.count("↩ back from question") == 2


# --- the command -----------------------------------------------------------------------------


def wizard(*argv: str) -> int:
    return main(["wizard", "--rules", TINY, *argv])


def recommend(capsys, path: Path) -> str:
    capsys.readouterr()
    assert main(["recommend", "--rules", TINY, str(path)]) == 0
    return capsys.readouterr().out


def test_wizard_ends_with_the_justified_recommendation_and_saves_it(terminal, capsys, tmp_path):
    saved = tmp_path / "fast-thing.yaml"
    terminal.keys(*NAMED, UP, ENTER, SPACE, DOWN, SPACE, ENTER, DOWN, ENTER, DOWN, DOWN, ENTER)
    assert wizard("--save", str(saved)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("\nfast-thing: Bare metal")
    for part in ("Ranking:", "Why Bare metal:", "Why not Virtual machine", "Sources:", "deployment-options.md#fast"):
        assert part in out
    assert f"Saved to {saved}" in err
    text = saved.read_text()
    made = r"# Answers given to `deploy-advisor wizard --rules \S+` on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.\n"
    assert re.match(made, text)
    assert text.split("name:", 1)[1] == (" fast-thing\nneeds:\n  speed: extreme\n  guest_os: windows\n"
                                          "  systems: [linux, windows]\n  packaged: 'yes'\n")
    assert recommend(capsys, saved) == out.lstrip("\n")


def test_wizard_back_and_no_preference_end_in_the_file(terminal, capsys, tmp_path):
    saved = tmp_path / "w.yaml"
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, LEFT, LEFT, UP, UP, ENTER, ENTER, UP, ENTER)
    assert wizard("--save", str(saved)) == 0
    text = saved.read_text()
    assert "needs:\n  systems: [linux]\n  packaged: 'no'\n" in text
    assert "Left unanswered (no preference, or not asked): speed, guest_os." in text


def test_ctrl_c_says_cancelled_saves_the_answers_so_far_and_resumes(terminal, capsys, tmp_path):
    saved = tmp_path / "half.yaml"
    terminal.keys(*NAMED, UP, ENTER, SPACE, ENTER, CTRL_C)
    assert wizard("--save", str(saved)) == 130
    out, err = capsys.readouterr()
    assert err.startswith("Cancelled\n") and "Traceback" not in err and out == ""
    assert "--answers" in err and "--ask-missing" in err
    partial = saved.read_text()
    assert "Cancelled at question 3/4;" in partial
    assert "needs:\n  speed: extreme\n  systems: [linux]\n" in partial

    terminal.keys(DOWN, ENTER, DOWN, ENTER)  # packaged: Yes, guest_os: Linux; speed and systems are not asked again
    assert wizard("--answers", str(saved), "--ask-missing", "--save", str(saved)) == 0
    out, _ = capsys.readouterr()
    assert "needs:\n  speed: extreme\n  guest_os: linux\n  systems: [linux]\n  packaged: 'yes'\n" in saved.read_text()
    assert recommend(capsys, saved) == out.lstrip("\n")


def test_answers_file_answers_are_preselected(terminal, capsys, tmp_path):
    start = tmp_path / "start.yaml"
    start.write_text("name: Start\ndescription: From a file.\n"
                     "needs: {speed: slow_ok, systems: [other], packaged: 'no'}\n")
    saved = tmp_path / "out.yaml"
    terminal.keys(*NAMED, ENTER, ENTER, ENTER)  # accept every preselected answer
    assert wizard("--answers", str(start), "--save", str(saved)) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("\nStart: ")
    text = saved.read_text()
    assert "name: Start\ndescription: From a file.\nneeds:\n  speed: slow_ok\n  systems: [other]\n  packaged: 'no'\n" \
        in text
    assert f"--answers {start}" in text


def test_the_save_offer_asks_where_and_never_replaces_without_asking(terminal, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, ENTER, ENTER, ENTER, ENTER)  # 4 questions, then yes, default file name
    assert wizard() == 0
    first = (tmp_path / "my-workload.yaml").read_text()
    assert "name: my-workload\n" in first
    capsys.readouterr()
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, ENTER, DOWN, ENTER, ENTER, ENTER, ENTER)  # guest os: Linux; replace? no
    terminal.keys("\x15", "other.yaml", ENTER)  # declining asks for another name (Ctrl-U clears the old one)
    assert wizard() == 0
    assert (tmp_path / "my-workload.yaml").read_text() == first
    assert "guest_os: linux" in (tmp_path / "other.yaml").read_text()
    assert "Saved to other.yaml" in capsys.readouterr().err


def test_declining_to_save_saves_nothing(terminal, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, ENTER, ENTER, "n")
    assert wizard() == 0
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_it_points_to_recommend(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["wizard"]) == 2
    err = capsys.readouterr().err
    assert "needs a terminal" in err and "deploy-advisor recommend FILE" in err


def test_ask_missing_needs_answers(terminal, capsys):
    assert wizard("--ask-missing") == 2
    assert "--ask-missing needs --answers FILE" in capsys.readouterr().err


def test_a_wrong_answers_file_is_reported_like_recommend_does(terminal, capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nneeds: {speed: warp}\n")
    assert wizard("--answers", str(bad)) == 1
    assert "'warp' is not a value of 'speed'" in capsys.readouterr().err


def test_a_broken_rule_set_stops_before_any_question(terminal, capsys, tmp_path):
    assert main(["wizard", "--rules", str(tmp_path)]) == 2
    assert "criteria.yaml" in capsys.readouterr().err


def test_a_save_file_in_no_folder_is_refused_before_any_question(terminal, capsys, tmp_path):
    assert wizard("--save", str(tmp_path / "nowhere" / "w.yaml")) == 2
    assert "there is no folder" in capsys.readouterr().err


def test_an_interactive_save_that_fails_asks_again(terminal, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "locked").mkdir()
    real_save = wizard_answers.save

    def save(path: str, text: str) -> None:  # a read-only folder, also when the tests run as root
        if path.startswith("locked"):
            raise PermissionError(13, "Permission denied")
        real_save(path, text)

    monkeypatch.setattr(wizard_answers, "save", save)
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, ENTER, ENTER)  # the four questions
    terminal.keys(ENTER, "\x15", "locked/w.yaml", ENTER)  # yes; Ctrl-U clears the suggested name
    terminal.keys(ENTER, "\x15", "w.yaml", ENTER)  # asked again: yes, another place
    assert wizard() == 0
    assert "cannot save to locked/w.yaml: Permission denied" in capsys.readouterr().err
    assert "name: my-workload\n" in (tmp_path / "w.yaml").read_text()  # the name offered and kept


def test_ctrl_c_when_asked_to_save_cancels_after_the_recommendation(terminal, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    terminal.keys(*NAMED, ENTER, SPACE, ENTER, DOWN, ENTER, ENTER, CTRL_C)  # packaged: Yes
    assert wizard() == 130
    out, err = capsys.readouterr()
    assert "Sources:" in out and err == "Cancelled\n"
    assert list(tmp_path.iterdir()) == []


def test_a_partial_save_keeps_no_preference_and_resuming_does_not_ask_it_again(terminal, capsys, tmp_path):
    saved = tmp_path / "half.yaml"
    terminal.keys(*NAMED, DOWN, DOWN, ENTER, SPACE, ENTER, CTRL_C)  # speed: no preference (from Normal); systems: Linux
    assert wizard("--save", str(saved)) == 130
    partial = saved.read_text()
    assert "\n# no-preference: speed\nname: half\nneeds:\n  systems: [linux]\n" in partial
    assert main(["recommend", "--rules", TINY, str(saved)]) == 0  # still an ordinary requirement file
    capsys.readouterr()

    before = len(terminal.text)
    terminal.keys(DOWN, ENTER, DOWN, ENTER)  # packaged: Yes, guest_os: Linux; nothing else is asked
    assert wizard("--answers", str(saved), "--ask-missing", "--save", str(saved)) == 0
    resumed = terminal.text[before:]
    assert "How fast must it be?" not in resumed and "Which systems must run?" not in resumed
    assert "Up to 2 questions" in resumed
    assert "needs:\n  guest_os: linux\n  systems: [linux]\n  packaged: 'yes'\n" in saved.read_text()


def test_resuming_asks_again_what_was_left_without_an_answer(terminal, capsys, tmp_path):
    saved = tmp_path / "half.yaml"
    terminal.keys(*NAMED, UP, ENTER, CTRL_C)  # speed: Extreme; cancelled at systems: nothing said about it
    assert wizard("--save", str(saved)) == 130
    assert "no-preference" not in saved.read_text()
    before = len(terminal.text)
    terminal.keys(CTRL_C)
    assert wizard("--answers", str(saved), "--ask-missing", "--save", str(saved)) == 130
    assert "[1/3] Which systems must run?" in terminal.text[before:]


def test_the_wizard_asks_the_name_and_a_description_and_uses_them(terminal, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    terminal.keys("\x15", ENTER)  # an empty name is refused (else what follows would land a prompt early)
    terminal.keys("Payments API", ENTER, "Card payments, two clouds.", ENTER)
    terminal.keys(UP, ENTER, SPACE, ENTER, ENTER, ENTER)  # speed: Extreme; systems: Linux
    terminal.keys(ENTER, ENTER)  # save: yes, to the file name offered from the workload's name
    assert wizard() == 0
    out, err = capsys.readouterr()
    assert out.startswith("\nPayments API: Bare metal") and "\n  Card payments, two clouds.\n" in out
    screen = terminal.text
    assert "Name of the workload: my-workload" in screen  # offered when nothing names it yet
    assert "? Description (optional, Enter for none): Card payments, two clouds." in screen
    saved = tmp_path / "payments-api.yaml"
    assert "Saved to payments-api.yaml" in err
    assert "\nname: Payments API\ndescription: Card payments, two clouds.\nneeds:\n" in saved.read_text()
    assert recommend(capsys, saved) == out.lstrip("\n")


def test_the_name_offered_comes_from_the_files_and_a_description_can_be_cleared(terminal, capsys, tmp_path):
    start = tmp_path / "start.yaml"
    start.write_text("name: Start\ndescription: From a file.\nneeds: {speed: slow_ok}\n")
    saved = tmp_path / "out.yaml"
    terminal.keys(ENTER, "\x15", ENTER, ENTER, ENTER, ENTER, ENTER)  # keep the name, clear the description
    assert wizard("--answers", str(start), "--save", str(saved)) == 0
    assert "Name of the workload: Start" in terminal.text
    text = saved.read_text()
    assert "\nname: Start\nneeds:\n  speed: slow_ok\n" in text and "description" not in text


@pytest.mark.parametrize("typed, problem", [("", "Type a name"), ("  ", "Type a name"), ("a\tb", "A name is one line"),
                                            ("Payments API", "")])
def test_what_a_name_may_be(typed, problem):
    assert (wizard_answers.name_problem(typed) or "").startswith(problem)
    assert bool(problem) == (not typed.strip() or not typed.isprintable())


@pytest.mark.parametrize("name, file", [("Payments API", "payments-api.yaml"), ("  ", "my-workload.yaml"),
                                        ("Café/Ledger v2", "café-ledger-v2.yaml")])
def test_the_file_name_offered_from_the_workload_name(name, file):
    assert wizard_answers.file_name_for(name) == file

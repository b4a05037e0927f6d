"""The only module that imports questionary: turns a :class:`Step` into a prompt, and asks the few
questions about saving.

Prompts run on prompt_toolkit's current app session, so tests drive them with a pipe input.
Ctrl-C is left to propagate as KeyboardInterrupt (``unsafe_ask``): the caller decides what it means.
"""
from __future__ import annotations

import contextlib
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import questionary
from prompt_toolkit import print_formatted_text
from prompt_toolkit.application import Application
from prompt_toolkit.application.current import create_app_session_from_tty, get_app_session
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.keys import Keys

from .answers import name_problem
from .flow import Step
from .questions import (BACK, NO_PREFERENCE, NO_PREFERENCE_HELP, NO_PREFERENCE_LABEL, Answer, Question,
                        checkbox_verdict)

STYLE = questionary.Style([
    ("qmark", "fg:#5f819d bold"),
    ("question", "bold"),
    ("answer", "fg:#ff9d00 bold"),
    ("instruction", "fg:#808080"),
    ("separator", "fg:#6c6c6c"),
])
SELECT_KEYS = "↑/↓ move, Enter chooses"
CHECKBOX_KEYS = "↑/↓ move, Space ticks, Enter confirms"
BACK_KEYS = ", ← goes back"


def ask(step: Step) -> Answer:
    """Ask one question; returns its answer, NO_PREFERENCE, or BACK. Ctrl-C raises KeyboardInterrupt."""
    reply = _ask_many(step) if step.question.many else _run(_select(step), step)
    if reply is BACK:
        # Said, because otherwise the transcript shows the earlier question twice, unexplained.
        say([("class:instruction", f"  ↩ back from question {step.number}")])
        return BACK
    answer = _answer(step.question, reply)
    _record(step, answer)
    return answer


def _run(prompt: Any, step: Step) -> Any:
    app = prompt.application
    if step.can_go_back:
        _add_back_keys(app)
    app.erase_when_done = True  # the live prompt goes; a one-line record of the answer stays (_record)
    return prompt.unsafe_ask()


def _ask_many(step: Step) -> Any:
    """A checkbox, asked again with the reason until its ticks are valid. (questionary's own
    `validate` shows the reason in a bottom toolbar: far from the list, and only on terminals that
    answer cursor-position requests.)"""
    ticked = _ticked(step.preselected)
    problem = ""
    while True:
        reply = _run(_checkbox(step, ticked, problem), step)
        verdict = True if reply is BACK else checkbox_verdict(reply)
        if verdict is True:
            return reply
        problem, ticked = verdict, reply


def _ticked(preselected: Answer | None) -> list[Any]:
    if preselected is NO_PREFERENCE:
        return [NO_PREFERENCE]
    return list(preselected) if isinstance(preselected, tuple) else []


def _select(step: Step) -> Any:
    question = step.question
    choices = [questionary.Choice(c.label, value=c.value, description=c.help or None) for c in question.choices]
    # Nothing known and no catalogue default: the cursor starts on 'no preference', never on the
    # first (often the most extreme) value, so pressing Enter through the wizard claims nothing.
    start = NO_PREFERENCE if step.preselected is None else step.preselected
    return questionary.select(_title(step), choices=[*choices, *_no_preference()], default=start,
                              instruction=_instruction(step, SELECT_KEYS), style=STYLE)


def _checkbox(step: Step, ticked: list[Any], problem: str) -> Any:
    choices = [questionary.Choice(c.label, value=c.value, checked=c.value in ticked, description=c.help or None)
               for c in step.question.choices]
    extra = _no_preference(checked=NO_PREFERENCE in ticked)
    message = _title(step) + "".join(f"\n  {line}" for line in _wrap(f"✗ {problem}" if problem else ""))
    return questionary.checkbox(message, choices=[*choices, *extra], instruction=_instruction(step, CHECKBOX_KEYS),
                                style=STYLE)


def _no_preference(checked: bool = False) -> list[Any]:
    choice = questionary.Choice(NO_PREFERENCE_LABEL, value=NO_PREFERENCE, checked=checked,
                                description=NO_PREFERENCE_HELP)
    return [questionary.Separator("─" * 30), choice]


def _title(step: Step) -> str:
    return f"[{step.number}/{step.total}] {step.question.message}"


def _instruction(step: Step, keys: str) -> str:
    """Help text and keys, under the question while it is asked (questionary hides it once answered)."""
    hint = f"({keys}{BACK_KEYS if step.can_go_back else ''}; Ctrl-C cancels)"
    return "".join(f"\n  {line}" for line in _wrap(step.question.help) + _wrap(hint))


def _wrap(text: str) -> list[str]:
    """Lines of text indented by two, to fit the terminal: a prompt cuts long lines, never wraps them."""
    width = max(get_app_session().output.get_size().columns - 3, 30)
    return textwrap.wrap(text, width)


def _add_back_keys(app: Application) -> None:
    """Back is a key, not a choice, so it works the same in a select and a checkbox (where a
    'Back' item could be ticked like an answer)."""
    keys = KeyBindings()

    @keys.add(Keys.Left, eager=True)
    @keys.add(Keys.Backspace, eager=True)
    def _back(event: Any) -> None:
        event.app.exit(result=BACK)

    # The prompt's own bindings end with a catch-all; an exact key match wins over it.
    app.key_bindings = merge_key_bindings([app.key_bindings, keys])


def _answer(question: Question, reply: Any) -> Answer:
    if not question.many:
        return reply
    if reply == [NO_PREFERENCE]:
        return NO_PREFERENCE
    return tuple(c.value for c in question.choices if c.value in reply)  # catalogue order, like the loader


def _record(step: Step, answer: Answer) -> None:
    say([("class:qmark", "?"), ("class:question", f" {_title(step)} "), ("class:answer", step.question.label(answer))])


def say(text: str | list[tuple[str, str]]) -> None:
    """Print to the terminal the prompts use (which is not stdout when stdout is redirected)."""
    print_formatted_text(FormattedText(text) if isinstance(text, list) else text, style=STYLE)


def ask_name(default: str) -> str:
    """The workload's name (Enter keeps the default); it heads the recommendation and the saved file."""
    text = questionary.text("Name of the workload:", default=default, style=STYLE,
                            validate=lambda typed: name_problem(typed) or True).unsafe_ask()
    return str(text).strip()


def ask_description(default: str) -> str:
    """An optional one-line description; Enter on an empty line means none."""
    text = questionary.text("Description (optional, Enter for none):", default=default, style=STYLE).unsafe_ask()
    return " ".join(str(text).split())


def confirm_save() -> bool:
    question = questionary.confirm("Save these answers as a requirement file?", default=True, style=STYLE)
    return bool(question.unsafe_ask())


def ask_path(default: str) -> str:
    text = questionary.path("Save to:", default=default, validate=_path_verdict, style=STYLE).unsafe_ask()
    return str(Path(str(text).strip()).expanduser())


def confirm_overwrite(path: str) -> bool:
    return bool(questionary.confirm(f"{path} exists. Replace it?", default=False, style=STYLE).unsafe_ask())


def _path_verdict(text: str) -> bool | str:
    path = Path(text.strip()).expanduser() if text.strip() else None
    if path is None:
        return "Type a file name, e.g. my-workload.yaml."
    if path.is_dir():
        return f"{text.strip()} is a folder; type a file name."
    if not path.parent.is_dir():
        return f"There is no folder {path.parent}."
    return True


@contextlib.contextmanager
def terminal_session() -> Iterator[None]:
    """Prompts on the terminal even when stdout is redirected (`wizard > result.txt`): the
    recommendation goes to the file, the conversation stays on screen."""
    if not sys.stdout.isatty() and sys.stderr.isatty():
        with create_app_session_from_tty():
            yield
    else:
        yield

"""The wizard's session, around the questions: where it starts (nothing, or a requirement file), the
recommendation at the end, the offer to save, and on Ctrl-C the answers kept (with --save) and the
command that resumes. The CLI command only reads the command line and turns the outcome into an exit code.

Prompts come from wizard/prompts.py (imported when a session runs: `recommend` need not load prompt_toolkit).
"""
from __future__ import annotations

import enum
import os
import shlex
import stat
import sys
from dataclasses import dataclass, replace
from typing import TextIO

from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.model import Catalogue
from deploy_advisor.engine.render.style import PLAIN, Style
from deploy_advisor.engine.render.text import render_result
from .answers import DEFAULT_NAME, Answers, file_name_for, load_answers, name_for, save_answers, workload
from .flow import Cancelled, Flow, walk
from .questions import NO_PREFERENCE_LABEL, questionnaire


class Outcome(enum.Enum):
    """How a session ended; the CLI maps each to its exit code."""

    DONE = "done"  # the recommendation was shown (and saved, if asked)
    SAVE_FAILED = "save-failed"  # --save FILE could not be written
    CANCELLED = "cancelled"  # Ctrl-C or Ctrl-D


@dataclass(frozen=True)
class Settings:
    """What the command line asked of the session."""

    answers: str | None = None  # a requirement file to start from
    ask_missing: bool = False  # ask only what that file leaves unanswered
    save: str | None = None  # save here without asking (also when cancelled)
    command: str = "deploy-advisor wizard"  # how the session was started, for the saved file's header
    style: Style = PLAIN  # the recommendation's width and colour: the terminal's, as `recommend` fits it


def start(settings: Settings, catalogue: Catalogue) -> tuple[Answers, Flow]:
    """Where the walk starts; raises InputError if the --answers file is wrong."""
    questions = questionnaire(catalogue)
    if not settings.answers:
        name = name_for(settings.save) if settings.save else DEFAULT_NAME
        return Answers(name), Flow.start(questions)
    loaded = load_answers(settings.answers, catalogue)
    return loaded, Flow.start(questions, loaded.needs, from_file=True, ask_missing=settings.ask_missing,
                              declined=loaded.no_preference)


def save_problem(path: str) -> str:
    """Why --save PATH cannot work, found before any question ('' if it can)."""
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        return "is a folder; name a file"
    if not os.path.isdir(folder):
        return f"there is no folder {folder}"
    from deploy_advisor.engine.files import write_problem

    return write_problem(path)  # a read-only file, a loop of links


def run(settings: Settings, advisor: Advisor, begun: tuple[Answers, Flow]) -> Outcome:
    """Ask, recommend, offer to save."""
    from . import prompts

    with prompts.terminal_session():
        return _interview(settings, advisor, begun)


def _interview(settings: Settings, advisor: Advisor, begun: tuple[Answers, Flow]) -> Outcome:
    from . import prompts

    base, flow = begun
    try:
        if not flow.done and not settings.ask_missing:  # resuming keeps the name the file has
            base = _named(base)
    except (KeyboardInterrupt, EOFError):
        return _cancelled(settings, _with_needs(base, flow), flow, advisor.catalogue)
    if not flow.done:
        total = flow.step().total
        prompts.say(f"Up to {total} question{'s' * (total != 1)} about the workload.\n"
                    f"Not sure? Every question can be answered \"{NO_PREFERENCE_LABEL}\".")
    try:
        flow = walk(flow, prompts.ask)
    except Cancelled as stop:
        return _cancelled(settings, _with_needs(base, stop.flow), stop.flow, advisor.catalogue)
    answers = _with_needs(base, flow)
    result = advisor.evaluate([workload(answers, advisor.catalogue)])[0]
    sys.stdout.write("\n" + render_result(result, advisor.ruleset, settings.style))
    sys.stdout.flush()
    if not sys.stdout.isatty():  # `wizard > result.txt`: the screen would otherwise end in silence
        prompts.say(f"\nThe recommendation went to {destination(sys.stdout)}.")
    try:
        return _offer_save(settings, answers, advisor.catalogue)
    except (KeyboardInterrupt, EOFError):  # Ctrl-C or Ctrl-D while asked where to save
        print("Cancelled", file=sys.stderr)
        return Outcome.CANCELLED


def _named(base: Answers) -> Answers:
    """Ask the workload's name and description, offering what is known (the --save file's name, the
    --answers file's)."""
    from . import prompts

    return replace(base, name=prompts.ask_name(base.name), description=prompts.ask_description(base.description))


def _with_needs(base: Answers, flow: Flow) -> Answers:
    return Answers(base.name, base.description, dict(flow.answers), flow.declined)


def _cancelled(settings: Settings, answers: Answers, flow: Flow, catalogue: Catalogue) -> Outcome:
    print("Cancelled", file=sys.stderr)
    if not settings.save:
        return Outcome.CANCELLED
    step = flow.step()
    try:
        save_answers(settings.save, answers, catalogue, command=settings.command,
                     cancelled_at=f"{step.number}/{step.total}")
    except OSError as error:
        print(f"deploy-advisor: cannot save to {settings.save}: {error.strerror or error}", file=sys.stderr)
        return Outcome.CANCELLED
    path = shlex.quote(settings.save)
    print(f"The answers so far are in {settings.save}. To go on:\n"
          f"  deploy-advisor wizard --answers {path} --ask-missing --save {path}", file=sys.stderr)
    return Outcome.CANCELLED


def _offer_save(settings: Settings, answers: Answers, catalogue: Catalogue) -> Outcome:
    """Save to --save, or where the person says; a failed interactive save asks again."""
    while True:
        path = settings.save or _choose_path(settings, answers.name)
        if not path:
            return Outcome.DONE
        try:
            save_answers(path, answers, catalogue, command=settings.command)
        except OSError as error:
            print(f"deploy-advisor: cannot save to {path}: {error.strerror or error}", file=sys.stderr)
            if settings.save:
                return Outcome.SAVE_FAILED
            continue
        print(f"\nSaved to {path}. To see this recommendation again:\n"
              f"  deploy-advisor recommend {shlex.quote(path)}", file=sys.stderr)
        return Outcome.DONE


def _choose_path(settings: Settings, name: str) -> str | None:
    from . import prompts

    if not prompts.confirm_save():
        return None
    path = prompts.ask_path(settings.answers or file_name_for(name))
    while os.path.exists(path) and not prompts.confirm_overwrite(path):
        path = prompts.ask_path(path)  # not replacing it: ask for another name rather than save nothing
    return path


def destination(stream: TextIO) -> str:
    """Where a redirected stream goes, for a person: its file (relative to here when below it), a pipe,
    or just 'standard output' when the system cannot say."""
    try:
        fd = stream.fileno()
        kind = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):  # not a real file (replaced, closed)
        return "standard output"
    if stat.S_ISFIFO(kind):
        return "standard output (a pipe)"
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")  # Linux names the file; elsewhere this fails
    except OSError:
        return "standard output"
    if not target.startswith("/"):
        return "standard output"
    relative = os.path.relpath(target)
    return relative if not relative.startswith("..") else target

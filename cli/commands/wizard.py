"""`deploy-advisor wizard`: ask about the workload in the terminal, then give the justified
recommendation, and offer to save the answers as a requirement file."""
from __future__ import annotations

import argparse
import os
import shlex
import sys

from .. import exitcodes
from . import HELP as _HELP
from ..engine.api import Advisor
from ..engine.errors import InputError
from ..engine.model import Catalogue
from ..engine.render.text import render_result
from ..wizard.answers import DEFAULT_NAME, Answers, load_answers, name_for, save_answers, workload
from ..wizard.flow import Ask, Cancelled, Flow, walk
from ..wizard.questions import NO_PREFERENCE_LABEL, questionnaire

HELP = _HELP["wizard"]
NO_TERMINAL = ("the wizard needs a terminal to ask its questions, and standard input is not one; "
               "write a requirement file (see examples/) and run 'deploy-advisor recommend FILE'")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="DIR", help="use the rule set in DIR instead of the shipped one")
    parser.add_argument("--answers", metavar="FILE",
                        help="start from this requirement file: its answers are preselected")
    parser.add_argument("--ask-missing", action="store_true",
                        help="with --answers: ask only the questions the file leaves unanswered")
    parser.add_argument("--save", metavar="FILE",
                        help="save the answers to FILE without asking (also when cancelled, to resume with --answers)")


def run(args: argparse.Namespace, ask: Ask | None = None) -> int:
    """``ask`` stands in for the terminal prompts (tests); by default they are questionary's."""
    if args.ask_missing and not args.answers:
        print("deploy-advisor: --ask-missing needs --answers FILE", file=sys.stderr)
        return exitcodes.USAGE
    if not has_terminal():
        print(f"deploy-advisor: {NO_TERMINAL}", file=sys.stderr)
        return exitcodes.USAGE
    problem = _unusable(args.save) if args.save else ""
    if problem:  # found now, not after fifteen questions
        print(f"deploy-advisor: --save {args.save}: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    advisor = Advisor(args.rules)  # a broken rule set stops here, before any question
    try:
        start = _start(args, advisor)
    except InputError as error:
        for problem in error.problems:
            print(f"deploy-advisor: {problem.format()}", file=sys.stderr)
        return exitcodes.INVALID
    from ..wizard import prompts  # here, not at the top: `recommend` need not load prompt_toolkit

    with prompts.terminal_session():
        return _interview(args, advisor, start, ask or prompts.ask)


def has_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _start(args: argparse.Namespace, advisor: Advisor) -> tuple[Answers, Flow]:
    questions = questionnaire(advisor.catalogue)
    if not args.answers:
        name = name_for(args.save) if args.save else DEFAULT_NAME
        return Answers(name), Flow.start(questions)
    loaded = load_answers(args.answers, advisor.catalogue)
    return loaded, Flow.start(questions, loaded.needs, from_file=True, ask_missing=args.ask_missing)


def _interview(args: argparse.Namespace, advisor: Advisor, start: tuple[Answers, Flow], ask: Ask) -> int:
    from ..wizard import prompts

    base, flow = start
    if not flow.done:
        total = flow.step().total
        prompts.say(f"Up to {total} question{'s' * (total != 1)} about the workload.\n"
                    f"Not sure? Every question can be answered \"{NO_PREFERENCE_LABEL}\".")
    try:
        flow = walk(flow, ask)
    except Cancelled as stop:
        return _cancelled(args, _with_needs(base, stop.flow), stop.flow, advisor.catalogue)
    answers = _with_needs(base, flow)
    result = advisor.evaluate([workload(answers, advisor.catalogue)])[0]
    sys.stdout.write("\n" + render_result(result, advisor.ruleset))
    sys.stdout.flush()
    try:
        return _offer_save(args, answers, advisor.catalogue)
    except (KeyboardInterrupt, EOFError):  # Ctrl-C or Ctrl-D while asked where to save
        print("Cancelled", file=sys.stderr)
        return exitcodes.INTERRUPTED


def _with_needs(base: Answers, flow: Flow) -> Answers:
    return Answers(base.name, base.description, dict(flow.answers))


def _cancelled(args: argparse.Namespace, answers: Answers, flow: Flow, catalogue: Catalogue) -> int:
    print("Cancelled", file=sys.stderr)
    if not args.save:
        return exitcodes.INTERRUPTED
    step = flow.step()
    try:
        save_answers(args.save, answers, catalogue, command=_command(args), cancelled_at=f"{step.number}/{step.total}")
    except OSError as error:
        print(f"deploy-advisor: cannot save to {args.save}: {error.strerror or error}", file=sys.stderr)
        return exitcodes.INTERRUPTED
    path = shlex.quote(args.save)
    print(f"The answers so far are in {args.save}. To go on:\n"
          f"  deploy-advisor wizard --answers {path} --ask-missing --save {path}", file=sys.stderr)
    return exitcodes.INTERRUPTED


def _unusable(path: str) -> str:
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        return "is a folder; name a file"
    if not os.path.isdir(folder):
        return f"there is no folder {folder}"
    from ..engine.files import write_problem

    return write_problem(path)  # a read-only file, a loop of links


def _offer_save(args: argparse.Namespace, answers: Answers, catalogue: Catalogue) -> int:
    """Save to --save, or where the person says; a failed interactive save asks again."""
    while True:
        path = args.save or _choose_path(args)
        if not path:
            return exitcodes.OK
        named = answers if answers.name != DEFAULT_NAME else Answers(name_for(path), answers.description, answers.needs)
        try:
            save_answers(path, named, catalogue, command=_command(args))
        except OSError as error:
            print(f"deploy-advisor: cannot save to {path}: {error.strerror or error}", file=sys.stderr)
            if args.save:
                return exitcodes.USAGE
            continue
        print(f"\nSaved to {path}. To see this recommendation again:\n"
              f"  deploy-advisor recommend {shlex.quote(path)}", file=sys.stderr)
        return exitcodes.OK


def _choose_path(args: argparse.Namespace) -> str | None:
    from ..wizard import prompts

    if not prompts.confirm_save():
        return None
    path = prompts.ask_path(args.answers or "my-workload.yaml")
    while os.path.exists(path) and not prompts.confirm_overwrite(path):
        path = prompts.ask_path(path)  # not replacing it: ask for another name rather than save nothing
    return path


def _command(args: argparse.Namespace) -> str:
    """How the file was made, as a command line (the options that shaped the answers)."""
    words = ["deploy-advisor", "wizard"]
    for option in ("rules", "answers"):
        if getattr(args, option):
            words += [f"--{option}", getattr(args, option)]
    if args.ask_missing:
        words.append("--ask-missing")
    return shlex.join(words)

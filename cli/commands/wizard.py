"""`deploy-advisor wizard`: ask about the workload in the terminal, then give the justified
recommendation, and offer to save the answers as a requirement file (the session is wizard/session.py)."""
from __future__ import annotations

import argparse
import shlex
import sys

from .. import exitcodes
from ..terminal import add_style_arguments, style_for
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.errors import InputError
from deploy_advisor.wizard.session import Outcome, Settings, run as run_session, save_problem, start

NO_TERMINAL = ("the wizard needs a terminal to ask its questions, and standard input is not one; "
               "write a requirement file (see examples/) and run 'deploy-advisor recommend FILE'")
EXIT = {Outcome.DONE: exitcodes.OK, Outcome.SAVE_FAILED: exitcodes.USAGE, Outcome.CANCELLED: exitcodes.INTERRUPTED}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="DIR", help="use the rule set in DIR instead of the shipped one")
    parser.add_argument("--answers", metavar="FILE",
                        help="start from this requirement file: its answers are preselected")
    parser.add_argument("--ask-missing", action="store_true",
                        help="with --answers: ask only the questions the file leaves unanswered")
    parser.add_argument("--save", metavar="FILE",
                        help="save the answers to FILE without asking (also when cancelled, to resume with --answers)")
    add_style_arguments(parser)  # the recommendation at the end fits the terminal, as recommend's does


def run(args: argparse.Namespace) -> int:
    if args.ask_missing and not args.answers:
        print("deploy-advisor: --ask-missing needs --answers FILE", file=sys.stderr)
        return exitcodes.USAGE
    if not has_terminal():
        print(f"deploy-advisor: {NO_TERMINAL}", file=sys.stderr)
        return exitcodes.USAGE
    problem = save_problem(args.save) if args.save else ""
    if problem:  # found now, not after fifteen questions
        print(f"deploy-advisor: --save {args.save}: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    settings = Settings(args.answers, args.ask_missing, args.save, _command(args), style_for(args, sys.stdout))
    advisor = Advisor(args.rules)  # a broken rule set stops here, before any question
    try:
        begun = start(settings, advisor.catalogue)
    except InputError as error:
        for problem in error.problems:
            print(f"deploy-advisor: {problem.format()}", file=sys.stderr)
        return exitcodes.INVALID
    return EXIT[run_session(settings, advisor, begun)]


def has_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _command(args: argparse.Namespace) -> str:
    """How the file was made, as a command line (the options that shaped the answers)."""
    words = ["deploy-advisor", "wizard"]
    for option in ("rules", "answers"):
        if getattr(args, option):
            words += [f"--{option}", getattr(args, option)]
    if args.ask_missing:
        words.append("--ask-missing")
    return shlex.join(words)

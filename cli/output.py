"""Standard output for the commands: write errors named (WriteFailed, exit 3), and a reader that
stops early (`| head`) ending the run quietly with the exit code earned so far."""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterable, Iterator

from deploy_advisor.engine.errors import Problem
from deploy_advisor.engine.streams import Guarded

STDOUT = "standard output"
PROGRAM = "deploy-advisor"


def say(line: str) -> None:
    """One line for the user on standard error, named after the program: how every command reports."""
    print(f"{PROGRAM}: {line}", file=sys.stderr)


def report_problems(problems: Iterable[Problem]) -> None:
    """Every problem, one line each: fixing them one run at a time is slow."""
    for problem in problems:
        say(problem.format())


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """sys.stdout, for the length of a command, as a stream whose write errors are WriteFailed."""
    original = sys.stdout
    sys.stdout = Guarded(original, STDOUT)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = original


def emit(text: str, code: int) -> int:
    """Write a command's whole output; ``code`` stays its exit code even when the reader has gone."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    return code


def quiet_stdout() -> None:
    """After a closed pipe (`| head`) or a failed write, point standard output at /dev/null so that
    Python's own flush at exit does not fail again (and turn the exit code into 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass

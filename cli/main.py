"""The command line: a thin layer of one function per subcommand over the Python API."""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Callable, Sequence

from . import __version__, exitcodes
from .engine.errors import AdvisorError

Command = Callable[[argparse.Namespace], int]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, only that command's arguments are set up (and imported)."""
    parser = argparse.ArgumentParser(
        prog="deploy-advisor",
        description="Recommend bare metal, a virtual machine or a container for a workload, with every reason and its source.",
        epilog=exitcodes.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import commands

    for name, help_text in commands.HELP.items():
        command = sub.add_parser(name, help=help_text, description=help_text, epilog=exitcodes.EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        if only in (None, name):
            commands.load(name).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see exitcodes)."""
    from . import commands

    words = list(sys.argv[1:] if argv is None else argv)
    chosen = next((w for w in words if w in commands.HELP), None)
    parser = build_parser(chosen)
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    previous = _on_sigterm()
    try:
        return commands.load(args.command).run(args)
    except AdvisorError as error:
        for problem in error.problems:
            print(f"deploy-advisor: {problem.format()}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("deploy-advisor: interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except _Terminated:
        print("deploy-advisor: terminated", file=sys.stderr)
        return exitcodes.TERMINATED
    except BrokenPipeError:
        _quiet_stdout()
        return exitcodes.OK
    finally:
        _restore_sigterm(previous)


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that cleanup (temporary files) runs."""


def _on_sigterm():
    def handler(signum, frame):  # noqa: ARG001
        raise _Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests calling main() from a thread)
        return None


def _restore_sigterm(previous) -> None:
    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except ValueError:
            pass


def _quiet_stdout() -> None:
    """After a closed pipe (`| head`), stop Python complaining while it flushes stdout at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

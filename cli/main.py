"""The command line: a thin layer of one function per subcommand over the Python API."""
from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from typing import Callable, Sequence

from . import __version__, exitcodes, helptext
from .terminal import HelpFormatter

Command = Callable[[argparse.Namespace], int]
ENTRY_GC_THRESHOLD = 20_000  # allocations between young-generation collections in a command's process (see entry)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, only that command is set up (and imported): ``""`` for
    every command without its options (the top-level ``--help`` lists the commands, it needs none of
    their options)."""
    parser = argparse.ArgumentParser(
        prog="deploy-advisor",
        description="Recommend bare metal, a virtual machine or a container for a workload, with every reason and its source.",
        epilog=helptext.epilog(None) + "\n" + exitcodes.EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import commands

    # A command named: only its parser is made (ten cost about 2 ms at every start); the others are
    # needed only to list the commands (--help) or to refuse an unknown one among them.
    for name in [only] if only else commands.HELP:
        help_text = commands.HELP[name]
        command = sub.add_parser(name, help=help_text, description=help_text, epilog=helptext.epilog(name),
                                 formatter_class=HelpFormatter)
        if only in (None, name):
            commands.load(name).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see exitcodes)."""
    from . import commands

    words = list(sys.argv[1:] if argv is None else argv)
    # the command is the first word that is not an option (the top level has only --help and --version)
    first = next((w for w in words if not w.startswith("-")), "")
    chosen = first if first in commands.HELP else ""
    parser = build_parser(chosen)  # no command named (--version, --help): no command module is imported
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help(sys.stderr)
        return exitcodes.USAGE
    # Only now: --version and --help have ended the run already, without paying for these imports.
    from deploy_advisor.engine.errors import AdvisorError
    from deploy_advisor.engine.streams import WriteFailed
    from .output import STDOUT, guarded_stdout, quiet_stdout, report_problems

    previous = _on_sigterm()
    try:
        with guarded_stdout():
            code = commands.load(args.command).run(args)
            sys.stdout.flush()  # a full disk may only show at the last flush: still our exit code
        return code
    except AdvisorError as error:
        report_problems(error.problems)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("deploy-advisor: interrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except _Terminated:
        print("deploy-advisor: terminated", file=sys.stderr)
        return exitcodes.TERMINATED
    except BrokenPipeError:  # the reader stopped (`| head`); commands that have a code to keep catch it
        quiet_stdout()
        return exitcodes.OK
    except WriteFailed as error:
        print(f"deploy-advisor: {error.line()}", file=sys.stderr)
        if error.filename == STDOUT:
            quiet_stdout()  # what is still buffered must not fail again at exit
        return exitcodes.WRITE_FAILED
    except Exception as error:  # noqa: BLE001 - a bug: one line, not a traceback, and its own exit code
        return _internal_error(error)
    finally:
        _restore_sigterm(previous)


def entry() -> int:
    """The installed command and ``python -m deploy_advisor``: :func:`main`, for a process that ends
    with it. Left alone, the interpreter's exit ends with a garbage collection over every object still
    alive (rule set, engine, each module's contents) only to free memory the process gives back anyway:
    about 15 ms of a 130 ms one-file ``recommend`` (best of 40 runs). gc.freeze() puts them out of its
    reach; the rest of the exit stays as it was (atexit handlers, flushing the standard streams,
    joining threads). Callers of main() in a process that goes on (tests) keep the collector as it is.

    The young generation is also collected less often: starting makes tens of thousands of objects
    that live to the end (modules, classes, the rule set) and hardly any cycles, and at the default
    threshold of 700 the collector ran about 30 times, three of them over everything, in a one-file
    ``recommend``: 6 to 10 ms of about 95."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], ENTRY_GC_THRESHOLD), *threshold[1:])
    code = main()
    gc.freeze()
    return code


def _internal_error(error: Exception) -> int:
    if os.environ.get(exitcodes.DEBUG_VARIABLE, "") not in ("", "0"):
        import traceback  # here: only a bug pays for it

        traceback.print_exception(error, file=sys.stderr)
    text = " ".join(str(error).split())  # one line, whatever the message holds
    print(f"deploy-advisor: internal error: {type(error).__name__}: {text} (a bug: please report it, with the "
          f"output of {exitcodes.DEBUG_VARIABLE}=1 and the same command)", file=sys.stderr)
    return exitcodes.INTERNAL


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

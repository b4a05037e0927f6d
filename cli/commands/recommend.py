"""`deploy-advisor recommend PATH...`: justified recommendations for any number of workloads."""
from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TextIO

from .. import exitcodes
from . import HELP as _HELP

if TYPE_CHECKING:
    from ..engine import batch
    from ..engine.progress import Progress
    from ..engine.render.formats import Writer

# Known here without importing the engine, so that parsing the command line (and --help) stays fast.
FORMATS = ("text", "json", "yaml", "markdown", "csv", "jsonl")
MAX_MAX_BYTES = 1 << 30  # --max-bytes bounds what is held in memory at once: more than 1 GiB is a mistake
MAX_FILE_BYTES = 1_000_000  # the default of --max-bytes: requirements.MAX_FILE_BYTES (a test keeps them equal)
STDIN = "-"

HELP = _HELP["recommend"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="requirement files, folders (searched for .yaml, .yml, .json, .jsonl), or '-' for standard input")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text",
                        help="text: a summary table (one workload: its justification); json: one array; yaml: one "
                             "document each; markdown: a table, then each justification; csv: one row each; "
                             "jsonl: one line each, as soon as it is ready (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write to FILE (all or nothing: through a temporary file renamed at the end)")
    parser.add_argument("--explain", action="store_true",
                        help="add what would change each answer and the near misses; text shows each justification")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="spread the work over N processes, 0 for one per core; the output is the same (default: 1)")
    parser.add_argument("--rules", metavar="DIR", help="use the rule set in DIR instead of the shipped one")
    parser.add_argument("--max-bytes", default=str(MAX_FILE_BYTES), metavar="N",
                        help=f"refuse input files (JSON Lines: lines) larger than N bytes, 1 to {MAX_MAX_BYTES} "
                             f"(default: {MAX_FILE_BYTES})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


def run(args: argparse.Namespace) -> int:
    from ..engine import batch

    problem = _usage_problem(args)
    if problem:
        print(f"deploy-advisor: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    options = batch.Options(args.rules, args.format, args.explain, args.max_bytes)
    context = batch.Context(options)  # a broken rule set stops here, before any output
    gc.freeze()  # the rule set and engine live to the end: keep the collector from rescanning them
    try:
        return _answer(args, context)
    finally:
        gc.unfreeze()


def _answer(args: argparse.Namespace, context: batch.Context) -> int:
    from ..engine import batch
    from ..engine.inputs import discover, units
    from ..engine.progress import Progress

    found = discover(args.paths)
    progress = Progress(sys.stderr, found.total_bytes, enabled=False if args.no_progress else None)
    totals = batch.Totals()
    jobs = args.jobs or batch.cores()
    with _output(args.output) as out:
        writer = context.format.writer(out)
        try:
            batch.run(context, units(found.units, args.max_bytes), _sink(writer, out, totals, progress), jobs)
        finally:
            progress.clear()
        writer.close()
    return exitcodes.INVALID if totals.failed else exitcodes.OK


def _sink(writer: Writer, out: TextIO, totals: batch.Totals, progress: Progress) -> Callable[[batch.Chunk], None]:
    """What the parent does with each task's chunk, in input order."""
    from ..engine.progress import is_terminal

    shares_terminal = is_terminal(out)  # the bar and the answers on one screen: erase the bar first

    def take(chunk: batch.Chunk) -> None:
        if chunk.messages or shares_terminal:
            progress.clear()
        for message in chunk.messages:
            print(message, file=sys.stderr)
        for piece in chunk.pieces:
            writer.add(piece)
        out.flush()  # JSON Lines and the other streaming formats: readers see answers as they come
        totals.answered += chunk.answered
        totals.failed += chunk.failed
        progress.advance(chunk.answered + chunk.failed, chunk.size)

    return take


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or FILE written whole or not at all."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    from ..engine.files import replaced_atomically

    with replaced_atomically(path) as out:
        yield out


def _usage_problem(args: argparse.Namespace) -> str:
    if args.jobs < 0:
        return "--jobs takes a number of processes, or 0 for one per core"
    max_bytes = _max_bytes(str(args.max_bytes))
    if max_bytes is None:
        return f"--max-bytes takes a positive number of bytes (a whole number up to {MAX_MAX_BYTES}), got '{args.max_bytes}'"
    args.max_bytes = max_bytes
    if args.paths.count(STDIN) > 1:
        return "'-' (standard input) can be named only once"
    if args.output is not None:
        target = Path(args.output)
        if target.is_dir():
            return f"cannot write {args.output}: it is a folder"
        if not target.parent.is_dir():
            return f"cannot write {args.output}: no folder {target.parent}"
    return ""



def _max_bytes(text: str) -> int | None:
    """The value of --max-bytes, or None when it is no whole number in range (1e11, -5, 10GB)."""
    text = text.strip()
    if not text.isdigit() or not text.isascii() or len(text) > 12:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_MAX_BYTES else None

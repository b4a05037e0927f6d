"""`deploy-advisor recommend PATH...`: justified recommendations for any number of workloads."""
from __future__ import annotations

import argparse
import contextlib
import gc
import os
import stat
import sys
from typing import TYPE_CHECKING, Callable, Iterator, TextIO

from .. import exitcodes
from ..terminal import add_style_arguments, style_for, usage_problem
from ..output import STDOUT, report_problems, say

if TYPE_CHECKING:
    from deploy_advisor.engine.batchio import batch
    from ..progress import Progress
    from deploy_advisor.engine.render.formats import Format, Writer

# Known here without importing the engine, so that parsing the command line (and --help) stays fast.
FORMATS = ("text", "json", "yaml", "markdown", "csv", "jsonl", "html")
MAX_MAX_BYTES = 1 << 30  # --max-bytes bounds what is held in memory at once: more than 1 GiB is a mistake
INPUT_FORMATS = ("yaml", "json", "jsonl", "csv", "tsv", "xlsx")
MAX_FILE_BYTES = 1_000_000  # the default of --max-bytes: requirements.MAX_FILE_BYTES (a test keeps them equal)
STDIN = "-"

STDIN_HINT = "reading requirements from standard input; end with Ctrl-D"
GC_THRESHOLD = 20_000  # allocations between young-generation collections during a batch (see run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="requirement files, spreadsheet inventories (.csv, .tsv, .xlsx: one row per workload), folders "
                             "(searched for all of these), or '-' for standard input")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", metavar="FORMAT",
                        help="text: a summary table (one workload: its justification); json: one array; yaml: one "
                             "document each; markdown: a table, then each justification; csv: one row each; "
                             "jsonl: one line each, as soon as it is ready; html: one self-contained report page "
                             "for the whole portfolio, best with -o FILE (default: text)")
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
    parser.add_argument("--input-format", choices=INPUT_FORMATS, metavar="FORMAT",
                        help="what standard input ('-') holds: yaml, json, jsonl, csv, tsv or xlsx (default: recognised "
                             "by its content: YAML, JSON or JSON Lines)")
    parser.add_argument("--map", metavar="MAPPING.yaml",
                        help="read spreadsheets through this mapping: which column is the name, which become labels, and "
                             "how a column's texts become a criterion's values (see docs/inventories.md)")
    parser.add_argument("--group-by", metavar="LABEL",
                        help="text and markdown: add counts per option and confidence for each value of this label")
    parser.add_argument("--assume", action="append", default=[], metavar="CRITERION=VALUE",
                        help="what if: re-assess every workload with this answer instead of its own, and report what "
                             "changes and why (several allowed; many values as os_families=linux;windows)")
    add_style_arguments(parser)


def job_count(asked: int) -> int:
    """The worker processes for ``--jobs``: 0 means one per core this process may use."""
    from deploy_advisor.engine.batchio import batch

    return asked or batch.cores()


def run(args: argparse.Namespace) -> int:
    from deploy_advisor.engine.batchio import batch

    problem = _usage_problem(args)
    if problem:
        say(problem)
        return exitcodes.USAGE
    style = style_for(args, sys.stdout if args.output is None else None)  # -o FILE: no screen
    options = batch.Options(args.rules, args.format, args.explain, args.max_bytes, style.width, style.color,
                            args.group_by)
    context = batch.Context(options)  # a broken rule set stops here, before any output
    if args.map is not None:  # a bad mapping stops here too (exit 2), with every problem at its line
        from deploy_advisor.engine.batchio.mapping import load_mapping

        args.mapping = load_mapping(args.map, context.advisor.catalogue)
    from ..progress import is_terminal

    if STDIN in args.paths and is_terminal(sys.stdin):  # otherwise it would wait in silence for typing
        print(f"deploy-advisor: {STDIN_HINT}", file=sys.stderr)
    if args.assume:
        return _what_if(args, context)
    gc.freeze()  # the rule set and engine live to the end: keep the collector from rescanning them
    # A workload makes a few dozen short-lived containers and no cycles, so the collector ran about ten
    # times per thousand workloads for nothing: 0.23 s of a 100k batch at the default 700, 0.04 s at this.
    threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        return _answer(args, context)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _answer(args: argparse.Namespace, context: batch.Context) -> int:
    from deploy_advisor.engine.batchio import batch
    from deploy_advisor.engine.batchio.inputs import discover, units
    from ..progress import Progress

    found = discover(args.paths)
    clash = _output_is_an_input(args.output, found.units)
    if clash:
        say(clash)
        return exitcodes.USAGE
    progress = Progress(sys.stderr, found.total_bytes, enabled=False if args.no_progress else None)
    totals = batch.Totals()
    jobs = job_count(args.jobs)
    try:
        with _output(args.output) as out:
            writer = context.format.writer(out)
            try:
                stream = units(found.units, args.max_bytes, None, args.input_format, getattr(args, "mapping", None))
                sink = _sink(writer, out, totals, progress, args.output or STDOUT)
                batch.run(context, stream, sink, jobs, _shared_output(out, context.format, jobs))
            finally:
                progress.clear()
            writer.close()
    except BrokenPipeError:  # the reader stopped (`| head`): the run ends, with the code earned so far
        from ..output import quiet_stdout

        quiet_stdout()
    return exitcodes.INVALID if totals.failed else exitcodes.OK


def _what_if(args: argparse.Namespace, context: batch.Context) -> int:
    """--assume: the whole portfolio as it is and under the assumptions; one report of what changes."""
    from deploy_advisor.engine.batchio.inputs import read_outcomes
    from deploy_advisor.engine.render.whatif import RENDER
    from deploy_advisor.engine.authoring.whatif import assess, parse_assumptions

    advisor = context.advisor
    assumptions = parse_assumptions(args.assume, advisor.catalogue)  # a bad one: exit 2, before any reading
    outcomes = read_outcomes(args.paths, advisor.catalogue, args.max_bytes, None, args.input_format,
                             getattr(args, "mapping", None))
    report = assess(advisor, outcomes, assumptions, on_error=lambda error: report_problems(error.problems))
    with _output(args.output) as out:
        out.write(RENDER[args.format](report))
    return exitcodes.INVALID if report.errors else exitcodes.OK


def _shared_output(out: TextIO, format: Format, jobs: int) -> int | None:
    """The output's descriptor when worker processes may write their answers to it themselves (see
    batch.Outlet): several processes, a format that is its answers and nothing else, bytes as they are,
    and not a terminal, where the progress bar shares the screen."""
    from deploy_advisor.engine.streams import shared_descriptor
    from ..progress import is_terminal

    if jobs <= 1 or not format.unframed or is_terminal(out):
        return None
    return shared_descriptor(out)


def _sink(writer: Writer, out: TextIO, totals: batch.Totals, progress: Progress,
          name: str) -> Callable[[batch.Chunk], None]:
    """What the parent does with each task's chunk, in input order."""
    from deploy_advisor.engine.streams import raise_write_error
    from ..progress import is_terminal

    shares_terminal = is_terminal(out)  # the bar and the answers on one screen: erase the bar first

    def take(chunk: batch.Chunk) -> None:
        if chunk.messages or shares_terminal:
            progress.clear()
        for message in chunk.messages:
            say(message)
        totals.answered += chunk.answered  # counted before writing: a closed pipe keeps the exit code
        totals.failed += chunk.failed
        if chunk.write_error is not None:  # a worker's own write of its answers (see batch.Outlet)
            raise_write_error(*chunk.write_error, name)
        writer.add_all(chunk.pieces)
        out.flush()  # JSON Lines and the other streaming formats: readers see answers as they come
        progress.advance(chunk.answered + chunk.failed, chunk.size)

    return take


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or FILE written whole or not at all."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    from deploy_advisor.engine.files import replaced_atomically

    with replaced_atomically(path) as out:
        yield out


def _usage_problem(args: argparse.Namespace) -> str:
    if usage_problem(args):
        return usage_problem(args)
    if args.jobs < 0:
        return "--jobs takes a number of processes, or 0 for one per core"
    max_bytes = _max_bytes(str(args.max_bytes))
    if max_bytes is None:
        return f"--max-bytes takes a positive number of bytes (a whole number up to {MAX_MAX_BYTES}), got '{args.max_bytes}'"
    args.max_bytes = max_bytes
    if args.input_format is not None and STDIN not in args.paths:
        return "--input-format says what standard input holds: name it as '-' (files are known by their suffix)"
    if args.paths.count(STDIN) > 1:
        return "'-' (standard input) can be named only once"
    if STDIN in args.paths and sys.stdin is None:
        return "'-' names standard input, but it is closed; give it a file (< FILE) or name the files"
    if args.output is not None:
        from deploy_advisor.engine.files import write_problem

        problem = write_problem(args.output)
        if problem:
            return f"cannot write {args.output}: {problem}"
    return ""


def _output_is_an_input(output: str | None, discovered: tuple[batch.Unit, ...]) -> str:
    """'-o' naming one of the inputs (the same file, by device and inode) would destroy it."""
    written = _file_id(output) if output is not None else None
    if written is None:
        return ""  # no -o, a new file, or something written straight through (/dev/stdout, a FIFO)
    from deploy_advisor.engine.batchio.inputs import FileUnit, StdinUnit

    for unit in discovered:
        if isinstance(unit, FileUnit) and _file_id(unit.path) == written:
            return f"cannot write {output}: it is the input {unit.name}; name another file"
        if isinstance(unit, StdinUnit) and _file_id(_stdin_descriptor()) == written:
            return f"cannot write {output}: it is standard input; name another file"
    return ""


def _file_id(path: str | int | None) -> tuple[int, int] | None:
    """(device, inode) of a regular file, following links; None for anything else."""
    if path is None:
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _stdin_descriptor() -> int | None:
    try:
        return sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # closed, or replaced by something with no descriptor
        return None


def _max_bytes(text: str) -> int | None:
    """The value of --max-bytes, or None when it is no whole number in range (1e11, -5, 10GB)."""
    text = text.strip()
    if not text.isdigit() or not text.isascii() or len(text) > 12:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_MAX_BYTES else None

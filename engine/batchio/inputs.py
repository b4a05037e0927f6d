"""Where workloads come from: paths (files, folders searched recursively, ``-`` for standard input)
turned into a stream of small, picklable *units* of work, then units into workloads.

* A folder is searched for ``.yaml``, ``.yml``, ``.json`` and ``.jsonl`` files, in sorted order, names
  starting with ``.`` skipped; a symbolic link back into a folder being searched, an unreadable
  folder and a link to nothing each become an error in their place, never a crash or an endless walk.
* JSON Lines (a ``.jsonl`` / ``.ndjson`` file, or standard input that looks like it) are read as a
  stream of lines in bounded memory: ``--max-bytes`` bounds each line, not the stream. Other files
  are read whole (bounded by ``--max-bytes``) and parsed where the work is done.
* Standard input is recognised by its content: JSON Lines when its first line is a JSON object on
  its own, JSON when the whole of it is a JSON document (or starts with ``[``), YAML otherwise.
* When standard input has nothing more to give for the moment, the stream says so (``FLUSH``), so that
  a slow producer sees the answers to what it has sent without waiting for a full batch.

Units are small typed records (``Unit``), cheap to send to another process; :func:`unit_outcomes` turns one into
workloads and errors in input order, exactly as the same unit would anywhere else.
"""
from __future__ import annotations

import json
import os
import select
import stat
import sys
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator, Union

from ..errors import InputError, Problem, Span
from ..files import read_at_most
from ..model import Catalogue
from ..records import NamedTuple
from ..requirements import MAX_FILE_BYTES, Outcome, checked_jsonl_line, fast_lines, parse_bytes, read_file, wide_encoding

if TYPE_CHECKING:
    from .mapping import Mapping
    from .spreadsheet import Table

SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".xlsx")
# Spreadsheet suffixes and what they hold, known here so that only spreadsheet inputs pay for
# importing spreadsheet.py (and the mapping, csv and zip readers behind it).
SPREADSHEET_KINDS = {".csv": "csv", ".tsv": "tsv", ".xlsx": "xlsx"}
STREAM_SUFFIXES = (".jsonl", ".ndjson")
STDIN = "-"
READ_SIZE = 1 << 20
BOM = b"\xef\xbb\xbf"


class _Flush:
    """Marker in a unit stream: the input has nothing more for now; answer what came so far."""

    def __repr__(self) -> str:
        return "FLUSH"


FLUSH = _Flush()

# Units: small typed records, picklable and cheap to send to another process (NamedTuples: they cost
# a fraction of a dataclass's creation time at start-up, and pickle as plain tuples).


class FileUnit(NamedTuple):
    """A whole file, read and parsed where the work is done."""

    path: str  # for opening
    name: str  # for messages and output (see display_name)


class StdinUnit(NamedTuple):
    """Standard input, as discovered: :func:`units` turns it into data or lines."""


class DataUnit(NamedTuple):
    """A whole document already read (standard input that is not JSON Lines)."""

    name: str
    kind: str  # "json" or "yaml"
    data: bytes


class LinesUnit(NamedTuple):
    """Consecutive JSON Lines, raw (decoded where they are parsed).

    Pickled (to a worker process, with --jobs) as one bytes object, the lines joined by ``b"\\n"``,
    and split again on arrival: 500 lines pickled one by one cost the reading process a memo entry
    and a Python step each, which made it the bottleneck of a run. In one process nothing is joined."""

    name: str
    first: int  # the line number of lines[0]
    lines: list[bytes | None]  # None: a line over --max-bytes; no line holds b"\n" (they were split at it)
    size: int  # bytes of input they stand for, for the progress bar

    def __reduce__(self) -> tuple:
        try:
            block = b"\n".join(self.lines)  # type: ignore[arg-type]  # a None raises TypeError
        except TypeError:  # a line over --max-bytes: the lines go as they are
            return LinesUnit, tuple(self)
        return _joined_lines, (self.name, self.first, block, len(self.lines), self.size)


def _joined_lines(name: str, first: int, block: bytes, count: int, size: int) -> LinesUnit:
    """A LinesUnit again, from its pickled form (see LinesUnit.__reduce__)."""
    lines = block.split(b"\n")
    if len(lines) != count:  # a line that held b"\n" (not one read by line_units): never answer it changed
        raise ValueError(f"{name}: {count} lines from line {first} came back as {len(lines)}")
    return LinesUnit(name, first, lines, size)  # type: ignore[arg-type]  # list[bytes] is a list[bytes | None]


class RowsUnit(NamedTuple):
    """Consecutive rows of a spreadsheet (see spreadsheet.py)."""

    name: str
    first: int  # the line (row) number of the first row
    rows: list[tuple[int, tuple | None]]  # (line, cells); cells None: a row over --max-bytes
    size: int
    table: "Table"  # the sheet's header, as resolved
    first_of_sheet: bool  # the first unit of its sheet: it reports the header's problems


class ErrorUnit(NamedTuple):
    """An input that cannot be read at all, reported in its place."""

    file: str
    line: int
    column: int
    code: str
    message: str
    hint: str = ""


Unit = Union[FileUnit, StdinUnit, DataUnit, LinesUnit, RowsUnit, ErrorUnit]
UnitOrFlush = Union[Unit, _Flush]


class Discovered(NamedTuple):
    """What the paths name: files to read (with their size, when known) and errors found on the way."""

    units: tuple[Unit, ...]
    total_bytes: int | None  # None when standard input is among the inputs


def error_unit(file: str, code: str, message: str, hint: str = "", line: int = 0, column: int = 0) -> ErrorUnit:
    return ErrorUnit(file, line, column, code, message, hint)


# --- paths -----------------------------------------------------------------------------------


def expand(paths: Iterable[str]) -> Iterator[tuple[str, Path | None, ErrorUnit | None]]:
    """Each input in order as (name, path, None), or (name, None, error unit); ``-`` as (STDIN, None, None).

    Names are for messages and output: a file name that is not UTF-8 is shown with escapes
    (``\\xff.yaml``), so that every output format can write it; paths are for opening."""
    for given in paths:
        if given == STDIN:
            yield STDIN, None, None
            continue
        path = Path(given)
        name = display_name(given)
        try:
            info = path.stat()
        except FileNotFoundError:
            missing = "a symbolic link to nothing" if path.is_symlink() else "no such file or folder"
            yield name, None, error_unit(name, "not-found", missing, "check the path")
            continue
        except OSError as exc:
            yield name, None, error_unit(name, "unreadable", f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(given, info)
        else:
            yield name, path, None  # a pipe or device named on purpose (``<(...)``) is read, bounded


def display_name(name: str) -> str:
    """A path as it can be written anywhere: bytes that are not UTF-8 (kept by Python as lone
    surrogates) become ``\\xff`` escapes."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


class _Folder(NamedTuple):
    """A folder being searched: its entries still to visit, and its (device, inode) and ancestors'."""

    name: str
    entries: Iterator[os.DirEntry]
    ancestors: frozenset[tuple[int, int]]


def _walk(root: str, info: os.stat_result) -> Iterator[tuple[str, Path | None, ErrorUnit | None]]:
    """A folder's files, depth first in name order, without recursion: each folder (by device and
    inode) and each file is visited once, however many links lead to it, so that link "diamonds"
    cannot multiply the work; a link back into a folder being searched is an error in its place."""
    seen_folders: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    key = (info.st_dev, info.st_ino)
    seen_folders.add(key)
    stack: list[_Folder] = []
    opened = _open_folder(root, frozenset((key,)) | _containing(root))
    if not isinstance(opened, _Folder):
        yield opened
        return
    stack.append(opened)
    while stack:
        folder = stack[-1]
        entry = next(folder.entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        child = os.path.join(folder.name, entry.name)
        name = display_name(child)
        try:
            target = os.stat(entry.path)  # follows symbolic links
        except FileNotFoundError:
            if Path(entry.name).suffix.lower() in SUFFIXES:
                yield name, None, error_unit(name, "not-found", "a symbolic link to nothing", "fix or remove the link")
            continue
        except OSError as exc:
            yield name, None, error_unit(name, "unreadable", f"cannot read: {exc.strerror or exc}")
            continue
        key = (target.st_dev, target.st_ino)
        if stat.S_ISDIR(target.st_mode):
            if key in folder.ancestors:
                yield name, None, error_unit(name, "symlink-loop", "a symbolic link back into a folder being searched",
                                             "it is skipped; remove the link or name the files")
            elif key not in seen_folders:
                seen_folders.add(key)
                opened = _open_folder(child, folder.ancestors | {key})
                if isinstance(opened, _Folder):
                    stack.append(opened)
                else:
                    yield opened
            continue
        if Path(entry.name).suffix.lower() not in SUFFIXES or key in seen_files:
            continue
        seen_files.add(key)
        if not stat.S_ISREG(target.st_mode):  # a pipe would block the run, a device never end
            yield name, None, error_unit(name, "not-a-regular-file", "not a regular file (a pipe, a device or a socket)",
                                         "it is skipped; name it on its own to read it")
            continue
        yield name, Path(entry.path), None


def _containing(root: str) -> frozenset[tuple[int, int]]:
    """(device, inode) of every folder that holds ``root``: a link to one of them (to ``/``, say)
    would walk into ``root`` again, and the whole disk on the way."""
    keys = set()
    for parent in Path(root).resolve().parents:
        try:
            info = parent.stat()
        except OSError:
            continue
        keys.add((info.st_dev, info.st_ino))
    return frozenset(keys)


def _open_folder(name: str, ancestors: frozenset[tuple[int, int]]) -> _Folder | tuple[str, None, ErrorUnit]:
    try:
        with os.scandir(name) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError as exc:
        shown = display_name(name)
        return shown, None, error_unit(shown, "unreadable", f"cannot read the folder: {exc.strerror or exc}",
                                       "check the folder's permissions")
    return _Folder(name, iter(entries), ancestors)


def discover(paths: Iterable[str]) -> Discovered:
    """Every input the paths name, in order (folders expanded), and their total size when known."""
    units: list[Unit] = []
    total: int | None = 0
    for name, path, error in expand(paths):
        if error is not None:
            units.append(error)
        elif path is None:
            units.append(StdinUnit())
            total = None
        else:
            units.append(FileUnit(str(path), name))
            total = _add_size(total, path)
    return Discovered(tuple(units), total)


def _add_size(total: int | None, path: Path) -> int | None:
    if total is None:
        return None
    try:
        return total + path.stat().st_size
    except OSError:
        return total


# --- from discovered inputs to units of work --------------------------------------------------


def units(discovered: Iterable[Unit], max_bytes: int = MAX_FILE_BYTES, stdin: BinaryIO | None = None,
          input_format: str | None = None, mapping: "Mapping | None" = None) -> Iterator[UnitOrFlush]:
    """The work: whole files stay one unit each (read where they are parsed); JSON Lines files,
    spreadsheets (see spreadsheet.py) and standard input are split into units of lines or rows as
    they are read. ``input_format`` says what standard input holds instead of sniffing it."""
    for unit in discovered:
        if isinstance(unit, FileUnit):
            yield from _file_units(unit, max_bytes, mapping)
        elif isinstance(unit, StdinUnit) and input_format in SPREADSHEET_KINDS.values():
            from . import spreadsheet

            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from spreadsheet.stream_units(stream, STDIN, input_format, max_bytes, mapping)
        elif isinstance(unit, StdinUnit):
            yield from stdin_units(stdin if stdin is not None else sys.stdin.buffer, max_bytes, input_format)
        else:
            yield unit


def _file_units(unit: FileUnit, max_bytes: int, mapping: "Mapping | None") -> Iterator[UnitOrFlush]:
    """A spreadsheet or JSON Lines file split into units as it is read; any other file stays one unit."""
    suffix = Path(unit.name).suffix.lower()
    if suffix in SPREADSHEET_KINDS:
        from . import spreadsheet

        yield from spreadsheet.file_units(unit.path, unit.name, SPREADSHEET_KINDS[suffix], max_bytes, mapping)
    elif suffix in STREAM_SUFFIXES:
        yield from _jsonl_file(unit.path, unit.name, max_bytes)
    else:
        yield unit


def _jsonl_file(path: str, name: str, max_bytes: int) -> Iterator[UnitOrFlush]:
    try:
        stream = open(path, "rb")
    except OSError as exc:
        yield error_unit(name, "not-found" if isinstance(exc, FileNotFoundError) else "unreadable",
                         f"cannot read: {exc.strerror or exc}", "check the path")
        return
    with stream:
        yield from line_units(stream, name, max_bytes, interactive=False)


def stdin_units(stream: BinaryIO, max_bytes: int, input_format: str | None = None) -> Iterator[UnitOrFlush]:
    """Standard input, recognised by its content (see the module docstring) unless ``input_format`` says."""
    head = _read_some(stream)
    kind = "jsonl" if input_format == "jsonl" else sniff(head) if input_format is None else "document"
    if kind == "jsonl":
        yield from line_units(stream, STDIN, max_bytes, head=head, interactive=True)
        return
    data = head + _read_rest(stream, max_bytes + 1 - len(head))
    if len(data) > max_bytes:
        yield error_unit(STDIN, "too-large", f"standard input is over the limit of {max_bytes} bytes",
                         "raise it with --max-bytes, or send JSON Lines, which are read as a stream")
        return
    yield DataUnit(STDIN, input_format if input_format in ("json", "yaml") else document_kind(data), data)


def sniff(head: bytes) -> str:
    """``jsonl`` when the first line is a JSON object on its own, else ``document`` (JSON or YAML)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"{"):
        return "document"
    try:
        value = json.loads(text.partition(b"\n")[0])
    except ValueError:
        return "document"
    return "jsonl" if isinstance(value, dict) else "document"


def document_kind(data: bytes) -> str:
    """``json`` for a JSON document (one workload, or an array of them), else ``yaml``."""
    try:
        json.loads(data)
    except ValueError:
        return "json" if data.lstrip(b"\xef\xbb\xbf").lstrip().startswith(b"[") else "yaml"
    return "json"


def _read_some(stream: BinaryIO) -> bytes:
    """At least the first line (or everything, if shorter), so that sniffing sees it whole."""
    data = b""
    while b"\n" not in data and len(data) < READ_SIZE:
        more = _read1(stream)
        if not more:
            break
        data += more
    return data


def _read1(stream: BinaryIO) -> bytes:
    read1 = getattr(stream, "read1", None)
    return read1(READ_SIZE) if read1 is not None else stream.read(READ_SIZE)


def _read_rest(stream: BinaryIO, limit: int) -> bytes:
    return read_at_most(stream, limit)  # a chunk at a time: read(limit) would allocate all of limit at once


def line_units(stream: BinaryIO, name: str, max_bytes: int, head: bytes = b"", interactive: bool = False,
               lines_per_unit: int = 500) -> Iterator[UnitOrFlush]:
    """Units of up to ``lines_per_unit`` raw lines (decoded where they are parsed: the reading
    process does as little as it can); a line longer than ``max_bytes`` becomes None (an error
    where it is parsed). ``interactive`` streams say FLUSH when they would block.

    The work is done a read (a megabyte) at a time, never a line at a time: with several processes
    this reading process is the one all others wait on, and a Python step per line, with each line
    then pickled on its own, was most of its work (per line read and pickled, half the CPU time)."""
    batch: list[bytes | None] = []  # lines read, not yet in a unit
    clean = True  # no None in batch
    first = 1
    for read in _line_lists(stream, max_bytes, head, interactive):
        if isinstance(read, _Flush):
            if batch:
                yield _unit(name, first, batch, clean, max_bytes)
                first, batch, clean = first + len(batch), [], True
            yield FLUSH
            continue
        if batch:
            batch += read.lines
        else:
            batch = read.lines
        clean = clean and read.clean
        if len(batch) >= lines_per_unit:
            whole = len(batch) - len(batch) % lines_per_unit
            for start in range(0, whole, lines_per_unit):
                yield _unit(name, first, batch[start:start + lines_per_unit], clean, max_bytes)
                first += lines_per_unit
            batch = batch[whole:]
            clean = clean or None not in batch
    if batch:
        yield _unit(name, first, batch, clean, max_bytes)


def _unit(name: str, first: int, lines: list[bytes | None], clean: bool, max_bytes: int) -> LinesUnit:
    """A unit of lines; ``clean`` says none is None. Its size counts each line and its line break, and
    ``max_bytes`` for a line over it (its bytes were never kept)."""
    if clean or None not in lines:
        return LinesUnit(name, first, lines, sum(map(len, lines)) + len(lines))  # type: ignore[arg-type]  # no None
    return LinesUnit(name, first, lines, sum(len(line) + 1 if line is not None else max_bytes for line in lines))


class _Read(NamedTuple):
    """The complete lines one read of the stream brought (None: a line over max_bytes)."""

    lines: list[bytes | None]
    clean: bool  # no None among them


def _line_lists(stream: BinaryIO, max_bytes: int, head: bytes, interactive: bool) -> Iterator[_Read | _Flush]:
    """The complete lines of each read (a line cut by a read ends in the next one), and FLUSH when the
    stream would block. A line longer than max_bytes is None, its bytes dropped as they come."""
    pending = b""  # the start of a line the reads so far have not ended
    too_long = False  # the line being read is already over max_bytes (pending holds the rest read since)
    chunk = head.removeprefix(BOM)  # a byte order mark counts only at the very start
    at_start = not head
    while True:
        if not chunk:
            chunk = _read1(stream)
            if not chunk:
                if pending or too_long:
                    last: bytes | None = None if too_long or len(pending) > max_bytes else pending
                    yield _Read([last], last is not None)
                return
            if at_start:
                chunk, at_start = chunk.removeprefix(BOM), False
        read = len(pending) + len(chunk)
        complete: list[bytes | None] = chunk.split(b"\n")  # type: ignore[assignment]  # all bytes, for now
        if pending:  # not pending + chunk: that copied every read once more
            complete[0] = pending + complete[0]  # type: ignore[operator]
        pending = complete.pop()  # type: ignore[assignment]  # the line not ended yet (b"" after a b"\n")
        chunk = b""
        if complete:
            # a line is no longer than all that was read: small reads need no measuring at all
            if too_long or (read > max_bytes and max(map(len, complete)) > max_bytes):  # type: ignore[arg-type]
                complete = [None if len(line) > max_bytes else line for line in complete]  # type: ignore[arg-type]
                if too_long:
                    complete[0], too_long = None, False
                yield _Read(complete, False)
            else:
                yield _Read(complete, True)
        if len(pending) > max_bytes:  # keep memory bounded: the rest of this line is dropped
            pending, too_long = b"", True
        if interactive and _would_block(stream):
            yield FLUSH


def _would_block(stream: BinaryIO) -> bool:
    try:
        ready, _, _ = select.select([stream.fileno()], [], [], 0)
    except (OSError, ValueError, AttributeError, TypeError):  # not a real file (tests), or no select
        return False
    return not ready


# --- units to workloads ----------------------------------------------------------------------


def unit_outcomes(unit: Unit, catalogue: Catalogue, max_bytes: int = MAX_FILE_BYTES) -> list[Outcome]:
    """The workloads and errors one unit holds, in order."""
    if isinstance(unit, FileUnit):
        return read_file(Path(unit.path), unit.name, catalogue, max_bytes)
    if isinstance(unit, DataUnit):
        return parse_bytes(unit.data, unit.name, unit.kind, catalogue, max_bytes)
    if isinstance(unit, LinesUnit):
        return _line_outcomes(unit, catalogue, max_bytes)
    if isinstance(unit, RowsUnit):
        from .spreadsheet import row_outcomes

        return row_outcomes(unit, catalogue, max_bytes)
    if isinstance(unit, ErrorUnit):
        return [InputError([Problem(Span(unit.file, unit.line, unit.column), unit.code, unit.message, unit.hint)])]
    raise ValueError(f"not a unit: {unit!r}")


def _line_outcomes(unit: LinesUnit, catalogue: Catalogue, max_bytes: int) -> list[Outcome]:
    name, first, lines = unit.name, unit.first, unit.lines
    stem = Path(name).stem if name != STDIN else "stdin"
    fast = fast_lines(lines, first, name, stem, catalogue)
    if None not in fast:  # every line read fast: the common unit
        return fast  # type: ignore[return-value]  # no None in it
    out: list[Outcome] = []
    for number, raw, workload in zip(count(first), lines, fast):
        if workload is not None:
            out.append(workload)
        elif raw is None:
            out.append(_line_error(name, number, "too-large", f"line is over the limit of {max_bytes} bytes",
                                   "raise it with --max-bytes if the line is genuine"))
        else:
            outcome = _refused_line(raw, number, name, stem, catalogue)
            if outcome is not None:
                out.append(outcome)
    return out


def _refused_line(raw: bytes, number: int, name: str, stem: str, catalogue: Catalogue) -> Outcome | None:
    """A line the fast reader refused, read the checked way; None for a line that holds nothing."""
    if b"\x00" in raw:  # UTF-16 or UTF-32 cut at b"\n": each line is that text, with a NUL left over
        wide = wide_encoding(raw)
        if wide:
            return _line_error(name, number, "not-utf8", f"{wide} text, not UTF-8", "save the file as UTF-8")
        if not raw.strip(b"\x00\r\t "):
            return None  # what is left of the last line break of such a file
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _line_error(name, number, "not-utf8", "not UTF-8 text", "save the file as UTF-8")
    if not line or line.isspace():  # blank lines are skipped (not stripped: a copy of every line)
        return None
    return checked_jsonl_line(line, number, name, stem, catalogue)


def _line_error(name: str, number: int, code: str, message: str, hint: str) -> InputError:
    return InputError([Problem(Span(name, number, 1), code, message, hint)])


def read_outcomes(paths: Iterable[str], catalogue: Catalogue, max_bytes: int = MAX_FILE_BYTES,
                  stdin: BinaryIO | None = None, input_format: str | None = None,
                  mapping: "Mapping | None" = None) -> Iterator[Outcome]:
    """Every workload and error the paths hold, in order, streaming (the Python API's entry point)."""
    for unit in units(discover(paths).units, max_bytes, stdin, input_format, mapping):
        if not isinstance(unit, _Flush):
            yield from unit_outcomes(unit, catalogue, max_bytes)



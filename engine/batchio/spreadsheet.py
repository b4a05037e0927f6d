"""Spreadsheet inventories: CSV, TSV and XLSX files, one row per workload.

The first non-blank row is the header: ``name``, an optional ``description``, ``label:KEY`` columns
(labels, never criteria) and criterion ids, in any order and any case. A cell of a many-value
criterion lists its values separated by ``;``; an empty cell leaves the criterion unanswered. With
a mapping (``--map``, see mapping.py) the header is a foreign export's, and the mapping says which
columns to read and how their texts become values; other columns are ignored.

The file is read where the input is read (the parent process), in units of rows; rows become
workloads where they are evaluated, each row on its own: a bad cell costs its row an error naming
the file, the row and the column (for XLSX the sheet and cell, ``Sheet1!C7``), never the others.
Cells are only ever text: a cell that looks like a formula is text, and XLSX formulas are read as
the value last saved with them, never evaluated.
"""
from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from ..errors import Collector, InputError, Problem, Span, did_you_mean
from .inputs import SPREADSHEET_KINDS as KINDS  # one list of spreadsheet suffixes, read without this module
from .inputs import ErrorUnit, RowsUnit, error_unit
from ..labels import KEY_HINT, LABEL_KEY, label_value
from .mapping import NO_MATCH, ColumnRule, Mapping, header_key, translate
from ..model import Catalogue, Criterion
from ..records import NamedTuple
from ..requirements import _YES_NO, Outcome, Source, Workload, check_needs
from ..tree import Node

SUFFIXES = tuple(KINDS)
ROWS_PER_UNIT = 500
EXPANDED_PER_BYTE_LIMIT = 256  # an XLSX may unzip to 256 times --max-bytes (256 MB by default)
LABEL_PREFIXES = ("label:", "labels.")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes kept by surrogateescape


def kind_of(name: str) -> str | None:
    return KINDS.get(Path(name).suffix.lower())


@dataclass(frozen=True)
class Table:
    """What every row of one sheet shares: its header and how to read it."""

    kind: str  # csv | tsv | xlsx
    sheet: str  # the XLSX sheet's name; "" for CSV and TSV
    header: tuple[str, ...]
    header_line: int
    mapping: Mapping | None = None


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str
    role: str  # name | description | label | criterion
    key: str = ""  # the label's name or the criterion's id
    rule: ColumnRule | None = None


# --- reading: files and standard input to units of rows ---------------------------------------


def file_units(path: str, name: str, kind: str, max_bytes: int, mapping: Mapping | None) -> Iterator[RowsUnit | ErrorUnit]:
    if kind == "xlsx":
        yield from _batched(name, _xlsx_records(path, name, mapping, max_bytes), kind, max_bytes, mapping)
        return
    try:
        # surrogateescape: a byte that is not UTF-8 is kept, and reported at its own cell (see row_outcome)
        stream = open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        yield error_unit(name, "not-found" if isinstance(exc, FileNotFoundError) else "unreadable",
                          f"cannot read: {exc.strerror or exc}", "check the path")
        return
    with stream:
        yield from _batched(name, _csv_records(stream, name, kind), kind, max_bytes, mapping)


def stream_units(stream: BinaryIO, name: str, kind: str, max_bytes: int,
                 mapping: Mapping | None) -> Iterator[RowsUnit | ErrorUnit]:
    """Standard input read as ``kind`` (``--input-format``)."""
    if kind == "xlsx":
        limit = max_bytes * EXPANDED_PER_BYTE_LIMIT
        data = stream.read(limit + 1) or b""
        if len(data) > limit:
            yield error_unit(name, "too-large", f"the workbook is over {limit} bytes", "raise --max-bytes")
            return
        yield from _batched(name, _xlsx_records(data, name, mapping, max_bytes), kind, max_bytes, mapping)
        return
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    yield from _batched(name, _csv_records(text, name, kind), kind, max_bytes, mapping)


def _csv_records(stream: Iterable[str], name: str, kind: str) -> Iterator[tuple]:
    """(line where the record starts, cells), or an error unit, which ends the file."""
    reader = csv.reader(stream, delimiter="\t" if kind == "tsv" else ",")
    start = 1
    try:
        for record in reader:
            yield start, tuple(record)
            start = reader.line_num + 1
    except csv.Error as exc:
        yield error_unit(name, "csv-syntax", f"not valid {kind.upper()}: {exc}",
                          "fix the quoting at that line; the rows before it were read", reader.line_num or 1, 1)


def _xlsx_records(source: str | bytes, name: str, mapping: Mapping | None, max_bytes: int) -> Iterator[tuple]:
    from .xlsx import XlsxError, read_sheet  # here: only XLSX inputs pay for loading the reader

    try:
        sheet = read_sheet(source, mapping.sheet if mapping else None, max_bytes * EXPANDED_PER_BYTE_LIMIT)
    except XlsxError as exc:
        yield error_unit(name, "xlsx-unreadable", str(exc), "save it from a spreadsheet as .xlsx, or export CSV")
        return
    except OSError as exc:
        yield error_unit(name, "unreadable", f"cannot read: {exc.strerror or exc}", "check the path")
        return
    yield ("sheet", sheet.name)
    for number, row in enumerate(sheet.rows, start=1):
        yield number, tuple(row)


def _batched(name: str, records: Iterator[tuple], kind: str, max_bytes: int,
             mapping: Mapping | None) -> Iterator[RowsUnit | ErrorUnit]:
    """Units of up to ROWS_PER_UNIT rows (inputs.RowsUnit), or the error unit that ends the file."""
    table: Table | None = None
    sheet = ""
    batch: list[tuple[int, tuple | None]] = []
    size = 0
    first = True
    failed = False
    for record in records:
        if isinstance(record, ErrorUnit):
            yield record
            failed = True
            continue
        if record[0] == "sheet":
            sheet = record[1]
            continue
        line, cells = record
        if not any(cell_text(c) for c in cells):
            continue
        if table is None:
            table = Table(kind, sheet, tuple(cell_text(c) for c in cells), line, mapping)
            continue
        batch.append((line, cells if _row_size(cells) <= max_bytes else None))
        size += min(_row_size(cells), max_bytes) + 1
        if len(batch) >= ROWS_PER_UNIT:
            yield RowsUnit(name, batch[0][0], batch, size, table, first)
            batch, size, first = [], 0, False
    if table is None and not failed:
        yield error_unit(name, "empty", "the spreadsheet has no header row",
                          "write a header: name, then criterion ids (see docs/inventories.md)")
    elif table is not None and (batch or first):
        yield RowsUnit(name, batch[0][0] if batch else table.header_line, batch, size, table, first)


def _row_size(cells: tuple) -> int:
    return sum(len(c) if isinstance(c, str) else 8 for c in cells)



# --- rows to workloads -----------------------------------------------------------------------


def row_outcomes(unit: RowsUnit, catalogue: Catalogue, max_bytes: int) -> list[Outcome]:
    """The workloads and errors of one unit of rows, in order (header problems first, once per sheet)."""
    name, rows, table, first = unit.name, unit.rows, unit.table, unit.first_of_sheet
    columns, header_problems = resolve_header(table, name, catalogue)
    out: list[Outcome] = []
    if first and header_problems:
        out.append(InputError(header_problems))
    if first and not rows:
        out.append(InputError([Problem(Span(name, table.header_line, 1), "empty", "the spreadsheet has a header but no rows",
                                       "add one row per workload under the header")]))
    stem = Path(name).stem if name != "-" else "stdin"
    plan = _plan(columns, catalogue)
    for line, cells in rows:
        if cells is None:
            out.append(InputError([Problem(Span(name, line, 1), "too-large", f"row is over the limit of {max_bytes} bytes",
                                           "raise it with --max-bytes if the row is genuine")]))
            continue
        out.append(_fast_row(name, line, cells, columns, plan, stem)
                   or row_outcome(name, line, cells, table, columns, catalogue, stem))
    return out


class _Planned(NamedTuple):
    """A criterion column, worked out once per unit of rows for the fast path."""

    index: int
    criterion: str
    many: bool
    values: tuple[str, ...]  # in catalogue order
    words: dict[str, str]  # casefolded text (value ids, and yes/no synonyms) -> value id
    rule: ColumnRule | None
    order: int  # the criterion's place in the catalogue


def _plan(columns: tuple[Column, ...], catalogue: Catalogue) -> tuple[_Planned, ...]:
    order = {cid: i for i, cid in enumerate(catalogue.ids)}
    out = []
    for column in columns:
        if column.role != "criterion":
            continue
        criterion = catalogue[column.key]
        words = {v.casefold(): v for v in criterion.value_ids}
        if "yes" in words and "no" in words:
            words.update({k: v for k, v in _YES_NO.items() if k not in words})
        out.append(_Planned(column.index, criterion.id, criterion.many, criterion.value_ids, words, column.rule,
                            order[criterion.id]))
    return tuple(sorted(out, key=lambda p: p.order))


def _fast_row(name: str, line: int, cells: tuple, columns: tuple[Column, ...], plan: tuple[_Planned, ...],
              stem: str) -> Workload | None:
    """The common, valid row without building a tree; None sends it to the checked path (row_outcome)."""
    needs = []
    for p in plan:
        text = cell_text(cells[p.index]) if p.index < len(cells) else ""
        if not text:
            continue
        if p.rule is not None:
            found = translate(p.rule, text)
            if found is NO_MATCH:
                return None
            if found is None:
                continue
            values = list(found)  # type: ignore[arg-type]
        else:
            values = [p.words.get(part.strip().casefold()) for part in text.split(";") if part.strip()]
            if not values or None in values:
                return None
        if len(set(values)) != len(values) or (not p.many and len(values) != 1):
            return None
        needs.append((p.criterion, tuple(v for v in p.values if v in values) if p.many else values[0]))
    workload_name = description = ""
    labels = []
    for column in columns:
        if column.role == "criterion":
            continue
        text = cell_text(cells[column.index]) if column.index < len(cells) else ""
        if not text:
            continue
        if column.role == "name":
            workload_name = " ".join(text.split())
        elif column.role == "description":
            description = text
        else:
            labels.append((column.key, label_value(text) or text))
    if any(_NOT_UTF8.search(c) for c in cells if isinstance(c, str)):
        return None
    return Workload(workload_name or f"{stem}-{line}", tuple(needs), Source(name, line, line), description, tuple(labels))


def resolve_header(table: Table, name: str, catalogue: Catalogue) -> tuple[tuple[Column, ...], list[Problem]]:
    """What each column holds, and the header's problems (a column of a header problem is not read)."""
    problems = Collector()
    positions: dict[str, int] = {}
    for index, header in enumerate(table.header):
        key = header_key(header)
        if not key:
            continue
        if key in positions:
            problems.add(_span(name, table.header_line, index), "duplicate-column",
                         _at(table, table.header_line, index, header) + "the header names this column twice",
                         "rename or remove one of them; only the first is read")
            continue
        positions[key] = index
    if table.mapping is not None:
        columns = _mapped_columns(table, name, positions, problems)
    else:
        columns = _native_columns(table, name, positions, catalogue, problems)
    return tuple(sorted(columns, key=lambda c: c.index)), problems.problems


def _native_columns(table: Table, name: str, positions: dict[str, int], catalogue: Catalogue,
                    problems: Collector) -> list[Column]:
    ids = {c.id.casefold(): c.id for c in catalogue.criteria}
    out = []
    for key, index in positions.items():
        header = table.header[index]
        if key in ("name", "description"):
            out.append(Column(index, header, key))
        elif key.startswith(LABEL_PREFIXES):
            label = header.strip()[len("label:"):].strip() if key.startswith("label:") else header.strip()[len("labels."):].strip()
            if LABEL_KEY.match(label) and any(c.role == "label" and c.key == label for c in out):
                problems.add(_span(name, table.header_line, index), "duplicate-column",
                             _at(table, table.header_line, index, header) + f"label '{label}' has two columns",
                             "rename or remove one of them; only the first is read")
            elif LABEL_KEY.match(label):
                out.append(Column(index, header, "label", label))
            else:
                problems.add(_span(name, table.header_line, index), "bad-label",
                             _at(table, table.header_line, index, header) + f"'{label}' is not a label name", KEY_HINT)
        elif key in ids:
            out.append(Column(index, header, "criterion", ids[key]))
        else:
            known = ["name", "description", *catalogue.ids]
            hint = did_you_mean(key, known) or "name a criterion id, write label:KEY for a label, or read it with --map"
            problems.add(_span(name, table.header_line, index), "unknown-column",
                         _at(table, table.header_line, index, header) + f"'{header.strip()}' is neither name, description, "
                         "a label:KEY nor a criterion id; the column is not read", hint)
    return out


def _mapped_columns(table: Table, name: str, positions: dict[str, int], problems: Collector) -> list[Column]:
    mapping = table.mapping
    assert mapping is not None
    wanted: list[tuple[str, str, str, ColumnRule | None]] = []
    if mapping.name:
        wanted.append((mapping.name, "name", "", None))
    if mapping.description:
        wanted.append((mapping.description, "description", "", None))
    wanted += [(header, "label", key, None) for key, header in mapping.labels]
    wanted += [(rule.header, "criterion", rule.criterion, rule) for rule in mapping.columns]
    out = []
    for header, role, key, rule in wanted:
        index = positions.get(header_key(header))
        if index is None:
            problems.add(Span(name, table.header_line, 1), "missing-column",
                         f"the mapping {mapping.file} reads a column '{header}' that the header does not have",
                         did_you_mean(header, table.header) or "check the column names in the mapping against the header")
            continue
        out.append(Column(index, table.header[index], role, key, rule))
    return out


def row_outcome(name: str, line: int, cells: tuple, table: Table, columns: tuple[Column, ...],
                catalogue: Catalogue, stem: str) -> Outcome:
    problems = Collector()
    workload_name = description = ""
    labels: list[tuple[str, str]] = []
    pairs: list[tuple[Node, Node]] = []
    for column in columns:
        raw = cells[column.index] if column.index < len(cells) else None
        text = cell_text(raw)
        if not text:
            continue
        span = _span(name, line, column.index)
        if _NOT_UTF8.search(text):
            problems.add(span, "not-utf8", "the cell is not UTF-8 text", "save the file as UTF-8 (in Excel: CSV UTF-8)")
            continue
        if column.role == "name":
            workload_name = " ".join(text.split())
        elif column.role == "description":
            description = text
        elif column.role == "label":
            labels.append((column.key, label_value(text) or text))
        else:
            value = _criterion_node(catalogue[column.key], column, text, span, table, problems)
            if value is not None:
                pairs.append((Node("scalar", span, value=column.key, raw=column.key), value))
    needs = check_needs(Node("map", _span(name, line, 0), pairs=tuple(pairs)), catalogue, problems)
    if problems:
        return InputError([_located(p, table) for p in problems.problems])
    source = Source(name, line, line)
    return Workload(workload_name or f"{stem}-{line}", needs, source, description, tuple(labels))


def _criterion_node(criterion: Criterion, column: Column, text: str, span: Span, table: Table,
                    problems: Collector) -> Node | None:
    """The cell as the YAML node it stands for, so that requirement files' checks (and messages) apply."""
    if column.rule is not None:
        found = translate(column.rule, text)
        if found is NO_MATCH and column.rule.otherwise == "error":
            mapping = table.mapping.file if table.mapping else "the mapping"
            problems.add(span, "unmapped-value", f"'{_clip(text)}' matches no line of the mapping for '{criterion.id}'",
                         f"add it under values: in {mapping}, or set otherwise: keep")
            return None
        if found is None or (found is NO_MATCH and column.rule.otherwise == "unanswered"):
            return None
        if found is not NO_MATCH:
            return _values_node(criterion, list(found), span)  # type: ignore[arg-type]
    parts = [p.strip() for p in text.split(";") if p.strip()]
    lowered = {v.casefold(): v for v in criterion.value_ids}
    return _values_node(criterion, [lowered.get(p.casefold(), p) for p in parts], span)


def _values_node(criterion: Criterion, values: list[str], span: Span) -> Node | None:
    if not values:
        return None
    scalars = tuple(Node("scalar", span, value=v, raw=v) for v in values)
    if criterion.many or len(scalars) > 1:
        return Node("seq", span, items=scalars)
    return scalars[0]


def cell_text(value: object) -> str:
    """A cell as text: strings stripped, whole numbers without '.0', booleans as yes/no, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _span(name: str, line: int, index: int) -> Span:
    return Span(name, line, index + 1)


def _at(table: Table, line: int, index: int, header: str) -> str:
    """Where a cell is, as a spreadsheet user finds it: ``Sheet1!C7 (os)`` or ``column 3 (os)``."""
    where = f"{table.sheet}!{column_letters(index)}{line}" if table.kind == "xlsx" else f"column {index + 1}"
    return f"{where} ({' '.join(header.split())[:40]}): "


def _located(problem: Problem, table: Table) -> Problem:
    index = problem.span.column - 1
    header = table.header[index] if 0 <= index < len(table.header) else ""
    if index < 0:
        return problem
    return problem._replace(message=_at(table, problem.span.line, index, header) + problem.message)


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, as spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _clip(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."

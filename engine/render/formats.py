"""The output formats of a batch, each in two halves so that answers can be rendered anywhere:

* ``piece(answer, first)`` renders one answer (in whichever process evaluated it) to plain strings;
* a writer, in the process that owns the output, puts the pieces together in input order.

Streaming formats (JSON Lines, JSON, YAML, CSV) write each piece as it comes; the text summary and
Markdown need every row before the details, so those details wait in a spooled temporary file.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, TextIO

from ..api import Evaluated
from ..errors import InputError
from ..model import RuleSet
from .groups import Tally, groups_markdown, groups_text, summary_markdown, summary_text, tally
from .jsonl import json_item, jsonl_line, yaml_document
from .markdown import HEADER, markdown_row, markdown_section
from .summary import ERROR, summary_row, text_cells, text_table
from .style import PLAIN, Style
from .text import render_result
from .writer import Answer, Writer

SPOOL_BYTES = 8 << 20

NAMES = ("text", "json", "yaml", "markdown", "csv", "jsonl", "html")


class Format:
    """How one format renders an answer (``piece``) and assembles the pieces (``writer``)."""

    lazy = False  # True: piece() also takes api.Evaluated records instead of Results
    joinable = False  # the writer only concatenates pieces: a task's pieces may travel as one string
    # The output is the pieces and nothing else (no header, separator or summary): worker processes may
    # write their tasks' bytes to it themselves, in turn (see batch.Outlet).
    unframed = False

    def __init__(self, ruleset: RuleSet, explain: bool = False, style: Style = PLAIN,
                 group_by: str | None = None) -> None:
        self.ruleset = ruleset
        self.explain = explain
        self.style = style  # width and colour of the text format
        self.group_by = group_by  # text and Markdown: a summary per value of this label

    def piece(self, answer: Answer, first: bool = False) -> Any:
        raise NotImplementedError

    def writer(self, out: TextIO) -> Writer:
        return Writer(out)


class JsonLines(Format):
    joinable = True
    unframed = True
    lazy = True  # takes api.Evaluated records: answers assembled from pre-encoded parts (render/assemble.py)

    def piece(self, answer: Any, first: bool = False) -> str:
        if isinstance(answer, Evaluated):  # no Result was built
            assembler = self._assembler
            if assembler is None:
                from .assemble import Assembler

                assembler = self._assembler = Assembler(self.ruleset)
            return assembler.line(answer.workload, answer.parts, "\n")
        return jsonl_line(answer) + "\n"

    _assembler: Any = None


class Yaml(Format):
    joinable = True
    unframed = True

    def piece(self, answer: Answer, first: bool = False) -> str:
        return yaml_document(answer)


class Json(Format):
    def piece(self, answer: Answer, first: bool = False) -> str:
        return json_item(answer)

    def writer(self, out: TextIO) -> Writer:
        return _JsonWriter(out)


class _JsonWriter(Writer):
    def add(self, piece: str) -> None:
        self.out.write(("[\n" if not self.count else ",\n") + piece)
        self.count += 1

    def close(self) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")


class Csv(Format):
    joinable = True

    # render.csv is imported here, by the CSV format only: the other formats start without it (about 1 ms)
    def piece(self, answer: Answer, first: bool = False) -> str:
        from .csv import csv_line, csv_values

        return csv_line(csv_values(summary_row(answer, self.ruleset), self.ruleset))

    def writer(self, out: TextIO) -> Writer:
        from .csv import csv_header, csv_line

        return _CsvWriter(out, csv_line(csv_header(self.ruleset)))


class _CsvWriter(Writer):
    """The header goes out with the first row (or at the end), not before any input is read: a
    reader that stops at once (`| head -c0`) then finds the first inputs counted in the exit code."""

    def __init__(self, out: TextIO, header: str) -> None:
        super().__init__(out)
        self.header = header

    def add(self, piece: str | bytes) -> None:
        if not self.count:
            piece = (self.header.encode("utf-8") if isinstance(piece, bytes) else self.header) + piece
        super().add(piece)

    def add_all(self, pieces: list[Any]) -> None:
        if not self.count and pieces:  # the header goes with the first row
            self.add(pieces[0])
            pieces = pieces[1:]
        super().add_all(pieces)

    def close(self) -> None:
        if not self.count:
            self.out.write(self.header)


class Markdown(Format):

    def piece(self, answer: Answer, first: bool = False) -> tuple[str, str, Tally]:
        return (markdown_row(summary_row(answer, self.ruleset)), markdown_section(answer, self.ruleset),
                tally(answer, self.group_by))

    def writer(self, out: TextIO) -> Writer:
        return _TableWriter(out, self._close)

    def _close(self, out: TextIO, rows: list, details: Iterator[str], first: str | None, tallies: list[Tally]) -> None:
        if len(rows) > 1:  # a portfolio: its summary first
            out.write(summary_markdown(tallies, self.ruleset) + "\n")
        out.write(HEADER + "".join(rows))
        if self.group_by and len(rows) > 1:
            out.write("\n" + groups_markdown(tallies, self.ruleset, self.group_by))
        _write_details(out, details)


class Text(Format):
    """The summary table; each justification too with ``--explain``. A batch of one workload shows
    its justification alone, as it always did."""


    def piece(self, answer: Answer, first: bool = False) -> tuple[tuple[str, ...], str | None, Tally]:
        return text_cells(summary_row(answer, self.ruleset)), self._details(answer, first), tally(answer, self.group_by)

    def _details(self, answer: Answer, first: bool) -> str | None:
        if isinstance(answer, InputError):
            return "\n".join(f"error: {p.format()}" for p in answer.problems) + "\n" if self.explain else None
        return render_result(answer, self.ruleset, self.style) if self.explain or first else None

    def writer(self, out: TextIO) -> Writer:
        return _TableWriter(out, self._close)

    def _close(self, out: TextIO, rows: list, details: Iterator[str], first: str | None, tallies: list[Tally]) -> None:
        if len(rows) == 1 and (first is not None or rows[0][1] == ERROR):
            out.write(first or "")  # an input that could not be read has its line on standard error
            return
        if len(rows) > 1:  # a portfolio: its summary first
            out.write(summary_text(tallies, self.ruleset) + "\n")
        out.write(text_table(rows, self.style.columns) if rows else "")
        if self.group_by and len(rows) > 1:
            out.write("\n" + groups_text(tallies, self.ruleset, self.group_by))
        if self.explain:
            _write_details(out, details)


def _write_details(out: TextIO, details: Iterator[str]) -> None:
    """Each block after a blank line."""
    for text in details:
        out.write("\n" + text)


class _TableWriter(Writer):
    """Keeps the rows; the details wait in a temporary file (memory for a few MB, disk beyond). The
    first answer's details are kept apart (one answer shows them alone), so that a single answer makes
    no temporary file: tempfile, with shutil, bz2 and lzma, is about 3 ms of start-up."""

    def __init__(self, out: TextIO, close: Callable[[TextIO, list, Iterator[str], str | None, list[Tally]], None]) -> None:
        super().__init__(out)
        self._close = close
        self.rows: list = []
        self.tallies: list[Tally] = []
        self._details: Any = None  # the SpooledTemporaryFile, made for the second answer with details
        self._sizes: list[int] = []
        self._first: str | None = None

    def add(self, piece: tuple[Any, str | None, Tally]) -> None:
        row, details, counted = piece
        if not self.rows:
            self._first = details
        elif details is not None:
            self._sizes.append(len(details))
            self._spool().write(details)
        self.rows.append(row)
        self.tallies.append(counted)
        self.count += 1

    def _spool(self) -> Any:
        if self._details is None:
            import tempfile  # here: it costs start-up time, and only these two formats need it

            self._details = tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
        return self._details

    def close(self) -> None:
        try:
            self._close(self.out, self.rows, self._read_details(), self._first, self.tallies)
        finally:
            if self._details is not None:
                self._details.close()

    def _read_details(self) -> Iterator[str]:
        if self._first is not None:
            yield self._first
        if self._details is not None:
            self._details.seek(0)
            for size in self._sizes:
                yield self._details.read(size)


class Html(Format):
    """One self-contained page for the whole portfolio (render/html.py), imported only when asked
    for: Jinja2 costs start-up time that the other formats need not pay."""


    def __init__(self, ruleset: RuleSet, explain: bool = False, style: Style = PLAIN,
                 group_by: str | None = None) -> None:
        super().__init__(ruleset, explain, style, group_by)
        self._renderer: Any = None  # html.Renderer: it counts the answers this process has rendered

    def piece(self, answer: Answer, first: bool = False) -> Any:
        if self._renderer is None:
            from .html import Renderer

            self._renderer = Renderer(self.ruleset, self.explain)
        return self._renderer.piece(answer)

    def writer(self, out: TextIO) -> Writer:
        from .html import HtmlWriter

        return HtmlWriter(out, self.ruleset, self.explain)


FORMATS: dict[str, type[Format]] = {"text": Text, "json": Json, "yaml": Yaml, "markdown": Markdown, "csv": Csv,
                                    "jsonl": JsonLines, "html": Html}

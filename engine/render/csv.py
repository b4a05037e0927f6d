"""CSV for spreadsheets: a heading row, then one row per answer (RFC 4180: commas, double quotes,
CRLF line ends). A text cell that a spreadsheet would take for a formula is prefixed with ``'``."""
from __future__ import annotations

import functools
import io
from typing import Any, Callable, Sequence

from ..model import RuleSet
from ..labels import labels_cell
from .summary import Row

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_header(ruleset: RuleSet) -> list[str]:
    scores = [f"score_{option}" for option in ruleset.option_ids]
    return ["name", "source", "recommendation", *scores, "margin", "confidence", "excluded", "top_reason", "error", "labels"]


def csv_values(row: Row, ruleset: RuleSet) -> list[object]:
    scores = dict(row.scores)
    return [_safe(row.name) if not row.error else "", _safe(row.source), row.recommendation,
            *(scores.get(option, "") for option in ruleset.option_ids),
            "" if row.margin is None else row.margin, row.confidence or "", ";".join(row.excluded),
            _safe(row.top_reason) if not row.error else "", _safe(row.error), _safe(labels_cell(row.labels))]


def csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    _writer(buffer).writerow(values)
    return buffer.getvalue()


def _first_writer(buffer: io.StringIO) -> Any:
    """csv.writer with CRLF line ends, imported at the first CSV row: the other formats never load csv
    (with the _csv extension, about 1.2 ms of every start). It then takes this stand-in's place, so
    later rows pay no import statement."""
    global _writer
    import csv

    _writer = functools.partial(csv.writer, lineterminator="\r\n")
    return _writer(buffer)


_writer: Callable[[io.StringIO], Any] = _first_writer


def _safe(text: str) -> str:
    """Keep a spreadsheet from running user text as a formula (``=HYPERLINK(...)``); a lone '-' is text."""
    return "'" + text if text.startswith(_FORMULA) and text != "-" else text

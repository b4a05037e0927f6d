"""The only module that imports python-calamine: the rows of one sheet of an XLSX workbook.

python-calamine (a Rust reader) was chosen over openpyxl's read-only mode by measurement
(benchmarks/bench_spreadsheet.py): on a 10,000-row sheet it reads about 14 times faster. It reads
the values cached in the file: a formula is never evaluated, only its last result is seen.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Union

import python_calamine

Cell = Union[str, int, float, bool, None, object]  # dates and times come as datetime objects


class XlsxError(Exception):
    """The workbook cannot be read; the message says why, in a few words."""


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[Cell]]  # from cell A1: rows[0][0] is A1, whatever the used range


def read_sheet(source: str | bytes, sheet: str | None, max_expanded: int) -> Sheet:
    """The rows of ``sheet`` (default: the first); ``source`` is a path or the file's bytes.

    ``max_expanded`` bounds the workbook's size once unzipped, checked before anything is parsed,
    so that a small, hostile file cannot take all memory."""
    _check_expanded(source, max_expanded)
    try:
        book = (python_calamine.CalamineWorkbook.from_path(source) if isinstance(source, str)
                else python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source)))
        names = list(book.sheet_names)
        if not names:
            raise XlsxError("the workbook has no sheet")
        chosen = sheet if sheet is not None else names[0]
        if chosen not in names:
            raise XlsxError(f"no sheet named {chosen!r}; the sheets are: {', '.join(names)}")
        rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except XlsxError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own family (CalamineError, ZipError, XmlError...) and ValueError
        raise XlsxError(f"not a readable XLSX workbook: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    return Sheet(chosen, rows)


def _check_expanded(source: str | bytes, limit: int) -> None:
    try:
        with zipfile.ZipFile(source if isinstance(source, str) else io.BytesIO(source)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise XlsxError("not an XLSX workbook (not a zip archive)") from None
    if expanded > limit:
        raise XlsxError(f"the workbook unzips to {expanded} bytes, over the limit of {limit}")

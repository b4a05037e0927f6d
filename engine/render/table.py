"""`deploy-advisor table` in text, Markdown, CSV and HTML: one grid of cells, four ways to print it."""
from __future__ import annotations

import html
from dataclasses import dataclass

from ..authoring.table import DecisionTable, ValueRow
from .csv import _safe, csv_line
from .markdown import escape

FORMATS = ("text", "markdown", "csv", "html")


@dataclass(frozen=True)
class Grid:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def rules_grid(table: DecisionTable) -> Grid:
    header = ("rule", *table.criteria, *(("other",) if table.has_other else ()), *table.options,
              "advice", "source", "file")
    rows = []
    for row in table.rows:
        conditions = dict(row.conditions)
        cells = [row.rule, *(conditions.get(c, "") for c in table.criteria)]
        if table.has_other:
            cells.append(row.other)
        cells += [effect for _, effect in row.effects]
        cells += [row.advice, row.source, f"{row.file}:{row.line}"]
        rows.append(tuple(cells))
    return Grid("Decision table: one row per rule", header, tuple(rows))


def values_grid(rows: tuple[ValueRow, ...], options: tuple[str, ...]) -> Grid:
    header = ("criterion", "value", *options, "rules")
    cells = tuple((r.criterion, r.value, *(e for _, e in r.effects), ", ".join(r.rules)) for r in rows)
    return Grid("What each answer does on its own", header, cells)


def render(grid: Grid, fmt: str) -> str:
    return {"text": _text, "markdown": _markdown, "csv": _csv, "html": _html}[fmt](grid)


def _text(grid: Grid) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(grid.header, *grid.rows)]
    lines = [grid.title, ""]
    for cells in (grid.header, tuple("-" * w for w in widths), *grid.rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip())
    return "\n".join(lines) + "\n"


def _markdown(grid: Grid) -> str:
    def row(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(escape(c) for c in cells) + " |"

    lines = [f"### {grid.title}", "", row(grid.header), "| " + " | ".join("---" for _ in grid.header) + " |"]
    return "\n".join(lines + [row(cells) for cells in grid.rows]) + "\n"


def _csv(grid: Grid) -> str:
    return csv_line(grid.header) + "".join(csv_line([_safe(c) if not _signed(c) else int(c) for c in cells])
                                           for cells in grid.rows)


def _signed(cell: str) -> bool:
    """Points ('+3', '-2') go out as numbers, not as text a spreadsheet would have to guard."""
    return len(cell) > 1 and cell[0] in "+-" and cell[1:].isdigit()


def _html(grid: Grid) -> str:
    def row(tag: str, cells: tuple[str, ...]) -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    lines = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{html.escape(grid.title)}</title>",
             "<style>table{border-collapse:collapse}th,td{border:1px solid #999;padding:2px 6px;"
             "vertical-align:top;text-align:left}</style>", "</head>", "<body>",
             f"<h1>{html.escape(grid.title)}</h1>", "<table>", f"<thead>{row('th', grid.header)}</thead>", "<tbody>"]
    lines += [row("td", cells) for cells in grid.rows]
    lines += ["</tbody>", "</table>", "</body>", "</html>"]
    return "\n".join(lines) + "\n"

"""Markdown, to paste into a pull request or a report: a table of the answers, then each workload's
justification (the text form, in a fenced block, so that it reads exactly as in the terminal)."""
from __future__ import annotations

import re

from ..errors import InputError
from ..model import RuleSet
from ..result import Result
from .safe import printable
from .summary import Row
from .text import render_result

HEADER = "| Workload | Recommendation | Margin | Top reason |\n|---|---|---|---|\n"
_SPECIAL = re.compile(r"([\\`*_~\[\]|])")
_MENTION = "@&#8203;"  # a zero-width space after '@': GitHub notifies no user or team (as Renovate does)


def escape(text: str) -> str:
    """Inline text from a user (a workload's name, a file name) that renders as itself, in a table cell
    too: no HTML (``</details>``), link, image, emphasis, code or @mention survives as markup, and its
    control and bidirectional characters are shown escaped. The one Markdown escaper of every report."""
    flat = " ".join(printable(text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", flat).replace("@", _MENTION)


def code(text: str) -> str:
    """``text`` as an inline code span that no backtick in it can close (outside a table: a pipe in a
    code span still splits a table cell)."""
    flat = " ".join(printable(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def markdown_row(row: Row) -> str:
    if row.error:
        return f"| {escape(row.name)} | **{row.label}** | - | {escape(row.error)} |\n"
    label = f"**{escape(row.label)}**" if row.recommendation else escape(row.label)
    return f"| {escape(row.name)} | {label} | {escape(row.margin_text)} | {escape(row.top_reason)} |\n"


def markdown_section(answer: Result | InputError, ruleset: RuleSet) -> str:
    """One workload's justification under its own heading."""
    if isinstance(answer, InputError):
        title = answer.first.span.file
        body = "\n".join(f"error: {p.format()}" for p in answer.problems) + "\n"
    else:
        title, body = answer.name, render_result(answer, ruleset)
    return f"### {escape(title)}\n\n{fenced(body)}"


def fenced(text: str) -> str:
    """``text`` in a fenced code block whose fence no run of backticks in it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text if text.endswith(chr(10)) else text + chr(10)}{fence}\n"

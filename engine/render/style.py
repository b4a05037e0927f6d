"""How text output fits a screen: the width to wrap prose at, and whether to colour it.

Rendering is pure: the caller (the command line) decides the width and colour once, from the terminal
or its options, and every renderer takes this record. Colour codes are added after wrapping, so that
they never count towards a line's width.
"""
from __future__ import annotations

import re
import textwrap

from ..records import NamedTuple

DEFAULT_WIDTH = 100  # when the output is not a terminal: files and goldens do not depend on a screen
MIN_WIDTH = 40  # narrower than this, wrapping makes more noise than it removes

_CODES = {"winner": "1;32", "for": "32", "against": "31", "excluded": "31", "heading": "1"}


class Style(NamedTuple):
    width: int = DEFAULT_WIDTH
    color: bool = False

    def paint(self, text: str, role: str) -> str:
        """``text`` in the colour of ``role`` (winner, for, against, excluded, heading), or as it is."""
        if not self.color or not text:
            return text
        return f"\x1b[{_CODES[role]}m{text}\x1b[0m"

    @property
    def columns(self) -> int:
        return max(self.width, MIN_WIDTH)


PLAIN = Style()
_POINTS = re.compile(r"^(\s*)([+-]\d+\s+)")
_LABELLED = re.compile(r"^(\s*)((?:excluded|because|\[\d+\]):\s+|\[\d+\]\s+)")


def hanging_indent(line: str) -> int:
    """Where a line's continuation starts: under the text after '+3  ', 'excluded: ' or '[1] ' for
    reason, exclusion and source lines; two columns in from the line's own indent otherwise."""
    found = _POINTS.match(line) or _LABELLED.match(line)
    if found:
        return len(found.group(0))
    return len(line) - len(line.lstrip(" ")) + 2


def wrap_line(line: str, width: int) -> list[str]:
    """One logical line as screen lines of at most ``width`` columns, broken between words only (a word
    longer than the width, a URL say, keeps its own line)."""
    if len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    hang = min(hanging_indent(line), width // 2)
    return textwrap.wrap(line[indent:], width, initial_indent=" " * indent, subsequent_indent=" " * hang,
                         break_long_words=False, break_on_hyphens=False) or [line]


def wrap_lines(lines: list[str], width: int) -> list[str]:
    return [piece for line in lines for piece in wrap_line(line, width)]


def ellipsis(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, ending with '…' when it was longer."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)].rstrip() + "…" if width > 0 else ""

"""What the screen is: the width text output wraps to and whether it is coloured, decided once from the
options (--width, --color), the environment (COLUMNS, NO_COLOR, TERM) and whether the output is a
terminal. Also the help formatter, which wraps prose to the terminal and keeps examples as written."""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import TextIO

from deploy_advisor.engine.render.style import DEFAULT_WIDTH, MIN_WIDTH, Style

COLOR_CHOICES = ("auto", "always", "never")


def add_style_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", type=int, metavar="N",
                        help=f"wrap text output to N columns (default: the terminal's, or COLUMNS; {DEFAULT_WIDTH} "
                             "when not a terminal)")
    parser.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                        help="colour the text output: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), "
                             "always or never (default: auto)")


def style_for(args: argparse.Namespace, stream: TextIO | None) -> Style:
    """``stream`` None: the output goes to a file, which has no screen (no COLUMNS, no colour unless always)."""
    return Style(width_for(getattr(args, "width", None), stream), color_for(getattr(args, "color", "auto"), stream))


def width_for(asked: int | None, stream: TextIO | None) -> int:
    """--width, else COLUMNS, else the terminal's width, else DEFAULT_WIDTH (a file, a pipe)."""
    if asked:
        return max(asked, MIN_WIDTH)
    if stream is None:
        return DEFAULT_WIDTH
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), MIN_WIDTH)
    if is_terminal(stream):
        try:
            return max(os.get_terminal_size(stream.fileno()).columns, MIN_WIDTH)
        except (OSError, ValueError, AttributeError):
            pass
    return DEFAULT_WIDTH


def color_for(choice: str, stream: TextIO | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR", "") or os.environ.get("TERM", "") == "dumb":
        return False
    return is_terminal(stream)


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def usage_problem(args: argparse.Namespace) -> str:
    width = getattr(args, "width", None)
    return "--width takes a positive number of columns" if width is not None and width < 1 else ""


def terminal_columns() -> int:
    """shutil.get_terminal_size().columns, worked out the same way (a positive $COLUMNS, else the
    terminal on standard output, else 80) without importing shutil: argparse makes a help formatter
    for every command line it parses, and shutil (with bz2 and lzma) costs about 3 ms of start-up."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps each paragraph of a description or epilog to the terminal; a line that starts with spaces
    (an example, a table row) is kept as written."""

    def __init__(self, prog: str, **kwargs) -> None:
        kwargs.setdefault("width", min(terminal_columns(), 120) - 2)
        super().__init__(prog, **kwargs)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        paragraph: list[str] = []

        def flush() -> None:
            if paragraph:
                out.extend(textwrap.wrap(" ".join(paragraph), width, initial_indent=indent,
                                         subsequent_indent=indent, break_on_hyphens=False))
                paragraph.clear()

        for line in text.splitlines():
            if not line.strip() or line.startswith(" "):
                flush()
                out.append(indent + line if line.strip() else "")
            else:
                paragraph.append(line.strip())
        flush()
        return "\n".join(out) + "\n"

"""The one place that makes user text safe to print on a terminal.

A workload's name, its description, an unknown key or a file name comes from whoever wrote the input.
Printed raw, an escape sequence in it can set the terminal's title or clear the screen, a carriage return
or line feed can start a line of its own ("RECOMMENDATION OVERRIDE"), and a bidirectional override can
make the text read in another order than it is stored. Every renderer of human text (text, Markdown,
CSV) and the error-line formatter pass user text through ``printable``; the data formats (JSON, JSON
Lines, YAML) keep the exact string, escaped by their own syntax.
"""
from __future__ import annotations

import re

# C0 controls and DEL, C1 controls (0x9b is an 8-bit CSI), the line and paragraph separators, the
# bidirectional marks, embeddings, overrides and isolates, and lone surrogates (which cannot even be
# encoded as UTF-8 on the way out). Every one of them is unprintable to str.isprintable (categories Cc,
# Cf, Zl, Zp and Cs), so text that is printable has none: the pattern is compiled (and cached by re)
# only when some text is not, which spares most commands its compilation (about 0.7 ms at every start).
UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every control, bidirectional and unpaired-surrogate character shown as an escape
    (``\\x1b``, ``\\n``, ``\\u202e``); any other text, backslashes included, is left as it is."""
    return text if text.isprintable() else re.sub(UNSAFE, _escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

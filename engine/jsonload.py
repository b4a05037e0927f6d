"""JSON text to plain Python values, with every check the YAML loader makes: duplicate keys, lone
surrogates (``"\\ud83d"``: half an emoji, which no output can write), nesting depth and size.

The common case costs one ``json.loads``; the checks that need a walk are skipped when the text
cannot hold what they look for (no ``\\u`` escape, fewer brackets than the depth limit). A problem
is located, where it can be, by :func:`locate`, a small iterative scanner run only on the bad text.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Iterator

from .errors import Problem, Span, shown
from .fastjson import loads_unique
from .records import NamedTuple

MAX_DEPTH = 64
MAX_VALUES = 50_000


class Bounds(NamedTuple):
    """Limits on one JSON document (the same as yamlio.Limits, without aliases: JSON has none)."""

    max_depth: int = MAX_DEPTH
    max_values: int = MAX_VALUES


class JsonProblem(NamedTuple):
    """What is wrong with a JSON text, and where: an offset into it (-1 when unknown)."""

    code: str
    message: str
    hint: str
    offset: int = -1


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


# One decoder for every call: json.loads(text, object_pairs_hook=...) builds a new one each time, which
# made the JSON Lines fast path 70% slower; this one costs 10% over plain json.loads (measured per line).
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def loads(text: str, bounds: Bounds = Bounds()) -> object | JsonProblem:
    """The value of a JSON text, or the first problem found in it: read by orjson when that is proven to
    give what :func:`loads_checked` gives (see fastjson.py: about 3x faster on an input line), else by it."""
    data = loads_unique(text)
    if data is None:
        return loads_checked(text, bounds)
    return check_value(data, bounds, text)


def loads_checked(text: str, bounds: Bounds = Bounds()) -> object | JsonProblem:
    """The value of a JSON text, or the first problem found in it, by the standard library's reader
    with a duplicate-key check."""
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return JsonProblem("json-syntax", f"not valid JSON: {exc.msg}", "fix the JSON syntax at that place", exc.pos)
    except _Duplicate as exc:
        return JsonProblem("duplicate-key", f"duplicate key '{shown(exc.key)}'", "remove one of the two",
                           _first_offset(text, lambda kind, value, seen: kind == "key" and value in seen))
    except RecursionError:
        return _too_deep(text, bounds)
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return JsonProblem("wrong-type", f"a value cannot be read: {exc}", "values are names such as critical; quote them")
    return check_value(data, bounds, text)


def check_value(data: object, bounds: Bounds = Bounds(), text: str | None = None) -> object | JsonProblem:
    """``data`` itself if it is within bounds and holds no lone surrogate, else the problem. ``text``,
    when given, is what ``data`` was read from: it lets the walk be skipped and the problem located."""
    if text is not None and text.count("{") + text.count("[") <= bounds.max_depth and "\\u" not in text \
            and len(text) < bounds.max_values:
        return data  # cannot be too deep, too big, or hold a surrogate (only an escape can write one)
    stack: list[tuple[object, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > bounds.max_depth:
            return _too_deep(text, bounds)
        if count > bounds.max_values:
            return JsonProblem("too-large", f"more than {bounds.max_values} values",
                               "a requirement is a small mapping; check where the file came from")
        if isinstance(value, str):
            if not encodable(value):
                return _surrogate(text)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not encodable(key):
                    return _surrogate(text)
                stack.append((item, depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, depth + 1) for item in value)
    return data


def encodable(value: str) -> bool:
    """Whether a text can be written as UTF-8 (a lone surrogate, as in \"\\ud83d\", cannot)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(text: str | None, bounds: Bounds) -> JsonProblem:
    offset = _deep_offset(text, bounds.max_depth) if text is not None else -1
    return JsonProblem("too-deep", f"nesting deeper than {bounds.max_depth} levels", "flatten the document", offset)


def _surrogate(text: str | None) -> JsonProblem:
    offset = _first_offset(text, lambda kind, value, seen: not encodable(value)) if text is not None else -1
    return JsonProblem("invalid-unicode", "a lone surrogate (\\ud800-\\udfff): half of a character, cut in two",
                       "write the whole character, or remove it", offset)


# --- locating a problem: an iterative scan of the text, run only once something is known wrong ---


_SKIP = re.compile(r'[^"\[\]{}:,]*')


def _tokens(text: str) -> Iterator[tuple[str, int, str, int]]:
    """(kind, offset, string, depth) for every string ("key" or "value") and every opening bracket
    ("open", depth after it); enough to find duplicate keys, surrogates and the first deep bracket."""
    position, depth = 0, 0
    expecting_key: list[bool] = []  # per open bracket: an object waiting for its next key
    in_object: list[bool] = []
    while position < len(text):
        position = _SKIP.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text):
            return
        char = text[position]
        if char == '"':
            try:
                value, end = json.decoder.scanstring(text, position + 1)  # type: ignore[attr-defined]
            except ValueError:
                return
            is_key = bool(expecting_key) and expecting_key[-1]
            yield ("key" if is_key else "value", position, value, depth)
            if is_key:
                expecting_key[-1] = False
            position = end
            continue
        if char in "[{":
            depth += 1
            in_object.append(char == "{")
            expecting_key.append(char == "{")
            yield ("open", position, char, depth)
        elif char in "]}":
            depth -= 1
            if in_object:
                in_object.pop()
                expecting_key.pop()
        elif char == "," and in_object and in_object[-1]:
            expecting_key[-1] = True
        position += 1


def _first_offset(text: str, wanted: Callable[[str, str, set[str]], bool]) -> int:
    """Offset of the first string token ``wanted`` picks; it is also given the keys met so far in
    the same object (for duplicate keys)."""
    scopes: dict[int, set[str]] = {0: set()}
    for kind, offset, value, depth in _tokens(text):
        if kind == "open":
            scopes[depth] = set()  # a new object or list at this depth: its keys start afresh
            continue
        keys = scopes.setdefault(depth, set())
        if wanted(kind, value, keys):
            return offset
        if kind == "key":
            keys.add(value)
    return -1


def _deep_offset(text: str, max_depth: int) -> int:
    for kind, offset, _value, depth in _tokens(text):
        if kind == "open" and depth > max_depth:
            return offset
    return -1


def offset_span(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset into ``text``; (1, 1) when the offset is unknown."""
    if offset < 0:
        return 1, 1
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def as_problem(found: JsonProblem, file: str, text: str, first_line: int = 1) -> Problem:
    """The located problem, for a text starting at ``first_line`` of ``file``."""
    line, column = offset_span(text, found.offset)
    return Problem(Span(file, line + first_line - 1, column), found.code, found.message, found.hint)

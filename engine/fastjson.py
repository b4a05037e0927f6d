"""The only module that imports orjson: a fast JSON reader whose answers are proven equal to the checked one.

orjson was chosen by measurement (benchmarks/bench_batch.py prints both floors): reading an input line
costs about a third of the standard library's, and writing a 10 KB answer about a twentieth (msgspec:
about a ninth). It differs from ``json`` where it must not be trusted: a duplicate key keeps the last
value silently, an integer past 64 bits becomes a float, ``NaN`` and ``1e400`` are refused. So
:func:`loads_unique` answers only when it can prove the standard, checked reader (jsonload.py) would
give the same value, and None (take the checked path) on any doubt:

* no float anywhere in the value (an integer too large for orjson reads as one);
* as many members in the value's objects as there are ``:`` in the text. Outside strings, a ``:`` only
  ever follows a key, so the text has at least as many ``:`` as key-value pairs were written, and the
  value has at most that many members (one per pair; fewer when a key repeats). Equality thus proves
  that no key repeated (and that no string holds a ``:``, which merely sends such text the long way).

Answers are written with the standard library (json.encoder), byte for byte as before: they are
assembled from parts encoded once (render/assemble.py), so the encoder's speed hardly matters there.
"""
from __future__ import annotations

import json
from typing import Any, Callable


def _first_loads(text: str) -> Any:
    """orjson.loads, imported at the first JSON text read: a YAML input never loads orjson (with uuid
    and platform, about 4 ms of every start). It then takes this stand-in's place, so later texts pay
    no import statement."""
    global _loads
    import orjson

    _loads = orjson.loads
    return _loads(text)


_loads: Callable[[bytes | str], Any] = _first_loads


def loads_unique(text: str) -> Any | None:
    """The value of ``text`` (a JSON document) when it is certainly what ``json.loads`` with a duplicate-key
    check gives, else None: invalid JSON, a possible duplicate key, a float, anything orjson refuses."""
    try:
        data = _loads(text)
    except json.JSONDecodeError:  # orjson's JSONDecodeError is one: no need to import orjson to catch it
        return None
    members = _members(data)
    if members is None or members != text.count(":"):
        return None
    return data


def loader() -> Callable[[bytes | str], Any]:
    """orjson.loads itself, for a caller that reads many texts in one loop and proves each value equal to
    the checked reader's on its own (requirements.fast_lines does, for the common JSON Lines line, by
    the same two facts as :func:`loads_unique`, known there without a walk). It raises
    ``json.JSONDecodeError`` (orjson's is one) for a text it refuses."""
    global _loads
    if _loads is _first_loads:
        import orjson

        _loads = orjson.loads
    return _loads


def _members(data: Any) -> int | None:
    """How many key-value pairs the value's objects hold in all; None when it holds a float."""
    if type(data) is dict and len(data) <= 8 and not any(type(v) in (dict, list, float) for v in data.values()):
        return len(data)  # the common flat case without a walk
    count = 0
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            count += len(value)
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind is float:
            return None
    return count


def dumps(data: Any) -> bytes:
    """Compact JSON as orjson writes it (the fast floor of benchmarks/bench_batch.py)."""
    import orjson  # here: only the benchmark writes with it

    return orjson.dumps(data)

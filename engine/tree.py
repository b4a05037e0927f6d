"""The document tree every loader hands on: plain values with the span of every node kept.

Loaders (YAML, JSON) build it; validators read it. It never holds anything but strings, numbers,
booleans, None, sequences and mappings, so nothing a hostile file says can be constructed or run.
"""
from __future__ import annotations

from typing import Iterator, Union

from .errors import Span
from .records import NamedTuple

Scalar = Union[str, int, float, bool, None]


class Node(NamedTuple):
    """One node: a scalar, a sequence of nodes, or a mapping of key nodes to value nodes.

    For scalars, ``raw`` is the text as written and ``plain`` tells whether it was unquoted; the
    Norway problem (``containerizable: no`` read as false) is solved with them.
    """

    kind: str  # "scalar" | "seq" | "map"
    span: Span
    value: Scalar = None
    items: tuple["Node", ...] = ()
    pairs: tuple[tuple["Node", "Node"], ...] = ()
    raw: str = ""
    plain: bool = False

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    def get(self, key: str) -> "Node | None":
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None

    def entries(self) -> Iterator[tuple[str, "Node", "Node"]]:
        """Mapping entries as (key text, key node, value node)."""
        for k, v in self.pairs:
            yield (str(k.value) if k.value is not None else "", k, v)

    def describe(self) -> str:
        """What the node is, for 'expected X, got Y' messages."""
        if self.kind == "map":
            return "a mapping"
        if self.kind == "seq":
            return "a list"
        return describe_scalar(self.value)

    def to_python(self) -> object:
        if self.kind == "map":
            return {str(k.value): v.to_python() for k, v in self.pairs}
        if self.kind == "seq":
            return [i.to_python() for i in self.items]
        return self.value


def describe_scalar(value: Scalar) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"the text {value!r}"


def from_python(value: object, span: Span) -> Node:
    """Build a tree from already-parsed data (JSON, or a mapping given to the Python API), every node
    carrying the same span. Iterative: however deep the data, this never recurses (callers bound the
    depth first; see jsonload.check_value). Tuples are lists (``Workload.needs_dict`` gives tuples)."""
    results: list[Node] = []  # finished nodes, children before their parent
    work: list[tuple[bool, object]] = [(False, value)]  # (children done?, value)
    while work:
        done, item = work.pop()
        if isinstance(item, dict):
            if done:
                count = len(item)
                values = results[len(results) - count:] if count else []
                del results[len(results) - count:]
                keys = (Node("scalar", span, value=str(k), raw=str(k)) for k in item)
                results.append(Node("map", span, pairs=tuple(zip(keys, values))))
            else:
                work.append((True, item))
                work.extend((False, v) for v in reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            if done:
                count = len(item)
                items = tuple(results[len(results) - count:]) if count else ()
                del results[len(results) - count:]
                results.append(Node("seq", span, items=items))
            else:
                work.append((True, item))
                work.extend((False, v) for v in reversed(item))
        else:
            results.append(_scalar(item, span))
    return results[0]


def _scalar(value: object, span: Span) -> Node:
    if value is None or isinstance(value, (str, int, float, bool)):
        return Node("scalar", span, value=value, raw="" if value is None else str(value))
    return Node("scalar", span, value=str(value), raw=str(value))

"""Small helpers for reading mappings out of the tree with precise, hinted problems."""
from __future__ import annotations

from .errors import Collector, did_you_mean, one_of, shown
from .tree import Node


def fields(node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...],
           problems: Collector) -> dict[str, Node] | None:
    """The entries of a mapping, after checking required and unknown keys; None if it is no mapping."""
    if not node.is_map:
        problems.add(node.span, "wrong-type", f"{what} must be a mapping, got {node.describe()}")
        return None
    known = required + optional
    found: dict[str, Node] = {}
    for key, key_node, value in node.entries():
        if key not in known:
            hint = did_you_mean(key, known) or one_of(known)
            problems.add(key_node.span, "unknown-key", f"unknown key '{shown(key)}' in {what}", hint)
            continue
        found[key] = value
    for key in required:
        if key not in found:
            problems.add(node.span, "missing-key", f"{what} has no '{key}'", f"add '{key}:'")
    return found


def text(node: Node | None, what: str, problems: Collector, *, required: bool = True) -> str | None:
    """A non-empty text value."""
    if node is None:
        return None
    if node.is_scalar and isinstance(node.value, str) and node.value.strip():
        return node.value.strip()
    if node.is_scalar and node.value is None and not required:
        return None
    problems.add(node.span, "wrong-type", f"{what} must be non-empty text, got {node.describe()}",
                 "quote the value" if node.is_scalar else "")
    return None


def text_list(node: Node | None, what: str, problems: Collector) -> tuple[str, ...] | None:
    if node is None:
        return None
    items = node.items if node.is_seq else (node,)
    out = []
    for item in items:
        value = text(item, what, problems)
        if value is None:
            return None
        out.append(value)
    return tuple(out)

"""Labels: what a workload is besides its needs (team, environment, business unit...), carried from
the input to every output and used to group a portfolio's summary (``--group-by``). They are never
criteria: no rule can read them, so they cannot change a recommendation."""
from __future__ import annotations

import re

from .errors import Collector
from .tree import Node

Labels = tuple[tuple[str, str], ...]  # (key, value) in the order written
LABEL_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,62}$")
MAX_VALUE = 200
KEY_HINT = "use letters, digits, '_', '-', '.' or '/', at most 63 characters"


def label_value(value: object) -> str | None:
    """A cell or YAML scalar as label text: text stripped, a number as written; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return " ".join(value.split())
    return None


def label_entries(node: Node, problems: Collector, maps_to: str, example: str) -> list[tuple[str, Node]]:
    """The entries of a ``labels:`` mapping (a requirement's, or a spreadsheet mapping's) whose keys are
    label names, with a problem for anything else."""
    if node.is_scalar and node.value is None:
        return []
    if not node.is_map:
        problems.add(node.span, "wrong-type", f"'labels' maps label names to {maps_to}, got {node.describe()}",
                     f"write e.g. labels: {example}")
        return []
    out = []
    for key, key_node, value in node.entries():
        if LABEL_KEY.match(key):
            out.append((key, value))
        else:
            problems.add(key_node.span, "bad-label", f"'{key[:60]}' is not a label name", KEY_HINT)
    return out


def check_labels(node: Node, problems: Collector) -> Labels:
    """``labels:`` of a requirement file: a mapping of label names to short texts."""
    out = []
    for key, value in label_entries(node, problems, "texts", "{team: payments, environment: production}"):
        text = label_value(value.value) if value.is_scalar else None
        if value.is_scalar and isinstance(value.value, bool) and value.plain:
            text = value.raw  # `on_call: yes` is the text yes
        if text is None or len(text) > MAX_VALUE:
            what = value.describe() if text is None else f"{len(text)} characters"
            problems.add(value.span, "bad-label", f"label '{key}' takes a short text, got {what}",
                         f"write one line of at most {MAX_VALUE} characters")
            continue
        if text:
            out.append((key, text))
    return tuple(out)


def labels_text(labels: Labels) -> str:
    """``team=payments, environment=production``: how the text and Markdown forms show labels."""
    return ", ".join(f"{k}={v}" for k, v in labels)


def labels_cell(labels: Labels) -> str:
    """One CSV cell: ``team=payments;environment=production``."""
    return ";".join(f"{k}={v}" for k, v in labels)

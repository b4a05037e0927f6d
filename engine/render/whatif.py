"""What-if reports (``recommend --assume``) in every output format. A changed workload reads as in
``diff``: before and after, score changes, and the rules whose firing made the difference."""
from __future__ import annotations

import json
from typing import Any, Callable

from ..authoring.impact import WorkloadChange
from ..labels import labels_cell, labels_text
from ..authoring.whatif import WhatIfReport
from ..yamlio import dump_yaml_documents
from .csv import csv_line
from .data import to_json
from .impact import cause_text, change_blocks, score_texts, winner_text, workload_dict
from .markdown import escape


def headline(report: WhatIfReport) -> str:
    assumed = ", ".join(a.text for a in report.assumptions)
    flipped = len(report.flipped)
    more = f", {len(report.reranked):,} more change ranking" if report.reranked else ""
    return f"What if {assumed}: {flipped:,} of {report.evaluated:,} workloads change recommendation{more}"


def _because(change: WorkloadChange) -> str:
    return "; ".join(cause_text(c) for c in change.causes) or "no rule fires differently (the ranking order moved)"


def _title(change: WorkloadChange) -> str:
    workload = change.entry.workload
    return f"{workload.name} ({change.entry.origin})"


def whatif_text(report: WhatIfReport) -> str:
    lines = [headline(report)]
    lines += [f"  {a} → {b}: {n:,}" for a, b, n in report.moves()]
    lines += change_blocks(report, _text_block)
    return "\n".join(lines) + "\n"


def _text_block(change: WorkloadChange) -> list[str]:
    lines = [f"  {_title(change)}: {winner_text(change.old)} → {winner_text(change.new)}"]
    if change.entry.workload.labels:
        lines.append(f"    labels: {labels_text(change.entry.workload.labels)}")
    lines.append(f"    scores: {'; '.join(score_texts(change)) or 'unchanged'}")
    lines.append(f"    because: {_because(change)}")
    return lines


def whatif_markdown(report: WhatIfReport) -> str:
    lines = [f"### {escape(headline(report))}", ""]
    if report.moves():
        lines += ["| from | to | workloads |", "|---|---|---:|"]
        lines += [f"| {escape(a)} | {escape(b)} | {n:,} |" for a, b, n in report.moves()] + [""]
    if report.changes:
        lines += ["| workload | before | after | scores | rules responsible |", "|---|---|---|---|---|"]
        for change in report.changes:
            rules = "<br>".join(escape(cause_text(c)) for c in change.causes) or "-"
            lines.append(f"| {escape(_title(change))} | {escape(winner_text(change.old))} | {escape(winner_text(change.new))} | "
                         f"{'<br>'.join(escape(s) for s in score_texts(change))} | {rules} |")
    return "\n".join(lines).rstrip("\n") + "\n"


def report_dict(report: WhatIfReport) -> dict[str, Any]:
    return {**_summary(report), "changes": [_change(c) for c in report.changes]}


def _summary(report: WhatIfReport) -> dict[str, Any]:
    return {
        "assume": {a.criterion: list(a.value) if isinstance(a.value, tuple) else a.value for a in report.assumptions},
        "evaluated": report.evaluated,
        "errors": report.errors,
        "changed": len(report.flipped),
        "reranked": len(report.reranked),
        "moves": [{"from": a, "to": b, "workloads": n} for a, b, n in report.moves()],
    }


def _change(change: WorkloadChange) -> dict[str, Any]:
    return {**workload_dict(change), "labels": dict(change.entry.workload.labels), "flipped": change.flipped,
            "confidence": {"old": change.old.confidence, "new": change.new.confidence}}


def whatif_json(report: WhatIfReport) -> str:
    return to_json(report_dict(report)) + "\n"


def whatif_yaml(report: WhatIfReport) -> str:
    return dump_yaml_documents([report_dict(report)])


def whatif_jsonl(report: WhatIfReport) -> str:
    """A first line with the counts, then one line per changed workload."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return "".join(encode(item) + "\n" for item in [{"summary": _summary(report)}, *map(_change, report.changes)])


CSV_HEADER = ["workload", "origin", "labels", "flipped", "before", "after", "confidence_before", "confidence_after", "because"]


def whatif_csv(report: WhatIfReport) -> str:
    rows = [csv_line(CSV_HEADER)]
    for c in report.changes:
        rows.append(csv_line([_safe(c.entry.workload.name), _safe(c.entry.origin), _safe(labels_cell(c.entry.workload.labels)),
                              "yes" if c.flipped else "no", c.old.recommendation or "", c.new.recommendation or "",
                              c.old.confidence or "", c.new.confidence or "", _safe(_because(c))]))
    return "".join(rows)


def _safe(text: str) -> str:
    from .csv import _safe as safe  # one rule for formula-looking text in every CSV we write

    return safe(text)


RENDER: dict[str, Callable[[WhatIfReport], str]] = {
    "text": whatif_text, "markdown": whatif_markdown, "json": whatif_json, "yaml": whatif_yaml,
    "jsonl": whatif_jsonl, "csv": whatif_csv,
}

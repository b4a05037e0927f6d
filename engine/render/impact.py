"""`deploy-advisor diff` reports: text for a terminal, JSON for tools, Markdown for a pull request."""
from __future__ import annotations

from typing import Any, Callable

from ..answerspace import needs_text
from ..authoring.impact import Cause, Changes, ImpactReport, RuleChange, WorkloadChange
from ..result import Result
from .data import to_json
from .markdown import code, escape
from .safe import printable

_SYMBOL = {"added": "+", "removed": "-", "edited": "~", "same": "~"}
MARKDOWN_ROWS = 50  # a pull-request comment holds at most 65,536 characters: show this many, count the rest


# --- shared phrases --------------------------------------------------------------------------


def headline(report: ImpactReport) -> str:
    flipped, evaluated = len(report.flipped), f"{report.evaluated:,}"
    if not flipped:
        return f"no recommendation changes ({evaluated} workloads)"
    return f"{flipped} of {evaluated} workloads change recommendation"


def corpus_text(report: ImpactReport) -> str:
    parts = []
    if report.examples:
        parts.append(f"{report.examples:,} from files")
    if report.sampled:
        parts.append(f"{report.sampled:,} sampled of {report.space:,} (seed {report.seed})")
    return " and ".join(parts) or "no workloads"


def unknown_text(report: ImpactReport, limit: int = 5) -> str:
    """A note on workloads answering what the old catalogue lacks, which it sees as unanswered."""
    count = len(report.unknown_to_old)
    shown = [f"{origin} ({', '.join(answers)})" for origin, answers in report.unknown_to_old[:limit]]
    more = f", and {count - limit} more" if count > limit else ""
    return (f"{_plural(count, 'workload answers', 'workloads answer')} what the old catalogue lacks, which the old "
            f"rule set sees as unanswered: {'; '.join(shown)}{more}")


def rule_counts(report: ImpactReport) -> str:
    counts = {kind: sum(c.kind == kind for c in report.rule_changes) for kind in ("added", "edited", "removed")}
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def ranking_text(result: Result) -> str:
    return ", ".join(f"{p.option} {p.score}" + (" (excluded)" if p.excluded else "") for p in result.ranking)


def winner_text(result: Result) -> str:
    """The recommendation, marked when only the tie-break order chose it (a fragile win)."""
    if result.recommendation is None:
        return "none (every option excluded)" if result.conflicts else "none (no basis for a preference)"
    return f"{result.recommendation} (tie-break)" if result.tied else result.recommendation


def score_texts(change: WorkloadChange) -> list[str]:
    out = []
    for option, before, after, was_out, is_out in change.score_changes():
        text = f"{option} {before} → {after}" + (f" ({after - before:+d})" if before != after else "")
        if was_out != is_out:
            text += ", now excluded" if is_out else ", no longer excluded"
        out.append(text)
    return out


def cause_text(cause: Cause) -> str:
    symbol = _SYMBOL[cause.change.kind]
    if cause.change.kind == "added":
        return f"{symbol} {cause.change.id}: {cause.after}"
    if cause.change.kind == "removed":
        return f"{symbol} {cause.change.id}: {cause.before}"
    return f"{symbol} {cause.change.id}: {cause.before or 'did not fire'} → {cause.after or 'does not fire'}"


def no_cause_text(report: ImpactReport) -> str:
    if report.tie_break:
        return f"the tie-break order changed: {' > '.join(report.tie_break[0])} → {' > '.join(report.tie_break[1])}"
    return "no rule change fires for it (the catalogue or options changed)"


def change_line(change: RuleChange) -> str:
    rule = change.rule
    where = f"{rule.file}:{rule.line}"
    what = f": {', '.join(change.fields)} changed" if change.kind == "edited" else ""
    return f"{_SYMBOL[change.kind]} {change.id} ({where}){what}"


def _title(change: WorkloadChange) -> str:
    name, origin = change.entry.workload.name, change.entry.origin
    return origin if name == origin else f"{origin} ({name})"


# --- text ------------------------------------------------------------------------------------


def diff_text(report: ImpactReport) -> str:
    lines = [f"diff {report.old_label} → {report.new_label}: {headline(report)}"
             + (f", {len(report.reranked)} more change ranking" if report.reranked else "")]
    lines.append(f"  corpus: {corpus_text(report)}")
    lines.append(f"  rules: {rule_counts(report)}")
    lines += [f"    {change_line(c)}" for c in report.rule_changes]
    if report.regions is not None and report.regions.any:
        lines.append(f"  {report.regions.describe()}")
    lines += change_blocks(report, lambda change: _text_block(change, report))
    if report.unknown_to_old:
        lines += ["", f"note: {unknown_text(report)}"]
    return "\n".join(printable(line) for line in lines) + "\n"  # workload and file names are user text


def change_blocks(report: Changes, block: Callable[[WorkloadChange], list[str]]) -> list[str]:
    """The text of the flipped, then of the re-ranked workloads, each group under its title."""
    lines: list[str] = []
    for title, group in (("recommendation changed", report.flipped), ("ranking changed", report.reranked)):
        if group:
            lines += ["", f"{title}:"]
            for change in group:
                lines += block(change)
    return lines


def _text_block(change: WorkloadChange, report: ImpactReport) -> list[str]:
    head = f"  {_title(change)}: {winner_text(change.old)} → {winner_text(change.new)}"
    lines = [head]
    if change.entry.origin.startswith("sample"):
        lines.append(f"    needs: {needs_text(dict(change.entry.workload.needs))}")
    lines.append(f"    ranking: {ranking_text(change.old)} → {ranking_text(change.new)}")
    lines.append(f"    scores: {'; '.join(score_texts(change)) or 'unchanged'}")
    reasons = [cause_text(c) for c in change.causes] or [no_cause_text(report)]
    lines.append(f"    because: {'; '.join(reasons)}")
    return lines


# --- JSON ------------------------------------------------------------------------------------


def diff_json(report: ImpactReport) -> str:
    data: dict[str, Any] = {
        "old": report.old_label,
        "new": report.new_label,
        "changed": bool(report.flipped),
        "evaluated": report.evaluated,
        "corpus": {"from_files": report.examples, "sampled": report.sampled, "seed": report.seed, "space": report.space},
        "rule_changes": [_change_dict(c) for c in report.rule_changes],
        "flipped": [_workload_dict(c) for c in report.flipped],
        "reranked": [_workload_dict(c) for c in report.reranked],
        "unknown_to_old": [{"workload": o, "answers": list(a)} for o, a in report.unknown_to_old],
        "undecided_regions": None if report.regions is None else report.regions.as_dict(),
        "tie_break": None if report.tie_break is None else {"old": list(report.tie_break[0]), "new": list(report.tie_break[1])},
    }
    return to_json(data) + "\n"


def _change_dict(change: RuleChange) -> dict[str, Any]:
    return {"kind": change.kind, "rule": change.id, "file": change.rule.file, "line": change.rule.line,
            "fields": list(change.fields)}


def _workload_dict(change: WorkloadChange) -> dict[str, Any]:
    return {
        "workload": change.entry.workload.name,
        "origin": change.entry.origin,
        "needs": {k: list(v) if isinstance(v, tuple) else v for k, v in change.entry.workload.needs},
        "old": _side(change.old),
        "new": _side(change.new),
        "causes": [{"rule": c.change.id, "kind": c.change.kind, "before": c.before or None, "after": c.after or None}
                   for c in change.causes],
    }


def _side(result: Result) -> dict[str, Any]:
    return {"recommendation": result.recommendation,
            "ranking": [{"option": p.option, "score": p.score, "excluded": p.excluded} for p in result.ranking]}


# --- Markdown (a pull-request comment) -------------------------------------------------------


def diff_markdown(report: ImpactReport) -> str:
    lines = [f"### deploy-advisor diff: {headline(report)}", ""]
    summary = [f"{code(report.old_label)} → {code(report.new_label)}", f"rules: {rule_counts(report)}"]
    if report.reranked:
        summary.append(f"{_plural(len(report.reranked), 'more workload changes', 'more workloads change')} ranking only")
    summary.append(f"corpus: {corpus_text(report)}")
    if report.regions is not None and report.regions.any:
        summary.append(report.regions.describe())
    lines += [" · ".join(summary), ""]
    if report.flipped:
        lines += _md_table(report)
    groups = ((f"Details of {_plural(len(report.flipped), 'changed recommendation')}", report.flipped),
              (f"{_plural(len(report.reranked), 'workload changes', 'workloads change')} ranking only", report.reranked))
    for title, group in groups:
        if group:
            body = [line for change in group[:MARKDOWN_ROWS] for line in _md_block(change, report)]
            lines += _md_fold(title, body + _more(len(group)))
    if report.rule_changes:
        lines += _md_fold(f"Rule changes ({len(report.rule_changes)})", [f"- {_md_code_id(change_line(c))}" for c in report.rule_changes])
    if report.unknown_to_old:
        lines += [f"Note: {escape(unknown_text(report))}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _more(total: int) -> list[str]:
    hidden = total - MARKDOWN_ROWS
    return [f"… and {hidden} more: run `deploy-advisor diff --format json` for all of them", ""] if hidden > 0 else []


def _md_table(report: ImpactReport) -> list[str]:
    lines = ["| workload | before | after | score changes | rules responsible |", "| --- | --- | --- | --- | --- |"]
    for change in report.flipped[:MARKDOWN_ROWS]:
        rules = ", ".join(f"{_SYMBOL[c.change.kind]}`{c.change.id}`" for c in change.causes) or no_cause_text(report)
        lines.append(f"| {escape(_title(change))} | {winner_text(change.old)} | {winner_text(change.new)} | "
                     f"{'<br>'.join(score_texts(change))} | {rules} |")
    return lines + [""] + _more(len(report.flipped))


def _md_fold(title: str, body: list[str]) -> list[str]:
    while body and not body[-1]:
        body = body[:-1]
    return ["<details>", f"<summary>{title}</summary>", "", *body, "", "</details>", ""]


def _md_block(change: WorkloadChange, report: ImpactReport) -> list[str]:
    reasons = [code(cause_text(c)) for c in change.causes] or [no_cause_text(report)]
    return [
        f"**{escape(_title(change))}**: {winner_text(change.old)} → {winner_text(change.new)}",
        f"- needs: {code(needs_text(dict(change.entry.workload.needs)))}",
        f"- ranking before: {ranking_text(change.old)}",
        f"- ranking after: {ranking_text(change.new)}",
        f"- scores: {'; '.join(score_texts(change)) or 'unchanged'}",
        f"- because: {'; '.join(reasons)}",
        "",
    ]


def _md_code_id(line: str) -> str:
    symbol, rest = line.split(" ", 1)
    rule_id, tail = rest.split(" ", 1)
    return f"{symbol} `{rule_id}` {escape(tail)}"  # the tail names a file: user text


workload_dict = _workload_dict  # for what-if reports (render/whatif.py), which share this shape

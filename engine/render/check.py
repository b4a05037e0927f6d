"""`deploy-advisor check` and `deploy-advisor test` reports as text and JSON."""
from __future__ import annotations

from typing import Any

from ..authoring.check import CheckReport
from ..authoring.ruletests import CaseResult, TestReport
from .data import to_json
from .safe import printable


def check_text(report: CheckReport, label: str) -> str:
    """One `file:line:col: code: message (hint)` line per finding, then what was checked and how."""
    lines = [f.problem.format() for f in report.findings]
    if lines:
        lines.append("")
    loaded = f"{_plural(report.files, 'rule file')}, {_plural(report.rules, 'rule')} loaded"
    lines.append(f"check {label}: {loaded}: {_counts(report)}")
    lines += [f"  {what}: {how}" for what, how in report.analyses]
    return "\n".join(lines) + "\n"


def _counts(report: CheckReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if not errors and not warnings:
        return "no problems"
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def check_json(report: CheckReport) -> str:
    data: dict[str, Any] = {
        "root": report.root,
        "ok": report.ok(),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "rules": report.rules,
        "files": report.files,
        "findings": [f.as_dict() for f in report.findings],
        "analyses": dict(report.analyses),
        "matches": None if report.matches is None else {"most": report.matches.most, "exact": report.matches.exact},
    }
    return to_json(data) + "\n"


def tests_text(report: TestReport, label: str, coverage: bool = False) -> str:
    """Problems and failures as located lines (expected against actual), then the summary."""
    lines = [p.format() for p in report.problems]
    for result in report.failed:
        lines += _failure_lines(result)
    for result in report.disputed:
        lines += [f"{f.expectation.span}: disputed: '{result.case.name}': {f.message} ({result.case.disputed})"
                  for f in result.failures]
    if coverage:
        lines += [f"{r.file}:{r.line}:1: not-covered: no test case fires '{r.id}'" for r in report.uncovered]
    if lines:
        lines.append("")
    lines.append(_tests_summary(report, label))
    if report.scenarios:
        disputed = f" ({len(report.disputed)} disputed)" if report.disputed else ""
        lines.append(f"scenarios: {report.scenarios_agreeing}/{len(report.scenarios)} agree{disputed}")
    if coverage:
        covered = len(report.rules) - len(report.uncovered)
        lines.append(f"coverage: {covered} of {len(report.rules)} rules fired by some case")
    return "\n".join(lines) + "\n"


def _failure_lines(result: CaseResult) -> list[str]:
    out = []
    for failure in result.failures:
        span = failure.expectation.span
        out.append(printable(f"{span}: test-failed: '{result.case.name}': {failure.message}"))
    ranking = ", ".join(f"{p.option} {p.score}" + (" (excluded)" if p.excluded else "") for p in result.result.ranking)
    out.append(f"    ranking: {ranking}")
    out.append(f"    fired: {', '.join(sorted(result.result.fired)) or 'no rule'}")
    return out


def _tests_summary(report: TestReport, label: str) -> str:
    total, failed = len(report.results), len(report.failed)
    files = _plural(len(report.files), "file")
    head = f"test {label}: {_plural(total, 'case')} in {files}"
    if report.problems:
        head += f", {_plural(len(report.problems), 'problem')} in the test files"
    return head + (f", {failed} failed" if failed else (", all passed" if total else ""))


def tests_json(report: TestReport, coverage: bool = False) -> str:
    data: dict[str, Any] = {
        "root": report.root,
        "ok": report.ok(coverage),
        "cases": len(report.results),
        "passed": len(report.results) - len(report.failed),
        "failed": [_failure_dict(r) for r in report.failed],
        "problems": [p.as_dict() for p in report.problems],
        "files": list(report.files),
        "scenarios": {"cases": len(report.scenarios), "agree": report.scenarios_agreeing,
                      "disputed": [{"name": r.case.name, "file": r.case.file, "line": r.case.span.line,
                                    "why": r.case.disputed} for r in report.disputed]},
    }
    if coverage:
        data["uncovered"] = [{"rule": r.id, "file": r.file, "line": r.line} for r in report.uncovered]
    return to_json(data) + "\n"


def _failure_dict(result: CaseResult) -> dict[str, Any]:
    return {
        "case": result.case.name,
        "file": result.case.file,
        "line": result.case.span.line,
        "source": result.case.source,
        "failures": [{"key": f.expectation.key, "line": f.expectation.span.line, "column": f.expectation.span.column,
                      "expected": f.expected, "actual": f.actual} for f in result.failures],
        "ranking": [{"option": p.option, "score": p.score, "excluded": p.excluded} for p in result.result.ranking],
        "fired": sorted(result.result.fired),
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"

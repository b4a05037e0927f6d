"""`--format github` for check, test and diff: GitHub Actions workflow commands, so that each problem
shows on the line of the pull request it is about.

A command is `::error file=F,line=L,col=C,title=T::message`. GitHub's escaping rules: in the message,
`%`, CR and LF become %25, %0D, %0A; in a property value, `:` and `,` become %3A and %2C as well.
A summary line (not a command) ends the output, as in the text report.
"""
from __future__ import annotations

from ..authoring.check import CheckReport
from ..errors import Span
from ..authoring.impact import ImpactReport
from ..authoring.ruletests import TestReport
from .check import _failure_lines, _tests_summary, check_text
from .impact import cause_text, headline, winner_text

LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, span: Span | None = None, title: str = "") -> str:
    """One workflow command; the location's parts only where known."""
    props = []
    if span is not None and span.file:
        props.append(f"file={escape_property(span.file)}")
        if span.line:
            props.append(f"line={span.line}")
        if span.line and span.column:
            props.append(f"col={span.column}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def check_github(report: CheckReport, label: str) -> str:
    lines = []
    for finding in report.findings:
        p = finding.problem
        message = f"{p.code}: {p.message}" + (f" ({p.hint})" if p.hint else "")
        lines.append(command(LEVELS.get(finding.severity, "warning"), message, p.span, f"deploy-advisor {p.code}"))
    summary = check_text(report, label).split("\n")
    start = summary.index("") + 1 if lines else 0  # the text report's summary, after its finding lines
    return "\n".join(lines + summary[start:]).rstrip("\n") + "\n"


def tests_github(report: TestReport, label: str, coverage: bool = False) -> str:
    lines = [command("error", f"{p.code}: {p.message}" + (f" ({p.hint})" if p.hint else ""), p.span,
                     f"deploy-advisor {p.code}") for p in report.problems]
    for result in report.failed:
        context = "\n".join(line.strip() for line in _failure_lines(result) if line.startswith("    "))
        for failure in result.failures:
            lines.append(command("error", f"'{result.case.name}': {failure.message}\n{context}",
                                 failure.expectation.span, "deploy-advisor test-failed"))
    for result in report.disputed:
        for failure in result.failures:
            lines.append(command("notice", f"disputed: '{result.case.name}': {failure.message} ({result.case.disputed})",
                                 failure.expectation.span, "deploy-advisor disputed scenario"))
    if coverage:
        lines += [command("error", f"not-covered: no test case fires '{r.id}'", Span(r.file, r.line, 1),
                          "deploy-advisor not-covered") for r in report.uncovered]
    lines.append(_tests_summary(report, label))
    return "\n".join(lines) + "\n"


def diff_github(report: ImpactReport) -> str:
    """A warning per changed recommendation, on the line of the first changed rule behind it."""
    lines = []
    for change in report.flipped:
        rule = change.causes[0].change.rule if change.causes else None
        span = Span(rule.file, rule.line, 1) if rule is not None else None
        why = "; ".join(cause_text(c) for c in change.causes) or "no changed rule fires for it"
        lines.append(command("warning", f"{change.entry.origin}: {winner_text(change.old)} → {winner_text(change.new)} "
                                        f"({why})", span, "deploy-advisor diff"))
    if report.regions is not None and report.regions.any:
        lines.append(command("notice", report.regions.describe(), None, "deploy-advisor diff"))
    lines.append(f"diff {report.old_label} → {report.new_label}: {headline(report)}")
    return "\n".join(lines) + "\n"

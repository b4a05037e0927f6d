"""`test --format junit`: the rule test cases as JUnit XML (the Ant/Jenkins schema that GitHub test
reporters, GitLab and Jenkins read).

One test suite per test file and one test case per rule test case (scenarios included: they are cases
that cite a source); a failure names the expectation's file:line and expected against actual, then
the ranking and the rules that fired. A disputed scenario is *skipped*, with the reason written in the
file. Problems in the test files are errors of a `load` case of their file, and with `--coverage` the
rules no case fires are the failure of a `coverage` case.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from ..errors import Problem
from ..authoring.ruletests import CaseResult, TestReport
from .check import _failure_lines


@dataclass(frozen=True)
class Stamp:
    """Where and when the run happened, and how long it took: JUnit requires them."""

    timestamp: str  # ISO 8601 without a zone, as the schema's pattern wants: 2026-12-01T15:00:00
    hostname: str
    seconds: float


def stamp_now(seconds: float) -> Stamp:
    """Now (or SOURCE_DATE_EPOCH, for reproducible reports), this host, and the run's duration."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return Stamp(when.strftime("%Y-%m-%dT%H:%M:%S"), socket.gethostname(), seconds)


@dataclass(frozen=True)
class _Case:
    name: str
    classname: str
    outcome: str  # "" (passed), "failure", "error" or "skipped"
    message: str = ""
    kind: str = ""  # the failure's or error's type
    text: str = ""


def tests_junit(report: TestReport, stamp: Stamp, coverage: bool = False, package: str = "rules") -> str:
    """``package`` names the rule set as the command line did (the suites' package attribute)."""
    suites: dict[str, list[_Case]] = {name: [] for name in report.files}
    for result in report.results:
        suites.setdefault(result.case.file, []).append(_case(result))
    for problem in report.problems:
        suites.setdefault(problem.span.file, []).append(_load_case(problem))
    if coverage:
        suites["coverage"] = [_coverage_case(report)]
    share = stamp.seconds / max(1, sum(len(c) for c in suites.values()))  # one batch: an equal share each
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for number, (name, cases) in enumerate(suites.items()):
        lines += _suite(number, name, cases, stamp, package, share)
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def _case(result: CaseResult) -> _Case:
    name, file = result.case.name, result.case.file
    if result.passed:
        return _Case(name, file, "")
    if result.case.disputed:
        return _Case(name, file, "skipped", f"disputed: {result.case.disputed}")
    first = result.failures[0]
    where = [f"{f.expectation.span}: {f.message}" for f in result.failures]
    context = [line.strip() for line in _failure_lines(result) if line.startswith("    ")]
    return _Case(name, file, "failure", f"{first.expectation.span}: {first.message}", "test-failed",
                 "\n".join(where + context))


def _load_case(problem: Problem) -> _Case:
    return _Case(f"load: {problem.code} at line {problem.span.line}", problem.span.file, "error", problem.format(),
                 problem.code, problem.format())


def _coverage_case(report: TestReport) -> _Case:
    if not report.uncovered:
        return _Case("coverage", "coverage", "")
    lines = [f"{r.file}:{r.line}:1: not-covered: no test case fires '{r.id}'" for r in report.uncovered]
    return _Case("coverage", "coverage", "failure", f"{len(report.uncovered)} of {len(report.rules)} rules fired by no case",
                 "not-covered", "\n".join(lines))


def _suite(number: int, name: str, cases: list[_Case], stamp: Stamp, package: str, share: float) -> list[str]:
    failures = sum(c.outcome == "failure" for c in cases)
    errors = sum(c.outcome == "error" for c in cases)
    skipped = sum(c.outcome == "skipped" for c in cases)
    head = (f'  <testsuite package={quoteattr(package or ".")} id="{number}" name={quoteattr(name)} '
            f'timestamp="{stamp.timestamp}" hostname={quoteattr(stamp.hostname or "localhost")} tests="{len(cases)}" '
            f'failures="{failures}" errors="{errors}" skipped="{skipped}" time="{share * len(cases):.3f}">')
    lines = [head, "    <properties/>"]
    for case in cases:
        lines.append(_case_xml(case, share))
    return lines + ["    <system-out/>", "    <system-err/>", "  </testsuite>"]


def _case_xml(case: _Case, share: float) -> str:
    attrs = f'name={quoteattr(_token(case.name))} classname={quoteattr(_token(case.classname))} time="{share:.3f}"'
    if not case.outcome:
        return f"    <testcase {attrs}/>"
    if case.outcome == "skipped":
        return f"    <testcase {attrs}><skipped message={quoteattr(_clean(case.message))}/></testcase>"
    return (f"    <testcase {attrs}><{case.outcome} message={quoteattr(_clean(case.message))} type={quoteattr(case.kind)}>"
            f"{escape(_clean(case.text))}</{case.outcome}></testcase>")


def _token(text: str) -> str:
    """An xs:token: no line breaks or tabs, no leading, trailing or doubled spaces."""
    return " ".join(text.split()) or "-"


def _clean(text: str) -> str:
    """Only characters XML 1.0 allows (a control character in a YAML string would make the file unreadable)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)

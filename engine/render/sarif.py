"""`check --format sarif`: the findings as SARIF 2.1.0, for GitHub code scanning and other viewers.

One result per finding, its rule the finding's code (with a help text and a link into
docs/rule-language.md, where each code has an anchor `check-CODE`), its level from the severity and
its physical location (file, line, column of the offending key). The messages are the text report's:
an answer-space finding (a conflict, an undecided region, a violated invariant) names its example
workload there.
"""
from __future__ import annotations

from typing import Any

from ..authoring.check import CheckReport, Finding
from .data import to_json

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "docs/rule-language.md"  # relative to the repository root, where the rule set usually lives
LEVELS = {"error": "error", "warning": "warning", "note": "note"}

# code -> what it means, in a sentence. Codes not listed (rare loader codes) get a generic text and the
# anchor of the whole table.
HELP: dict[str, str] = {
    "yaml-syntax": "The file is not valid YAML.",
    "json-syntax": "The file is not valid JSON.",
    "duplicate-key": "A mapping names the same key twice; YAML would silently keep one.",
    "unknown-key": "A key the rule language does not have (often a typo).",
    "wrong-type": "A value of the wrong kind (a list where text is expected, say).",
    "missing-key": "A required key is missing.",
    "bad-effect": "A rule needs exactly one of `points` or `exclude`.",
    "bad-id": "A rule id must be kebab-case.",
    "unknown-criterion": "The condition names a criterion the catalogue does not have.",
    "unknown-value": "The condition names a value the criterion does not have.",
    "unknown-option": "An option id that options.yaml does not define.",
    "unknown-source": "The source is not an anchor of deployment-options.md.",
    "unknown-rule": "A test case names a rule that does not exist.",
    "duplicate-rule-id": "Two rules share one id; ids are unique across the rule set.",
    "points-range": "Points are whole numbers from -5 to 5, and not 0.",
    "never-holds": "The condition contradicts itself: no answers satisfy it.",
    "dead-rule": "No workload the catalogue can describe fires the rule (a criterion's `when` rules it out).",
    "duplicate-rule": "Another rule has an equivalent condition and the same effect: one need counted twice.",
    "always-holds": "The rule fires for every workload, even one with no answers.",
    "conflict": "A describable workload has every option excluded; the message gives one.",
    "many-matches": "One workload matches nearly durable-rules' limit of 64 rules at once.",
    "too-many-matches": "One workload matches more than durable-rules' limit of 64 rules at once.",
    "tie-region": "Workloads whose winner is decided only by the tie-break order; the message gives the patterns.",
    "no-basis-region": "Workloads for which only light rules (1 point) speak, for a lead of at most one: no winner is named.",
    "invariant-violated": "A stated invariant of rules/invariants.yaml fails; the message gives a workload.",
    "bad-url": "A scenario's source must be an absolute http(s) URL.",
    "duplicate-case": "Two test cases of one file share a name.",
}
GENERIC = "A problem of the rule set; see the table of codes."


def check_sarif(report: CheckReport, version: str) -> str:
    """The report as one SARIF log; ``version`` is the tool's (given by the CLI: engine/ does not import it)."""
    codes = sorted({f.problem.code for f in report.findings})
    index = {code: i for i, code in enumerate(codes)}
    driver = {"name": "deploy-advisor", "version": version, "semanticVersion": version,
              "rules": [_rule(c, report) for c in codes]}
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": [_result(f, index) for f in report.findings],
                           "columnKind": "unicodeCodePoints"}
    return to_json({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}) + "\n"


def help_uri(code: str) -> str:
    return f"{DOCS}#check-{code}" if code in HELP else f"{DOCS}#check-findings"


def _rule(code: str, report: CheckReport) -> dict[str, Any]:
    text = HELP.get(code, GENERIC)
    severity = next(f.severity for f in report.findings if f.problem.code == code)
    return {"id": code, "name": "".join(w.capitalize() for w in code.split("-")),
            "shortDescription": {"text": text}, "fullDescription": {"text": text},
            "help": {"text": f"{text} See {help_uri(code)}.", "markdown": f"{text} See [{code}]({help_uri(code)})."},
            "helpUri": help_uri(code), "defaultConfiguration": {"level": LEVELS.get(severity, "warning")}}


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    problem = finding.problem
    text = f"{problem.message} ({problem.hint})" if problem.hint else problem.message
    location: dict[str, Any] = {"artifactLocation": {"uri": problem.span.file}}
    if problem.span.line:
        region: dict[str, int] = {"startLine": problem.span.line}
        if problem.span.column:
            region["startColumn"] = problem.span.column
        location["region"] = region
    return {"ruleId": problem.code, "ruleIndex": index[problem.code], "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": text}, "locations": [{"physicalLocation": location}]}

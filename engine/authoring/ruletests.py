"""Rule test cases (`*.test.yaml` next to the rules): load, check, run, and measure coverage.

A case is a workload's ``needs`` and what must hold of its result: the winner (or the winners it may
have), the option ranked first or last, rules that must or must not fire, and the options excluded.
Cases run through the real engine (durable-rules), the same path as `deploy-advisor recommend`.

A case that cites a ``source:`` (the URL of public decision guidance) is a *scenario*: it checks the
rules against what outside experts recommend, not against what the rules were written to do, so the
report counts how many scenarios agree on their own line as well as among all cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..errors import Collector, Problem, Span, choose_from
from ..fields import fields, text, text_list
from ..model import OPTION_IDS, NeedValue, Rule, RuleSet
from ..requirements import Source, Workload, check_needs
from ..result import Result
from ..rulefiles import TEST_SUFFIX, _labeller, load_ruleset, one_document, shipped_rules_dir
from ..tree import Node

CASE_KEYS = ("name", "needs", "expect")
CASE_OPTIONAL_KEYS = ("source", "note", "disputed")
EXPECT_KEYS = ("winner", "winner_in", "first", "last", "fires", "not_fires", "excluded")
NO_WINNER = "none"  # `winner: none`: every option is excluded
URL_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Expectation:
    """One `expect:` entry: an option (winner, first, last) or a list (fires, not_fires, excluded)."""

    key: str
    value: str | tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    span: Span
    needs: tuple[tuple[str, NeedValue], ...]
    expects: tuple[Expectation, ...]
    source: str | None = None  # the URL of the public guidance the case comes from
    note: str | None = None    # why these expectations: what the guidance says
    # A scenario the rules answer differently on purpose: why. Its disagreement is reported, counted
    # against agreement, and is not a failure (the corpus keeps the guidance's answer, not ours).
    disputed: str | None = None

    @property
    def scenario(self) -> bool:
        """A case taken from outside guidance (it cites a source), counted apart in the report."""
        return self.source is not None

    def workload(self) -> Workload:
        return Workload(self.name, self.needs, Source(self.file, line=self.span.line))


@dataclass(frozen=True)
class Failure:
    """An expectation that did not hold: what the case says against what the engine gave."""

    expectation: Expectation
    expected: str
    actual: str

    @property
    def message(self) -> str:
        joint = "but" if self.expectation.key in ("fires", "not_fires") else "got"
        return f"{self.expectation.key}: expected {self.expected}, {joint} {self.actual}"


@dataclass(frozen=True)
class CaseResult:
    case: Case
    result: Result
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class TestReport:
    """Everything `deploy-advisor test` found: load problems, each case's outcome, uncovered rules."""

    __test__ = False  # not a pytest test class, despite the name

    root: str
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    results: tuple[CaseResult, ...]
    rules: tuple[Rule, ...]
    uncovered: tuple[Rule, ...]

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed and not r.case.disputed)

    @property
    def disputed(self) -> tuple[CaseResult, ...]:
        """Scenarios that disagree with the rules, with the rules' reason written down."""
        return tuple(r for r in self.results if not r.passed and r.case.disputed)

    @property
    def scenarios(self) -> tuple[CaseResult, ...]:
        """The results of the cases that cite a source (see `Case.scenario`)."""
        return tuple(r for r in self.results if r.case.scenario)

    @property
    def scenarios_agreeing(self) -> int:
        return sum(1 for r in self.scenarios if r.passed)

    def ok(self, coverage: bool = False) -> bool:
        return not self.problems and not self.failed and not (coverage and self.uncovered)


# --- loading ---------------------------------------------------------------------------------


def case_files(root: Path) -> list[Path]:
    """The test files of a rule set folder, in name order."""
    return sorted(p for p in root.iterdir() if p.is_file() and p.name.endswith(TEST_SUFFIX))


def load_cases(root: Path, ruleset: RuleSet, shipped: bool = False) -> tuple[tuple[Case, ...], tuple[Problem, ...]]:
    """Every case of every test file in ``root``, checked against the rule set, and every problem."""
    label = _labeller(root, shipped)
    problems = Collector()
    cases: list[Case] = []
    for path in case_files(root):
        cases.extend(_load_file(path, label(path), ruleset, problems))
    return tuple(cases), tuple(problems.problems)


def _load_file(path: Path, name: str, ruleset: RuleSet, problems: Collector) -> list[Case]:
    doc = one_document(path, name, problems, "a test file holds one YAML document with 'cases:'")
    if doc is None:
        return []
    top = fields(doc, "a test file", ("cases",), (), problems)
    if not top or "cases" not in top:
        return []
    if not top["cases"].is_seq or not top["cases"].items:
        problems.add(top["cases"].span, "wrong-type", f"'cases' must be a non-empty list, got {top['cases'].describe()}")
        return []
    cases = [_case(node, name, ruleset, problems) for node in top["cases"].items]
    _check_unique_names([c for c in cases if c is not None], problems)
    return [c for c in cases if c is not None]


def _case(node: Node, file: str, ruleset: RuleSet, problems: Collector) -> Case | None:
    f = fields(node, "a test case", CASE_KEYS, CASE_OPTIONAL_KEYS, problems)
    if f is None:
        return None
    before = len(problems.problems)
    name = text(f.get("name"), "a case name", problems)
    needs = check_needs(f["needs"], ruleset.catalogue, problems) if "needs" in f else ()
    expects = _expects(f["expect"], ruleset, problems) if "expect" in f else ()
    source = _url(f["source"], problems) if "source" in f else None
    note = text(f["note"], "'note'", problems) if "note" in f else None
    disputed = text(f["disputed"], "'disputed'", problems) if "disputed" in f else None
    if disputed and source is None:
        problems.add(f["disputed"].span, "wrong-type", "only a scenario (a case with a 'source') can be disputed",
                     "add the guidance's URL as 'source', or fix the case")
    if len(problems.problems) > before or not name:
        return None
    return Case(name, file, node.span, needs, expects, source, note, disputed)


def _url(node: Node, problems: Collector) -> str | None:
    """An absolute http(s) URL: a scenario's source must be a page a reader can open."""
    value = text(node, "'source'", problems)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in URL_SCHEMES or not parts.netloc or any(c.isspace() for c in value):
        problems.add(node.span, "bad-url", f"'source' must be an http(s) URL, got '{value}'",
                     "write the full address of the guidance, starting with https://")
        return None
    return value


def _expects(node: Node, ruleset: RuleSet, problems: Collector) -> tuple[Expectation, ...]:
    f = fields(node, "'expect'", (), EXPECT_KEYS, problems)
    if f is None:
        return ()
    if not f:
        problems.add(node.span, "missing-key", "'expect' checks nothing", f"add one of: {', '.join(EXPECT_KEYS)}")
        return ()
    spans = {key: key_node.span for key, key_node, _ in node.entries()}
    out = [_expectation(key, value, spans[key], ruleset, problems) for key, value in f.items()]
    found = tuple(e for e in out if e is not None)
    _check_fires_overlap(found, problems)
    return found


def _expectation(key: str, node: Node, span: Span, ruleset: RuleSet, problems: Collector) -> Expectation | None:
    if key in ("winner", "first", "last"):
        allowed = OPTION_IDS + ((NO_WINNER,) if key == "winner" else ())
        option = text(node, f"'{key}'", problems)
        return Expectation(key, option, span) if option and _known(option, allowed, "option", node, problems) else None
    names = () if node.is_seq and not node.items else text_list(node, f"an entry of '{key}'", problems)
    if names is None:
        return None
    what = "option" if key in ("excluded", "winner_in") else "rule"
    if what == "rule":
        allowed = tuple(r.id for r in ruleset.rules)
    else:
        allowed = OPTION_IDS + ((NO_WINNER,) if key == "winner_in" else ())
    if not all(_known(n, allowed, what, node, problems) for n in names):
        return None
    if not names and key != "excluded":
        problems.add(node.span, "wrong-type", f"'{key}' needs at least one {what} id")
        return None
    if key == "winner_in" and len(set(names)) != len(names):
        problems.add(node.span, "duplicate-option", "'winner_in' names an option twice", "name each option once")
        return None
    return Expectation(key, tuple(names), span)


def _known(name: str, allowed: tuple[str, ...], what: str, node: Node, problems: Collector) -> bool:
    if name in allowed:
        return True
    code = "unknown-option" if what == "option" else "unknown-rule"
    problems.add(node.span, code, f"unknown {what} '{name}'", choose_from(name, allowed))
    return False


def _check_fires_overlap(expects: tuple[Expectation, ...], problems: Collector) -> None:
    lists = {e.key: e for e in expects}
    if "fires" in lists and "not_fires" in lists:
        both = sorted(set(lists["fires"].value) & set(lists["not_fires"].value))
        if both:
            problems.add(lists["not_fires"].span, "contradiction", f"{', '.join(both)} must both fire and not fire",
                         "keep it in one of the two lists")


def _check_unique_names(cases: list[Case], problems: Collector) -> None:
    seen: dict[str, Case] = {}
    for case in cases:
        if case.name in seen:
            problems.add(case.span, "duplicate-case", f"case '{case.name}' is already defined at line {seen[case.name].span.line}",
                         "give each case its own name")
        seen.setdefault(case.name, case)


# --- running ---------------------------------------------------------------------------------


def run_tests(directory: str | Path | None = None, engine: str = "durable") -> TestReport:
    """Load the rule set and its test cases, run every case, and measure which rules no case fires.

    Raises RuleError when the rule set itself is broken (`deploy-advisor check` explains it).
    """
    root = Path(directory) if directory is not None else shipped_rules_dir()
    ruleset = load_ruleset(directory)
    cases, problems = load_cases(root, ruleset, shipped=directory is None)
    results = run_cases(ruleset, cases, engine)
    fired = set().union(*(r.result.fired for r in results)) if results else set()
    label = _labeller(root, directory is None)
    return TestReport(root=ruleset.root, files=tuple(label(p) for p in case_files(root)), problems=problems,
                      results=results, rules=ruleset.rules,
                      uncovered=tuple(r for r in ruleset.rules if r.id not in fired))


def run_cases(ruleset: RuleSet, cases: tuple[Case, ...], engine: str = "durable") -> tuple[CaseResult, ...]:
    """Each case's result through the engine, and the expectations it fails."""
    if not cases:
        return ()
    from ..api import Advisor  # here: check loads test cases too, and must not load durable-rules

    advisor = Advisor(ruleset, engine=engine)
    results = advisor.evaluate([case.workload() for case in cases])
    return tuple(CaseResult(case, result, tuple(_failures(case, result))) for case, result in zip(cases, results))


def _failures(case: Case, result: Result) -> list[Failure]:
    out = []
    for expectation in case.expects:
        failure = _CHECKS[expectation.key](expectation, result)
        if failure is not None:
            out.append(failure)
    return out


Check = Callable[[Expectation, Result], "Failure | None"]


def _option_check(actual_of: Callable[[Result], str]) -> Check:
    def check(expectation: Expectation, result: Result) -> Failure | None:
        actual = actual_of(result)
        return None if actual == expectation.value else Failure(expectation, str(expectation.value), actual)

    return check


def _winner_in(expectation: Expectation, result: Result) -> Failure | None:
    actual = result.recommendation or NO_WINNER
    if actual in expectation.value:
        return None
    return Failure(expectation, f"one of {_options_text(list(expectation.value))}", actual)


def _fires(expectation: Expectation, result: Result) -> Failure | None:
    missing = [r for r in expectation.value if r not in result.fired]
    if not missing:
        return None
    return Failure(expectation, f"{', '.join(missing)} to fire", f"{'it' if len(missing) == 1 else 'they'} did not")


def _not_fires(expectation: Expectation, result: Result) -> Failure | None:
    fired = [r for r in expectation.value if r in result.fired]
    if not fired:
        return None
    return Failure(expectation, f"{', '.join(fired)} not to fire", f"{'it' if len(fired) == 1 else 'they'} fired")


def _excluded(expectation: Expectation, result: Result) -> Failure | None:
    actual = [p.option for p in result.ranking if p.excluded]
    expected = [o for o in OPTION_IDS if o in expectation.value]
    if sorted(actual) == sorted(expected):
        return None
    return Failure(expectation, _options_text(expected), _options_text(sorted(actual, key=OPTION_IDS.index)))


def _options_text(options: list[str]) -> str:
    return f"[{', '.join(options)}]"


_CHECKS: dict[str, Check] = {
    "winner": _option_check(lambda r: r.recommendation or NO_WINNER),
    "winner_in": _winner_in,
    "first": _option_check(lambda r: r.ranking[0].option),
    "last": _option_check(lambda r: r.ranking[-1].option),
    "fires": _fires,
    "not_fires": _not_fires,
    "excluded": _excluded,
}

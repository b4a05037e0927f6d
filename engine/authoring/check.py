"""`deploy-advisor check`: every problem of a rule set at once, from YAML syntax to dead rules.

The stages, in order: load (the loader's own checks: syntax, keys, types, catalogue values, ids,
sources, points), the test files' structure, then analyses over the answer space that the loader
cannot make rule by rule:

* each rule's condition, enumerated over the criteria it mentions: ``never-holds`` (a contradiction),
  ``dead-rule`` (no describable workload fires it), ``always-holds`` (every workload fires it);
* pairs of rules with equivalent conditions and equal effects: ``duplicate-rule``;
* workloads with every option excluded: ``conflict``, one concrete example per set of rules;
* the most compiled rules one workload matches at once (engine/limits.py, the loader's own count):
  ``many-matches`` near the limit the loader enforces (``too-many-matches`` past it).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..answerspace import DEFAULT_SEED, ENUMERATE_LIMIT, SAMPLE_SIZE, AnswerSpace, Exploration, Needs, needs_text, representatives
from .. import limits
from ..conditions import condition_text, conjuncts, criteria_in, holds
from ..errors import Problem, Span
from .invariantcheck import invariant_problems
from .regions import CODES as REGION_CODES, find_regions, region_problems
from ..model import Condition, Is, Not, Rule, RuleSet
from ..rulefiles import load_ruleset_partially, rule_files, shipped_rules_dir
from .ruletests import load_cases

MATCH_WARN = 48  # warn past this many compiled matches at once, while there is room to add rules (limit: 56)
WARNING_CODES = frozenset({"conflict", "always-holds", "many-matches", *REGION_CODES.values()})


@dataclass(frozen=True)
class Finding:
    problem: Problem
    severity: str  # "error" | "warning"

    def as_dict(self) -> dict[str, object]:
        return {**self.problem.as_dict(), "severity": self.severity}


@dataclass(frozen=True)
class Matches:
    """The most compiled rules durable-rules matches at once for one workload (catch-all included)."""

    most: int
    exact: bool  # False: an upper bound (the search ran out of budget)


@dataclass(frozen=True)
class CheckReport:
    root: str
    findings: tuple[Finding, ...]
    rules: int = 0
    files: int = 0
    analyses: tuple[tuple[str, str], ...] = ()  # (what, how it was done), for the summary
    matches: Matches | None = None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def ok(self, strict: bool = False) -> bool:
        return not (self.findings if strict else self.errors)


def check_rules(directory: str | Path | None = None, seed: int = DEFAULT_SEED,
                sample: int = SAMPLE_SIZE) -> CheckReport:
    """Check the rule set in ``directory`` (default: the shipped one); never raises for its problems."""
    root = Path(directory) if directory is not None else shipped_rules_dir()
    ruleset, problems = load_ruleset_partially(directory)
    if ruleset is None:
        return _report(str(root), problems)
    _, case_problems = load_cases(root, ruleset, shipped=directory is None)
    analyses: list[tuple[str, str]] = []
    found = list(problems) + list(case_problems)
    # past durable's limits the rule set is refused anyway, and the analyses of such sets can take minutes
    if any(p.code in limits.CODES for p in problems):
        analyses.append(("engine limits", _limits_text(ruleset)))
        return _report(str(root), found, len(ruleset.rules), len(rule_files(root)), tuple(analyses))
    space = AnswerSpace(ruleset.catalogue, [r.when for r in ruleset.rules], seed=seed)
    found += rule_conditions(ruleset.rules, space, analyses, seed)
    found += duplicate_rules(ruleset.rules, space)
    found += conflicts(ruleset, space, analyses, seed)
    found += undecided_regions(ruleset, space, analyses, seed)
    matches = rule_matches(ruleset)
    found += _match_findings(matches, ruleset)
    analyses.append(("engine limits", _limits_text(ruleset)))
    found += invariant_problems(root, ruleset, space, analyses, seed, shipped=directory is None, sample=sample)
    return _report(str(root), found, len(ruleset.rules), len(rule_files(root)), tuple(analyses), matches)


def _report(root: str, problems: Iterable[Problem], rules: int = 0, files: int = 0,
            analyses: tuple[tuple[str, str], ...] = (), matches: Matches | None = None) -> CheckReport:
    ordered = sorted(set(problems), key=lambda p: (p.span.file, p.span.line, p.span.column, p.code, p.message))
    findings = tuple(Finding(p, "warning" if p.code in WARNING_CODES else "error") for p in ordered)
    return CheckReport(root, findings, rules, files, analyses, matches)


# --- one rule at a time ----------------------------------------------------------------------


def rule_conditions(rules: Iterable[Rule], space: AnswerSpace,
                    analyses: list[tuple[str, str]], seed: int = DEFAULT_SEED) -> list[Problem]:
    """never-holds, dead-rule and always-holds, each rule enumerated over the criteria it mentions."""
    out: list[Problem] = []
    largest, sampled = 0, 0
    for rule in rules:
        scope = space.scope(criteria_in(rule.when))
        largest = max(largest, space.size(scope))
        verdict, how = _condition_verdict(rule.when, scope, space, seed)
        sampled += how.method == "sampled"
        problem = _verdict_problem(rule, verdict, how, space)
        if problem is not None:
            out.append(problem)
    how = f"each rule enumerated over the criteria it mentions (at most {largest:,} workloads)" if largest else "no rule loaded"
    analyses.append(("conditions", how + (f"; {sampled} rules sampled" if sampled else "")))
    return out


def _condition_verdict(condition: Condition, scope: tuple[str, ...], space: AnswerSpace,
                       seed: int) -> tuple[str, Exploration]:
    """'contradiction', 'dead', 'always' or 'ok' for one condition over a scope."""
    if space.size(scope) <= ENUMERATE_LIMIT:
        classes = representatives(space.classes(scope, [condition]))  # one per class it tells apart: exact
        every = [{c: a for c, a in zip(scope, combo) if a is not None}
                 for combo in itertools.product(*(classes[c] for c in scope))]
        sampled = bool(space.sampled.intersection(scope))  # a criterion's answers are a sample already
        how = Exploration("sampled" if sampled else "enumerated", len(every), len(every), scope, seed if sampled else None)
    else:
        every = space.sample(ENUMERATE_LIMIT // 10, seed, scope)
        how = Exploration("sampled", len(every), space.count(scope), scope, seed)
    verdicts = [(holds(condition, needs), space.describable(needs)) for needs in every]
    if not any(fires for fires, _ in verdicts):
        return "contradiction", how
    if not any(fires and ok for fires, ok in verdicts):
        return "dead", how
    if all(fires for fires, ok in verdicts if ok):
        return "always", how
    return "ok", how


def _verdict_problem(rule: Rule, verdict: str, how: Exploration, space: AnswerSpace) -> Problem | None:
    span = rule.key_span("when")
    sampled = " in a sample of the workloads" if how.method == "sampled" else ""
    if verdict == "contradiction":
        return Problem(span, "never-holds", f"the condition of '{rule.id}' can never hold{sampled}: "
                       f"{contradiction_reason(rule.when)}", "fix or delete the rule")
    if verdict == "dead":
        asked = [c for c in how.criteria if space.catalogue[c].when is not None]
        reasons = "; ".join(f"'{c}' is only asked when {condition_text(space.catalogue[c].when)}" for c in asked)
        return Problem(span, "dead-rule", f"no workload the catalogue can describe fires '{rule.id}'{sampled}: {reasons}",
                       "drop the test that cannot be answered, or change the criterion's `when` in criteria.yaml")
    if verdict == "always":
        return Problem(span, "always-holds", f"'{rule.id}' fires for every workload, even one with no answers",
                       "a rule should react to a need; add the criterion it is about")
    return None


def contradiction_reason(condition: Condition) -> str:
    """Why a condition that never holds cannot: two values of a one-value criterion, or a need both
    required and negated; otherwise, the criteria no answer of which satisfies it."""
    parts = conjuncts(condition)
    wanted: dict[str, set[str]] = {}
    for part in parts:
        if isinstance(part, Is):
            if part.criterion in wanted and not wanted[part.criterion] & set(part.values):
                before = ", ".join(sorted(wanted[part.criterion]))
                return (f"'{part.criterion}' takes one value and cannot be both {before} and "
                        f"{', '.join(part.values)}")
            wanted[part.criterion] = wanted.get(part.criterion, set(part.values)) & set(part.values)
    for part in parts:
        if isinstance(part, Not) and part.operand in parts:
            return f"it both requires and excludes {condition_text(part.operand)}"
    criteria = ", ".join(dict.fromkeys(criteria_in(condition)))
    return f"no answers to {criteria} satisfy it"


# --- pairs of rules --------------------------------------------------------------------------


def duplicate_rules(rules: Iterable[Rule], space: AnswerSpace) -> list[Problem]:
    """Rules that say the same thing twice: equal effects and conditions that hold for the same workloads."""
    by_effect: dict[tuple[object, ...], list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: (r.file, r.line)):
        by_effect.setdefault((rule.points, rule.exclude), []).append(rule)
    out = []
    witnesses: dict[str, list[Needs]] = {}
    for group in by_effect.values():
        for first, second in itertools.combinations(group, 2):
            if _told_apart(first, second, space, witnesses):
                continue
            if equivalent(first.when, second.when, space):
                out.append(Problem(second.key_span("id"), "duplicate-rule",
                                   f"'{second.id}' has the same condition and effect as '{first.id}' "
                                   f"({first.file}:{first.line}), so the same need counts twice",
                                   "delete one of them, or merge their reasons"))
    return out


WITNESSES = 8  # workloads kept per rule that fire it: one the other rule does not fire tells them apart


def _told_apart(first: Rule, second: Rule, space: AnswerSpace, witnesses: dict[str, list[Needs]]) -> bool:
    """Whether a workload that fires one rule and not the other is at hand: then they are not
    equivalent, and the full comparison (hundreds of times dearer) is not needed. Exact: never True
    for equivalent rules."""
    for one, other in ((first, second), (second, first)):
        if one.id not in witnesses:
            witnesses[one.id] = _witnesses(one.when, space)
        if any(not holds(other.when, needs) for needs in witnesses[one.id]):
            return True
    return False


def _witnesses(condition: Condition, space: AnswerSpace) -> list[Needs]:
    """A few describable workloads (over the criteria it mentions) that fire a condition."""
    scope = space.scope(criteria_in(condition))
    if space.size(scope) > ENUMERATE_LIMIT or space.sampled.intersection(scope):
        return []
    classes = representatives(space.classes(scope, [condition]))
    found = []
    for combo in itertools.product(*(classes[c] for c in scope)):
        needs = {c: a for c, a in zip(scope, combo) if a is not None}
        if holds(condition, needs) and space.describable(needs):
            found.append(needs)
            if len(found) >= WITNESSES:
                break
    return found


def equivalent(first: Condition, second: Condition, space: AnswerSpace) -> bool:
    """Whether two conditions hold for exactly the same describable workloads."""
    scope = space.scope(itertools.chain(criteria_in(first), criteria_in(second)))
    if space.size(scope) > ENUMERATE_LIMIT or space.sampled.intersection(scope):
        return first == second  # a sample cannot show two conditions equivalent
    classes = representatives(space.classes(scope, [first, second]))  # one per class the two tell apart: exact
    for combo in itertools.product(*(classes[c] for c in scope)):
        needs = {c: a for c, a in zip(scope, combo) if a is not None}
        if holds(first, needs) != holds(second, needs) and space.describable(needs):
            return False
    return True


# --- conflicts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Needs that exclude every option, and the exclusion rules that fire for them."""

    needs: Needs
    rules: tuple[Rule, ...]


def find_conflicts(ruleset: RuleSet, space: AnswerSpace, seed: int = DEFAULT_SEED,
                   limit: int = ENUMERATE_LIMIT) -> tuple[Exploration, list[Conflict]]:
    """One example per minimal set of exclusion rules that leaves no option, simplest needs first.

    Only exclusion rules can leave a workload without options, so only the criteria they mention
    are explored: all their combinations when there are at most ``limit``, else a seeded sample."""
    excluders = [r for r in ruleset.rules if r.exclude]
    scope = space.scope(c for r in excluders for c in criteria_in(r.when))
    exploration, workloads = space.explore(scope, seed, limit)
    # Per option, the exclusion rules that exclude it, the option with fewest first: a workload for
    # which none of them fires is no conflict, and most workloads are told so after a few rules.
    by_option = sorted(([i for i, r in enumerate(excluders) if o in r.exclude] for o in ruleset.option_ids), key=len)
    found: dict[frozenset[int], Needs] = {}
    for needs in workloads:
        if not all(any(holds(excluders[i].when, needs) for i in group) for group in by_option):
            continue
        fired = frozenset(i for i, r in enumerate(excluders) if holds(r.when, needs))
        excluded = {o for i in fired for o in excluders[i].exclude}
        if set(ruleset.option_ids) <= excluded and (fired not in found or _size(needs) < _size(found[fired])):
            found[fired] = needs
    minimal = [k for k in found if not any(other < k for other in found)]
    conflicts = [Conflict(found[k], tuple(excluders[i] for i in sorted(k))) for k in minimal]
    return exploration, sorted(conflicts, key=lambda c: (c.rules[0].file, c.rules[0].line, len(c.needs)))


def _size(needs: Needs) -> tuple[int, int]:
    """How much a workload says: the simplest example of a conflict is the one to show."""
    return len(needs), sum(len(v) if isinstance(v, tuple) else 1 for v in needs.values())


def conflicts(ruleset: RuleSet, space: AnswerSpace, analyses: list[tuple[str, str]],
              seed: int = DEFAULT_SEED) -> list[Problem]:
    exploration, found = find_conflicts(ruleset, space, seed)
    excludes = any(r.exclude for r in ruleset.rules)
    analyses.append(("conflicts", exploration.describe() if excludes else "no rule excludes an option"))
    return [_conflict_problem(c, ruleset, space) for c in found]


def _conflict_problem(conflict: Conflict, ruleset: RuleSet, space: AnswerSpace) -> Problem:
    by_option = []
    for option in ruleset.option_ids:
        names = [r.id for r in conflict.rules if option in r.exclude]
        by_option.append(f"{option} by {', '.join(names)}")
    return Problem(conflict.rules[0].key_span("id"), "conflict",
                   f"every option is excluded for {needs_text(conflict.needs, space.catalogue)}: {'; '.join(by_option)}",
                   "fine if these needs really cannot be met together; otherwise turn one exclusion into points")


def undecided_regions(ruleset: RuleSet, space: AnswerSpace, analyses: list[tuple[str, str]],
                      seed: int = DEFAULT_SEED) -> list[Problem]:
    """Ties and no-basis answers (see regions.py); the summary line only where some were found, so
    that a rule set without them reads as it always did."""
    regions = find_regions(ruleset, space, seed)
    if regions.patterns:
        analyses.append(("undecided regions", regions.describe()))
    return region_problems(regions, ruleset)


# --- durable-rules' limit on matches ---------------------------------------------------------


def rule_matches(ruleset: RuleSet) -> Matches | None:
    """The most compiled rules one workload matches at once, as the loader counts them (engine/limits.py:
    the one count, over the compiled form durable-rules is given); None when it cannot be compiled."""
    try:
        found = limits.shape(ruleset)
    except ValueError:
        return None
    return Matches(found.most_matches, found.exact)


def _match_findings(matches: Matches | None, ruleset: RuleSet) -> list[Problem]:
    what = "can match" if matches is not None and matches.exact else "may match (upper bound)"
    # past the limit, the loader already refused the compiled form (limit_problems): one error, not two
    if matches is None or not MATCH_WARN < matches.most <= limits.MATCHES.allowed or _compiled_refused(ruleset):
        return []
    return [Problem(Span(_root_label(ruleset)), "many-matches",
                    f"one workload {what} {matches.most} compiled rules at once (catch-all included), near the "
                    f"limit of {limits.MATCHES.allowed}", "merge rules that always fire together")]


def _compiled_refused(ruleset: RuleSet) -> bool:
    try:
        found = limits.shape(ruleset)
    except ValueError:
        return True
    return found.compiled_rules > limits.RULES.allowed or found.most_matches > limits.MATCHES.allowed


def _limits_text(ruleset: RuleSet) -> str:
    """The compiled form against the limits the loader enforces (see engine/limits.py)."""
    try:
        found = limits.shape(ruleset)
    except ValueError as exc:
        return f"cannot be compiled: {exc}"
    most = f"{found.most_matches}" if found.exact else f"{found.most_matches} (an upper bound)"
    return (f"{found.compiled_rules} compiled rules (limit {limits.RULES.allowed}); one workload matches at most "
            f"{most} at once (limit {limits.MATCHES.allowed}); {limits.DURABLE} fails from "
            f"{limits.RULES.fails_from} and {limits.MATCHES.fails_from}")


def _root_label(ruleset: RuleSet) -> str:
    """The rule set as messages name it: the folder part of any rule's label, or its path."""
    if ruleset.rules:
        return ruleset.rules[0].file.rsplit("/", 1)[0]
    return ruleset.root


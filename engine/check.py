"""`deploy-advisor check`: every problem of a rule set at once, from YAML syntax to dead rules.

The stages, in order: load (the loader's own checks: syntax, keys, types, catalogue values, ids,
sources, points), the test files' structure, then analyses over the answer space that the loader
cannot make rule by rule:

* each rule's condition, enumerated over the criteria it mentions: ``never-holds`` (a contradiction),
  ``dead-rule`` (no describable workload fires it), ``always-holds`` (every workload fires it);
* pairs of rules with equivalent conditions and equal effects: ``duplicate-rule``;
* workloads with every option excluded: ``conflict``, one concrete example per set of rules;
* the most matches durable-rules makes at once for one workload: ``many-matches`` /
  ``too-many-matches`` against its limit of 64 (``MAX_STACK_SIZE``, error 303 past it).
"""
from __future__ import annotations

import math

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .answerspace import DEFAULT_SEED, ENUMERATE_LIMIT, SAMPLE_SIZE, AnswerSpace, Exploration, Needs, needs_text, representatives
from . import limits
from .compile import dnf_terms
from .conditions import condition_text, conjuncts, criteria_in, holds
from .errors import Problem, Span
from .invariantcheck import invariant_problems
from .regions import CODES as REGION_CODES, find_regions, region_problems
from .model import All, AnyOf, Condition, Has, Is, Not, Rule, RuleSet
from .rulefiles import load_ruleset_partially, rule_files, shipped_rules_dir
from .ruletests import load_cases

MATCH_LIMIT = 64  # durable-rules' MAX_STACK_SIZE: one fact matching more rules fails with error 303
MATCH_WARN = 48  # warn from here, while there is still room to add rules
WARNING_CODES = frozenset({"conflict", "always-holds", "many-matches", *REGION_CODES.values()})


@dataclass(frozen=True)
class Finding:
    problem: Problem
    severity: str  # "error" | "warning"

    def as_dict(self) -> dict[str, object]:
        return {**self.problem.as_dict(), "severity": self.severity}


@dataclass(frozen=True)
class Matches:
    """The most rule matches durable-rules makes for one workload (catch-all included)."""

    most: int
    exact: bool  # False: an upper bound (the exact search would have been too big)
    example: Needs = field(default_factory=dict)


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
    matches = most_matches(ruleset.rules, space)
    found += _match_findings(matches, ruleset, space)
    analyses.append(("engine matches", _matches_text(matches, space)))
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


def holding_terms(condition: Condition, needs: Needs, negate: bool = False) -> int:
    """How many of the alternatives durable-rules expands a condition into (see compile.dnf_terms)
    hold for these needs: each one is a separate match on durable's stack."""
    if isinstance(condition, Not):
        return holding_terms(condition.operand, needs, not negate)
    if isinstance(condition, (All, AnyOf)):
        counts = [holding_terms(o, needs, negate) for o in condition.operands]
        if isinstance(condition, All) != negate:
            return math.prod(counts)
        return sum(counts)
    if isinstance(condition, Is):
        answered = needs.get(condition.criterion) in condition.values
        return int(not answered) if negate else int(answered)
    if isinstance(condition, Has):
        chosen = needs.get(condition.criterion) or ()
        tests = [(value in chosen) != negate for value in condition.values]
        return int(all(tests)) if (condition.mode == "all") != negate else sum(tests)
    count = len(needs.get(condition.criterion) or ())
    return int((count < condition.count) if negate else (count >= condition.count))


@dataclass(frozen=True)
class Factor:
    """A table over some criteria; with ``classes``, keyed by each answer's class (see AnswerSpace.classes),
    so that a rule's table holds one entry per combination of classes rather than of answers."""

    scope: tuple[str, ...]
    table: dict[tuple[object, ...], int]
    classes: tuple[dict[object, object], ...] | None = None

    def value(self, assignment: dict[str, object]) -> int | None:
        if self.classes is None:
            return self.table.get(tuple(assignment[v] for v in self.scope))
        return self.table.get(tuple(c[assignment[v]] for v, c in zip(self.scope, self.classes)))


MAX_TABLE = 1_000_000  # the exact search gives up (for an upper bound) past tables this big


def most_matches(rules: Iterable[Rule], space: AnswerSpace) -> Matches:
    """The most matches any describable workload makes at once: exact by variable elimination over
    per-rule tables (each rule depends on a few criteria only), or an upper bound when too big."""
    factors: list[Factor] = []
    bound, too_big = 1, False  # the catch-all rule matches every workload
    # Rules with the same condition compile to one durable rule (compile.py shares them), so they
    # match once between them.
    for when in dict.fromkeys(rule.when for rule in rules):
        scope = space.scope(criteria_in(when))
        if space.size(scope) > ENUMERATE_LIMIT or space.sampled.intersection(scope):
            bound, too_big = bound + dnf_terms(when), True
            continue
        classes = space.classes(scope, [when])
        table = {}
        for combo in itertools.product(*representatives(classes).values()):
            needs = {c: a for c, a in zip(scope, combo) if a is not None}
            if space.describable(needs):
                table[combo] = holding_terms(when, needs)
        factors.append(Factor(scope, table, tuple(classes[c] for c in scope)))
        bound += max(table.values(), default=0)
    exact = None if too_big else maximise(factors, space.domains)
    if exact is None:
        return Matches(bound, False)
    best, example = exact
    return Matches(best + 1, True, example)


def maximise(factors: list[Factor], domains: dict[str, tuple[object, ...]]) -> tuple[int, Needs] | None:
    """Max over assignments of the sum of the factors (missing table keys are forbidden assignments),
    and an assignment reaching it; None when an intermediate table would exceed MAX_TABLE."""
    factors = list(factors)
    trace: list[tuple[str, tuple[str, ...], dict[tuple[object, ...], object]]] = []
    while any(f.scope for f in factors):
        variable, merged = _cheapest(factors, domains)
        if _table_size(merged, domains) > MAX_TABLE:
            return None
        involved = [f for f in factors if variable in f.scope]
        factors = [f for f in factors if variable not in f.scope]
        table, best = _eliminate(variable, merged, involved, domains)
        factors.append(Factor(merged, table))
        trace.append((variable, merged, best))
    if any(() not in f.table for f in factors):
        return None
    assignment: dict[str, object] = {}
    for variable, merged, best in reversed(trace):
        assignment[variable] = best[tuple(assignment[v] for v in merged)]
    example = {k: v for k, v in assignment.items() if v is not None}
    return sum(f.table[()] for f in factors), example  # type: ignore[return-value]


def _cheapest(factors: list[Factor], domains: dict[str, tuple[object, ...]]) -> tuple[str, tuple[str, ...]]:
    """The variable whose elimination builds the smallest table, and that table's variables."""
    best: tuple[int, str, tuple[str, ...]] | None = None
    for variable in sorted({v for f in factors for v in f.scope}):
        merged = tuple(dict.fromkeys(v for f in factors if variable in f.scope for v in f.scope if v != variable))
        size = _table_size(merged, domains)
        if best is None or size < best[0]:
            best = (size, variable, merged)
    assert best is not None
    return best[1], best[2]


def _table_size(variables: tuple[str, ...], domains: dict[str, tuple[object, ...]]) -> int:
    size = 1
    for variable in variables:
        size *= len(domains[variable])
    return size


def _eliminate(variable: str, merged: tuple[str, ...], involved: list[Factor],
               domains: dict[str, tuple[object, ...]]) -> tuple[dict[tuple[object, ...], int], dict[tuple[object, ...], object]]:
    table: dict[tuple[object, ...], int] = {}
    best: dict[tuple[object, ...], object] = {}
    for combo in itertools.product(*(domains[v] for v in merged)):
        assignment = dict(zip(merged, combo))
        for value in domains[variable]:
            assignment[variable] = value
            total = _sum_factors(involved, assignment)
            if total is not None and (combo not in table or total > table[combo]):
                table[combo], best[combo] = total, value
    return table, best


def _sum_factors(factors: list[Factor], assignment: dict[str, object]) -> int | None:
    total = 0
    for factor in factors:
        value = factor.value(assignment)
        if value is None:
            return None
        total += value
    return total


def _match_findings(matches: Matches, ruleset: RuleSet, space: AnswerSpace) -> list[Problem]:
    span = Span(_root_label(ruleset))
    example = f" (for example {needs_text(matches.example, space.catalogue)})" if matches.example else ""
    what = "can match" if matches.exact else "may match (upper bound)"
    # past the limit, the loader already refused the compiled form (engine/limits.py): one error, not two
    if matches.most > MATCH_WARN and not _compiled_refused(ruleset):
        return [Problem(span, "many-matches", f"one workload {what} {matches.most} rules at once{example}, "
                        f"near durable-rules' limit of {MATCH_LIMIT}", "merge rules that always fire together")]
    return []


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


def _matches_text(matches: Matches, space: AnswerSpace) -> str:
    bound = "" if matches.exact else " (upper bound)"
    example = f", for {needs_text(matches.example, space.catalogue)}" if matches.example else ""
    return f"at most {matches.most}{bound} of durable-rules' {MATCH_LIMIT} at once, catch-all included{example}"

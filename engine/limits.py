"""durable-rules' limits, checked on the compiled form of a rule set before anything calls into it.

durable-rules 2.0.28 does not refuse shapes its C core cannot hold: it crashes or hangs. Measured here
(docs/engine-notes.md has the commands), counting *compiled rules* as durable does, one per alternative
of a ``$or`` (plus our catch-all and batch-end rules):

* 511 compiled rules work; with 512 every assert fails (error 303, and our process then aborts or
  segfaults when the session is deleted); from 513 ``register_rulesets`` spins for good, holding the GIL,
  so that not even SIGTERM stops it;
* one fact may match 64 compiled rules at once (``MAX_STACK_SIZE``); the 65th fails the assert (error
  303), and deleting the session afterwards segfaults.

This module is pure (it never imports durable): the loader refuses rule sets past a limit kept a safety
margin below each crash point, and ``deploy-advisor check`` reports the same lines.
"""
from __future__ import annotations

from .compile import FIXED_TESTS, FactLayout, Term, compile_rule, condition_terms, fact_layout
from .errors import Problem, Span
from .model import RuleSet
from .records import NamedTuple

DURABLE = "durable-rules 2.0.28"
SEARCH_BUDGET = 20_000  # search nodes for the most matches; past it, an upper bound is reported


class Limit(NamedTuple):
    """One measured limit of durable-rules and the bound the loader keeps below it."""

    code: str
    what: str
    fails_from: int  # the smallest measured value that crashed, hung or failed
    allowed: int  # the most the loader accepts: a safety margin below ``fails_from``
    hint: str


RULES = Limit("too-many-rules", "compiled rules", 512, 480,
              "split the rule set, or merge rules whose conditions differ in one answer")
MATCHES = Limit("too-many-matches", "compiled rules at once (catch-all included)", 65, 56,
                "merge rules that always fire together, or split long `any` lists")

CODES = frozenset({RULES.code, MATCHES.code, "too-many-values"})


class Shape(NamedTuple):
    """What durable-rules would be asked to hold for a rule set."""

    compiled_rules: int  # every alternative of every compiled rule, catch-all and batch-end included
    most_matches: int  # compiled rules one workload can match at once, catch-all included
    exact: bool  # False: ``most_matches`` is an upper bound (the search ran out of budget)


def compiled_groups(ruleset: RuleSet, layout: FactLayout) -> list[list[Term]]:
    """The terms of each compiled durable rule (rules compiling alike share one, as in compile.py)."""
    groups: dict[tuple[str, ...], list[Term]] = {}
    for rule in ruleset.rules:
        tests = compile_rule(rule, layout)
        if tests and tests not in groups:
            groups[tests] = condition_terms(rule.when, layout)
    return list(groups.values())


def shape(ruleset: RuleSet, layout: FactLayout | None = None, budget: int = SEARCH_BUDGET) -> Shape:
    """Raises ValueError when the rule set cannot be encoded at all (see compile.fact_layout)."""
    layout = layout if layout is not None else fact_layout(ruleset)
    groups = compiled_groups(ruleset, layout)
    terms = [term for group in groups for term in group]
    compiled = len(terms) + FIXED_TESTS
    if compiled > RULES.allowed:  # the search is not needed to refuse it, and would be the slow part
        return Shape(compiled, len(terms) + 1, False)
    most, exact = most_matches(terms, layout, budget)
    return Shape(compiled, most + 1, exact)  # + the catch-all, which every workload matches


def most_matches(terms: list[Term], layout: FactLayout, budget: int = SEARCH_BUDGET) -> tuple[int, bool]:
    """The most terms one packed string satisfies at once, and whether that is exact.

    Terms that share no slot are independent: their maxima add up, so each connected group is solved
    alone. Within a group, branch on its most constrained slot, trying once each set of values that
    keep the same terms alive. Past ``budget`` branchings, a group counts all its terms: an upper bound."""
    alphabets = [sorted(slot.alphabet) for slot in layout.slots]
    spent = 0
    exact = True

    def solve(alive: list[Term], assigned: frozenset[int]) -> int:
        nonlocal spent, exact
        total = 0
        for group in _independent(alive, assigned):
            free = {i for term in group for i in term if i not in assigned}
            if not free:  # every term of the group holds
                total += len(group)
                continue
            spent += 1
            if spent > budget:
                exact = False
                total += len(group)
                continue
            slot = max(sorted(free), key=lambda i: sum(i in term for term in group))
            branches: dict[tuple[int, ...], list[Term]] = {}
            for code in alphabets[slot]:
                kept = tuple(n for n, term in enumerate(group) if slot not in term or code in term[slot])
                branches.setdefault(kept, [group[n] for n in kept])
            total += max(solve(kept, assigned | {slot}) for kept in branches.values())
        return total

    return solve(list(terms), frozenset()), exact


def _independent(terms: list[Term], assigned: frozenset[int]) -> list[list[Term]]:
    """The terms split into groups that share no unassigned slot (union-find over the slots)."""
    parent: dict[int, int] = {}

    def find(slot: int) -> int:
        while parent.setdefault(slot, slot) != slot:
            parent[slot] = parent[parent[slot]]
            slot = parent[slot]
        return slot

    for term in terms:
        slots = [i for i in term if i not in assigned]
        for other in slots[1:]:
            parent[find(other)] = find(slots[0])
    groups: dict[int, list[Term]] = {}
    for term in terms:
        slots = [i for i in term if i not in assigned]
        groups.setdefault(find(slots[0]) if slots else -1, []).append(term)
    return list(groups.values())


def _shape_once(ruleset: RuleSet) -> Shape:
    """The loader and every Evaluator ask about the same rule set: it keeps the answer (or the error)."""
    return ruleset.worked_out("limits-shape", shape)


def limit_problems(ruleset: RuleSet, label: str) -> list[Problem]:
    """One problem per limit the rule set's compiled form would break (an empty list when it fits)."""
    span = Span(label)
    try:
        found = _shape_once(ruleset)
    except ValueError as exc:  # more values or criteria than the packed string can encode
        return [Problem(span, "too-many-values", str(exc), "split the criterion into several")]
    problems = []
    if found.compiled_rules > RULES.allowed:
        problems.append(_problem(span, RULES, f"{found.compiled_rules} {RULES.what}"))
    elif found.most_matches > MATCHES.allowed:
        count = f"{found.most_matches}" if found.exact else f"up to {found.most_matches} (an upper bound)"
        problems.append(_problem(span, MATCHES, f"one workload can match {count} {MATCHES.what}"))
    return problems


def _problem(span: Span, limit: Limit, what: str) -> Problem:
    return Problem(span, limit.code, f"{what}; {DURABLE} fails from {limit.fails_from} (limit {limit.allowed})",
                   limit.hint)

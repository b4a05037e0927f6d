"""Compile a rule set into durable-rules ruleset definitions: a pure function, golden-testable.

Workloads become flat facts (see :func:`encode_fact`) so that every test is a comparison of a
string property with a string literal: durable-rules compares mixed types as strings, a missing
property fails every test (``$neq`` included) and a literal list cannot be compared, so

* a one-value criterion is always present, as its value or ``UNANSWERED``;
* a many-value criterion ``c`` becomes one ``c__value`` property per value, ``"y"`` or ``"n"``,
  plus an integer ``c__n`` (how many are chosen) compared only with integers;
* ``not`` is pushed down to the tests (negation normal form), since durable has no negation.

Each rule becomes one durable rule whose action receives up to ``cap`` matching facts at once,
and a catch-all rule matches every fact, so that a batch where some workload fires no rule still
runs its actions (durable raises MessageNotHandled for the whole batch otherwise).
"""
from __future__ import annotations

import math

from typing import Any, Mapping

from .model import All, AnyOf, Catalogue, Condition, CountAtLeast, Has, Is, Not, Rule, RuleSet

UNANSWERED = "_"
KIND_KEY = "_k"
KIND = "w"
INDEX_KEY = "_i"
CATCH_ALL = "_every-workload"
DEFAULT_CAP = 1000

Definition = dict[str, dict[str, Any]]


def compile_ruleset(ruleset: RuleSet, cap: int = DEFAULT_CAP) -> Definition:
    """durable-rules definitions for every rule (without actions), plus the catch-all rule."""
    definition: Definition = {rule.id: compile_rule(rule, cap) for rule in ruleset.rules}
    definition[CATCH_ALL] = {"all": [{"m": {KIND_KEY: KIND}}], "cap": cap}
    return definition


def compile_rule(rule: Rule, cap: int = DEFAULT_CAP) -> dict[str, Any]:
    return {"all": [{"m": compile_condition(rule.when)}], "cap": cap}


def compile_condition(condition: Condition, negate: bool = False) -> dict[str, Any]:
    """One durable condition expression; ``negate`` compiles ``not condition``."""
    if isinstance(condition, Not):
        return compile_condition(condition.operand, not negate)
    if isinstance(condition, (All, AnyOf)):
        conjunction = isinstance(condition, All) != negate
        parts = [compile_condition(o, negate) for o in condition.operands]
        return _join("$and" if conjunction else "$or", parts)
    if isinstance(condition, Is):
        if negate:
            return _join("$and", [{"$neq": {condition.criterion: v}} for v in condition.values])
        return _join("$or", [{condition.criterion: v} for v in condition.values])
    if isinstance(condition, Has):
        flag = "n" if negate else "y"
        every = (condition.mode == "all") != negate
        return _join("$and" if every else "$or", [{flag_key(condition.criterion, v): flag} for v in condition.values])
    if isinstance(condition, CountAtLeast):
        return {"$lt" if negate else "$gte": {count_key(condition.criterion): condition.count}}
    raise TypeError(f"not a condition: {condition!r}")


def _join(op: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {op: parts}


def flag_key(criterion: str, value: str) -> str:
    return f"{criterion}__{value}"


def count_key(criterion: str) -> str:
    return f"{criterion}__n"


def encode_fact(needs: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    """The fact asserted for one workload (without its id, session and index)."""
    fact: dict[str, Any] = {KIND_KEY: KIND}
    for criterion in catalogue.criteria:
        answer = needs.get(criterion.id)
        if criterion.many:
            chosen = answer or ()
            for value in criterion.value_ids:
                fact[flag_key(criterion.id, value)] = "y" if value in chosen else "n"
            fact[count_key(criterion.id)] = len(chosen)
        else:
            fact[criterion.id] = answer if answer is not None else UNANSWERED
    return fact


def dnf_terms(condition: Condition, negate: bool = False) -> int:
    """How many alternatives durable-rules expands a condition into (each one a separate match)."""
    if isinstance(condition, Not):
        return dnf_terms(condition.operand, not negate)
    if isinstance(condition, (All, AnyOf)):
        conjunction = isinstance(condition, All) != negate
        counts = [dnf_terms(o, negate) for o in condition.operands]
        if conjunction:
            return math.prod(counts)
        return sum(counts)
    if isinstance(condition, Is):
        return 1 if negate else len(condition.values)
    if isinstance(condition, Has):
        every = (condition.mode == "all") != negate
        return 1 if every else len(condition.values)
    return 1

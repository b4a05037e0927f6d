"""A plain-Python evaluator with the same semantics as the compiled rules: the test oracle.

It never touches durable-rules, so the property tests can check that the engine and this agree on
every workload, reasons included.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from .conditions import holds
from .model import RuleSet


def fired(ruleset: RuleSet, needs: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the rules whose condition holds for these needs."""
    answers = dict(needs)
    return frozenset(rule.id for rule in ruleset.rules if holds(rule.when, answers))


class ReferenceEvaluator:
    """Same interface as :class:`deploy_advisor.engine.evaluate.Evaluator`."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    def fired(self, needs_list: Sequence[Mapping[str, Any]]) -> list[frozenset[str]]:
        return [fired(self.ruleset, needs) for needs in needs_list]

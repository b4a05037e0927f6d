"""Near misses: rules that did not fire because exactly one part of their condition failed.

A *part* is one conjunct of the rule's condition (an ``all:`` list, or the entries of one mapping,
flattened). Rules with a single part are left out: every rule that did not fire missed its one part,
and listing them all would bury the few that were one answer away for a reason the user cannot see.
Computed from the condition tree with the reference semantics (:func:`conditions.holds`), so it needs
no engine run.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any, Iterator, Mapping, Sequence

from .conditions import conjuncts, criteria_in, holds
from .model import All, AnyOf, Catalogue, Condition, CountAtLeast, Criterion, Has, Is, NeedValue, Not, Rule, RuleSet
from .records import NamedTuple


class NearMiss(NamedTuple):
    """``rule`` failed only on ``part``; answering ``criterion`` with ``answer`` would make it fire."""

    rule: str
    part: str
    criterion: str
    answered: NeedValue | None
    answer: NeedValue

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "part": self.part, "answered": {self.criterion: _plain(self.answered)},
                "would_fire_with": {self.criterion: _plain(self.answer)}}


Choices = Mapping[str, Sequence[NeedValue]]  # the answers to try per criterion (bounded for big criteria)


def near_misses(ruleset: RuleSet, needs: Mapping[str, NeedValue], fired: frozenset[str],
                choices: Choices | None = None) -> tuple[NearMiss, ...]:
    """The rules, in rule-set order, one failed part away from firing, with an answer that fires them.
    ``choices``: the answers to try per criterion (default: every answer; see answerspace.answers)."""
    answers = dict(needs)
    return tuple(m for rule in ruleset.rules if rule.id not in fired
                 for m in _near_miss(rule, answers, ruleset.catalogue, choices))


def _near_miss(rule: Rule, needs: dict[str, NeedValue], catalogue: Catalogue,
               choices: Choices | None = None) -> Iterator[NearMiss]:
    parts = conjuncts(rule.when)
    failing = [p for p in parts if not holds(p, needs)]
    if len(parts) < 2 or len(failing) != 1:
        return
    for criterion_id in dict.fromkeys(criteria_in(failing[0])):
        criterion = catalogue[criterion_id]
        tried = None if choices is None else choices.get(criterion_id)
        for answer in closest_answers(criterion, needs.get(criterion_id), tried):
            changed = {**needs, criterion_id: answer}
            if askable(criterion, changed) and holds(rule.when, changed):
                yield NearMiss(rule.id, describe(failing[0]), criterion_id, needs.get(criterion_id), answer)
                return


def every_answer(criterion: Criterion) -> list[NeedValue]:
    """Every answer a user can give: one value, or any non-empty set of values (in catalogue order)."""
    if not criterion.many:
        return list(criterion.value_ids)
    ids = criterion.value_ids
    return [combo for size in range(1, len(ids) + 1) for combo in combinations(ids, size)]


def closest_answers(criterion: Criterion, current: NeedValue | None,
                    choices: Sequence[NeedValue] | None = None) -> list[NeedValue]:
    """Every other answer (or of ``choices``), the ones that change fewest chosen values first (for
    many-value criteria, where the current answer with one value added or removed comes first)."""
    others = [a for a in (every_answer(criterion) if choices is None else choices) if a != current]
    if not criterion.many:
        return others
    chosen = set(current or ())
    if choices is not None:  # a bounded list: the answers one value away from the user's are tried too
        order = {v: i for i, v in enumerate(criterion.value_ids)}
        toggled = (tuple(sorted(chosen ^ {v}, key=order.__getitem__)) for v in criterion.value_ids)
        others = list(dict.fromkeys([*(t for t in toggled if t and t != current), *others]))
    return sorted(others, key=lambda a: len(chosen.symmetric_difference(a)))


def askable(criterion: Criterion, needs: Mapping[str, NeedValue]) -> bool:
    """Whether the question is asked at all given the other answers (its catalogue ``when``)."""
    return criterion.when is None or holds(criterion.when, dict(needs))


# --- conditions in words ---------------------------------------------------------------------


def describe(condition: Condition) -> str:
    """A condition as a user would say it, with the criterion and value names of requirement files."""
    if isinstance(condition, Is):
        return f"{condition.criterion} is {either(condition.values)}"
    if isinstance(condition, Has):
        joined = either(condition.values) if condition.mode == "any" else _both(condition.values)
        return f"{condition.criterion} include {joined}"
    if isinstance(condition, CountAtLeast):
        return f"at least {condition.count} {condition.criterion} are chosen"
    if isinstance(condition, Not):
        return _describe_not(condition.operand)
    joiner = " and " if isinstance(condition, All) else " or "
    return joiner.join(_grouped(o) for o in condition.operands)


def _describe_not(operand: Condition) -> str:
    if isinstance(operand, Is):
        return f"{operand.criterion} is not {either(operand.values)}"
    if isinstance(operand, Has) and (operand.mode == "any" or len(operand.values) == 1):
        return f"{operand.criterion} include none of {', '.join(operand.values)}"
    if isinstance(operand, CountAtLeast):
        return f"fewer than {operand.count} {operand.criterion} are chosen"
    return f"not ({describe(operand)})"


def _grouped(condition: Condition) -> str:
    text = describe(condition)
    return f"({text})" if isinstance(condition, (All, AnyOf)) else text


def either(values: tuple[str, ...] | list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" or {values[-1]}"


def _both(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" and {values[-1]}"


def _plain(value: NeedValue | None) -> Any:
    return list(value) if isinstance(value, tuple) else value

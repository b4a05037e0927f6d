"""The rule set as a decision table: one row per rule, a column per criterion, the effect per option.

Read by rule authors and reviewers who want the whole rule set on one page (`deploy-advisor table`).
A condition is split into its conjuncts (the entries of its `all`); each conjunct about one criterion
goes in that criterion's column in words (`critical or deterministic`, `all of linux, windows`,
`not custom_required`), and a conjunct spanning several criteria (an `any` across criteria, say) goes
in the `other` column as written in the rule file. The by-criterion view shows, for each value of each
criterion, what it does on its own: the rules whose condition is about that criterion alone and holds
when it is the only answer.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..conditions import condition_text, conjuncts, criteria_in, holds
from ..model import All, AnyOf, Condition, CountAtLeast, Has, Is, Not, Rule, RuleSet

EXCLUDED = "excluded"


@dataclass(frozen=True)
class RuleRow:
    rule: str
    conditions: tuple[tuple[str, str], ...]  # (criterion, condition in words), for the criteria it tests alone
    other: str  # conjuncts over several criteria, as written in a rule file; '' when none
    effects: tuple[tuple[str, str], ...]  # (option, '+3' / '-2' / 'excluded' / '')
    advice: str  # 'required: container: ...' / 'container: ...' / ''
    source: str
    file: str
    line: int


@dataclass(frozen=True)
class ValueRow:
    """What one answer does on its own: points per option (or an exclusion) and the rules behind them."""

    criterion: str
    value: str
    effects: tuple[tuple[str, str], ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class DecisionTable:
    criteria: tuple[str, ...]  # the columns: criteria some rule tests alone, in catalogue order
    options: tuple[str, ...]
    rows: tuple[RuleRow, ...]
    has_other: bool


def decision_table(ruleset: RuleSet) -> DecisionTable:
    rules = sorted(ruleset.rules, key=lambda r: (r.file, r.line))
    rows = tuple(_row(rule, ruleset) for rule in rules)
    used = {c for row in rows for c, _ in row.conditions}
    criteria = tuple(c for c in ruleset.catalogue.ids if c in used)
    return DecisionTable(criteria, ruleset.option_ids, rows, any(row.other for row in rows))


def _row(rule: Rule, ruleset: RuleSet) -> RuleRow:
    by_criterion: dict[str, list[str]] = {}
    other = []
    for part in conjuncts(rule.when):
        mentioned = set(criteria_in(part))
        if len(mentioned) == 1:
            by_criterion.setdefault(mentioned.pop(), []).append(words(part))
        else:
            other.append(condition_text(part))
    return RuleRow(rule.id, tuple((c, " and ".join(t)) for c, t in by_criterion.items()), " and ".join(other),
                   effects(rule, ruleset.option_ids), _advice_text(rule), rule.source, rule.file, rule.line)


def words(condition: Condition) -> str:
    """A condition about one criterion, in words, without the criterion's name (the column has it)."""
    if isinstance(condition, Is):
        return " or ".join(condition.values)
    if isinstance(condition, Has):
        if len(condition.values) == 1:
            return condition.values[0]
        return f"{'any' if condition.mode == 'any' else 'all'} of {', '.join(condition.values)}"
    if isinstance(condition, CountAtLeast):
        return f"at least {condition.count}"
    if isinstance(condition, Not):
        return f"not {_grouped(condition.operand)}"
    joiner = " and " if isinstance(condition, All) else " or "
    return joiner.join(_grouped(o) for o in condition.operands)


def _grouped(condition: Condition) -> str:
    text = words(condition)
    return f"({text})" if isinstance(condition, (All, AnyOf)) or " or " in text and not isinstance(condition, Is) else text


def effects(rule: Rule, options: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    points = dict(rule.points)
    return tuple((o, EXCLUDED if o in rule.exclude else (f"{points[o]:+d}" if o in points else "")) for o in options)


def _advice_text(rule: Rule) -> str:
    if rule.advice is None:
        return ""
    return f"{'required: ' if rule.advice.required else ''}{rule.advice.option}: {rule.advice.text}"


def by_criterion(ruleset: RuleSet) -> tuple[ValueRow, ...]:
    """For each criterion value (catalogue order), the points it gives each option on its own."""
    out = []
    for criterion in ruleset.catalogue.criteria:
        alone = [r for r in ruleset.rules if set(criteria_in(r.when)) == {criterion.id}]
        for value in criterion.value_ids:
            answer = {criterion.id: (value,) if criterion.many else value}
            fired = [r for r in alone if holds(r.when, answer)]
            total: dict[str, int] = {}
            excluded: set[str] = set()
            for rule in fired:
                excluded.update(rule.exclude)
                for option, points in rule.points:
                    total[option] = total.get(option, 0) + points
            cells = tuple((o, EXCLUDED if o in excluded else (f"{total[o]:+d}" if total.get(o) else ""))
                          for o in ruleset.option_ids)
            out.append(ValueRow(criterion.id, value, cells, tuple(r.id for r in fired)))
    return tuple(out)

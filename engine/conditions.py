"""Parsing `when` conditions from the tree, checked against the catalogue, and pure helpers on them."""
from __future__ import annotations

from typing import Iterator

from .errors import Collector, Span, choose_from, did_you_mean, one_of
from .model import All, AnyOf, Catalogue, Condition, CountAtLeast, Criterion, Has, Is, Not
from .tree import Node

GROUP_KEYS = ("all", "any", "not")


def parse_condition(node: Node, catalogue: Catalogue, problems: Collector) -> Condition | None:
    """Turn a `when` mapping into a condition; record problems and return None when it is wrong."""
    if not node.is_map or not node.pairs:
        problems.add(node.span, "wrong-type", f"a condition must be a non-empty mapping, got {node.describe()}",
                     "write e.g. {latency: critical}")
        return None
    parts = [_parse_entry(key, key_node, value, catalogue, problems) for key, key_node, value in node.entries()]
    if any(p is None for p in parts):
        return None
    found = [p for p in parts if p is not None]
    return found[0] if len(found) == 1 else All(tuple(found))


def _parse_entry(key: str, key_node: Node, value: Node, catalogue: Catalogue, problems: Collector) -> Condition | None:
    if key in ("all", "any"):
        if not value.is_seq or not value.items:
            problems.add(value.span, "wrong-type", f"'{key}' takes a non-empty list of conditions, got {value.describe()}")
            return None
        operands = [parse_condition(item, catalogue, problems) for item in value.items]
        if any(o is None for o in operands):
            return None
        ops = tuple(o for o in operands if o is not None)
        return All(ops) if key == "all" else AnyOf(ops)
    if key == "not":
        operand = parse_condition(value, catalogue, problems)
        return Not(operand) if operand is not None else None
    criterion = catalogue.get(key)
    if criterion is None:
        hint = did_you_mean(key, list(catalogue.ids) + list(GROUP_KEYS)) or one_of(catalogue.ids)
        problems.add(key_node.span, "unknown-criterion", f"unknown criterion '{key}'", hint)
        return None
    if criterion.many:
        return _parse_many(key, value, criterion.value_ids, problems)
    values = _value_list(value, key, criterion.value_ids, problems)
    return Is(key, values) if values else None


def _parse_many(key: str, value: Node, allowed: tuple[str, ...], problems: Collector) -> Condition | None:
    if value.is_map:
        if len(value.pairs) != 1:
            problems.add(value.span, "wrong-type", f"'{key}' takes one of any:, all: or count_at_least:")
            return None
        mode, mode_node, operand = next(value.entries())
        if mode == "count_at_least":
            if not isinstance(operand.value, int) or isinstance(operand.value, bool) or not 1 <= operand.value <= len(allowed):
                problems.add(operand.span, "wrong-type", f"count_at_least takes a whole number from 1 to {len(allowed)}")
                return None
            return CountAtLeast(key, operand.value)
        if mode not in ("any", "all"):
            problems.add(mode_node.span, "unknown-key", f"unknown test '{mode}' on '{key}'",
                         did_you_mean(mode, ["any", "all", "count_at_least"]) or "use any:, all: or count_at_least:")
            return None
        values = _value_list(operand, key, allowed, problems)
        return Has(key, values, mode) if values else None
    values = _value_list(value, key, allowed, problems)
    return Has(key, values, "any") if values else None


def _value_list(node: Node, key: str, allowed: tuple[str, ...], problems: Collector) -> tuple[str, ...]:
    items = node.items if node.is_seq else (node,)
    if node.is_seq and not items:
        problems.add(node.span, "wrong-type", f"'{key}' needs at least one value", one_of(allowed))
        return ()
    out: list[str] = []
    for item in items:
        text = scalar_text(item)
        if text is None:
            problems.add(item.span, "wrong-type", f"a value of '{key}' must be text, got {item.describe()}", one_of(allowed))
            return ()
        if text not in allowed:
            problems.add(item.span, "unknown-value", f"'{text}' is not a value of '{key}'",
                         choose_from(text, allowed))
            return ()
        if text in out:
            problems.add(item.span, "duplicate-value", f"'{text}' is listed twice")
            return ()
        out.append(text)
    return tuple(out)


def known_criterion(name: str, span: Span, catalogue: Catalogue, problems: Collector) -> Criterion | None:
    """The catalogue's criterion of that name; None, with the problem collected, when there is none."""
    criterion = catalogue.get(name)
    if criterion is None:
        problems.add(span, "unknown-criterion", f"unknown criterion '{name}'", choose_from(name, catalogue.ids))
    return criterion


def scalar_text(node: Node) -> str | None:
    """The text of a scalar as written; booleans keep their spelling (`no` stays 'no')."""
    if not node.is_scalar or node.value is None:
        return None
    if isinstance(node.value, str):
        return node.value
    if isinstance(node.value, bool) and node.plain:
        return node.raw
    return None


def conjuncts(condition: Condition) -> list[Condition]:
    """The parts of a condition that must all hold (nested `all` flattened)."""
    if isinstance(condition, All):
        return [part for operand in condition.operands for part in conjuncts(operand)]
    return [condition]


def criteria_in(condition: Condition) -> Iterator[str]:
    """Every criterion a condition mentions, in order, repeats included."""
    if isinstance(condition, (Is, Has, CountAtLeast)):
        yield condition.criterion
    elif isinstance(condition, Not):
        yield from criteria_in(condition.operand)
    else:
        for operand in condition.operands:
            yield from criteria_in(operand)


def holds(condition: Condition, needs: dict) -> bool:
    """Reference semantics: whether a condition holds for the given answers."""
    if isinstance(condition, Is):
        return needs.get(condition.criterion) in condition.values
    if isinstance(condition, Has):
        chosen = needs.get(condition.criterion) or ()
        test = any if condition.mode == "any" else all
        return test(v in chosen for v in condition.values)
    if isinstance(condition, CountAtLeast):
        return len(needs.get(condition.criterion) or ()) >= condition.count
    if isinstance(condition, Not):
        return not holds(condition.operand, needs)
    if isinstance(condition, All):
        return all(holds(o, needs) for o in condition.operands)
    return any(holds(o, needs) for o in condition.operands)


def condition_text(condition: Condition) -> str:
    """A condition as it would be written in a rule file, on one line."""
    if isinstance(condition, Is):
        return f"{{{condition.criterion}: {_values_text(condition.values)}}}"
    if isinstance(condition, Has):
        values = _values_text(condition.values)
        return f"{{{condition.criterion}: {values if condition.mode == 'any' else '{all: ' + values + '}'}}}"
    if isinstance(condition, CountAtLeast):
        return f"{{{condition.criterion}: {{count_at_least: {condition.count}}}}}"
    if isinstance(condition, Not):
        return f"{{not: {condition_text(condition.operand)}}}"
    key = "all" if isinstance(condition, All) else "any"
    return f"{{{key}: [{', '.join(condition_text(o) for o in condition.operands)}]}}"


def _values_text(values: tuple[str, ...]) -> str:
    quoted = [f'"{v}"' if v in ("yes", "no") else v for v in values]
    return quoted[0] if len(quoted) == 1 else f"[{', '.join(quoted)}]"

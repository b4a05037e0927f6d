"""Declared invariants (`invariants.yaml` beside the rules): what must hold for every workload.

Rule authors state properties of the whole rule set, and `deploy-advisor check` verifies them over
the answer space (see invariantcheck.py). This module holds the typed records and their loader;
problems come out as the rule files' do, `file:line:col: code: message (hint)`, conditions are
parsed by the rule files' own parser, so a `when` is written, and wrong, the same way in both.

Three kinds:

* ``monotone``: along an order of a one-value criterion's answers, from lax to strict, the winner
  keeps to a set of options (``keeps``) and never moves toward another (``never_toward``);
* ``never``: when a condition holds, the winner is never one of the options named;
* ``single_answer``: a workload with one answer only, whose rules carry at most a few points each
  and exclude nothing, names no winner (or a tie).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..conditions import known_criterion, parse_condition, scalar_text
from ..errors import Collector, Problem, Span, choose_from, one_of
from ..fields import fields, text
from ..model import OPTION_IDS, Catalogue, Condition
from ..rulefiles import POINTS_RANGE, kebab_id, one_document
from ..tree import Node

KIND_KEYS = ("monotone", "never", "single_answer")


@dataclass(frozen=True)
class Monotone:
    """Answers of ``criterion`` from lax to strict: a winner in ``keeps`` at a laxer answer stays in
    it at every stricter one; a winner outside ``never_toward`` never moves into it."""

    criterion: str
    order: tuple[str, ...]
    keeps: tuple[str, ...] = ()
    never_toward: tuple[str, ...] = ()


@dataclass(frozen=True)
class Never:
    """Whenever ``when`` holds, the recommendation is none of ``winner``."""

    when: Condition
    winner: tuple[str, ...]


@dataclass(frozen=True)
class SingleAnswer:
    """A workload with exactly one answer, whose fired rules carry at most ``max_points`` points
    (either sign) per option each and exclude nothing, has no recommendation or a tie."""

    max_points: int


Kind = Union[Monotone, Never, SingleAnswer]


@dataclass(frozen=True)
class Invariant:
    id: str
    says: str  # one human sentence, shown with every violation
    kind: Kind
    span: Span  # the invariant's entry in the file: violations point there

    @property
    def kind_name(self) -> str:
        return {Monotone: "monotone", Never: "never", SingleAnswer: "single_answer"}[type(self.kind)]


def load_invariants(path: Path, label: str, catalogue: Catalogue) -> tuple[tuple[Invariant, ...], tuple[Problem, ...]]:
    """The invariants of one file, and every problem of it; no file means no invariants."""
    if not path.exists():
        return (), ()
    problems = Collector()
    doc = one_document(path, label, problems, "expected one YAML document holding a mapping",
                       "write `invariants:` followed by a list", empty_ok=True)
    if doc is None:  # an empty file declares nothing
        return (), tuple(problems.problems)
    top = fields(doc, "the invariants file", ("invariants",), (), problems) or {}
    items = top.get("invariants")
    found: list[Invariant] = []
    if items is not None and not (items.is_seq or (items.is_scalar and items.value is None)):
        problems.add(items.span, "wrong-type", f"'invariants' must be a list, got {items.describe()}")
    elif items is not None and items.is_seq:
        found = [i for i in (_invariant(node, catalogue, problems) for node in items.items) if i is not None]
    _check_unique(found, problems)
    ordered = sorted(problems.problems, key=lambda p: (p.span.line, p.span.column, p.code))
    return tuple(found), tuple(ordered)


def _invariant(node: Node, catalogue: Catalogue, problems: Collector) -> Invariant | None:
    f = fields(node, "an invariant", ("id", "says"), KIND_KEYS, problems)
    if f is None:
        return None
    before = len(problems.problems)
    iid = kebab_id(f, "invariant", problems)
    says = text(f.get("says"), "'says'", problems)
    kinds = [k for k in KIND_KEYS if k in f]
    if len(kinds) != 1:
        what = "none" if not kinds else " and ".join(kinds)
        problems.add(node.span, "bad-kind", f"an invariant needs exactly one of {', '.join(KIND_KEYS)}, got {what}",
                     "split it into one invariant per kind" if kinds else "add e.g. `never: {when: ..., winner: [...]}`")
        return None
    kind = _KIND_PARSERS[kinds[0]](f[kinds[0]], catalogue, problems)
    if len(problems.problems) > before or kind is None or not (iid and says):
        return None
    return Invariant(iid, says, kind, node.span)


def _monotone(node: Node, catalogue: Catalogue, problems: Collector) -> Monotone | None:
    f = fields(node, "a monotone invariant", ("criterion", "order"), ("keeps", "never_toward"), problems)
    if f is None:
        return None
    if "keeps" not in f and "never_toward" not in f:
        problems.add(node.span, "missing-key", "a monotone invariant needs 'keeps', 'never_toward' or both",
                     "add e.g. `keeps: [bare_metal]`")
    name = text(f.get("criterion"), "a criterion", problems)
    if name is None:
        return None
    criterion = known_criterion(name, f["criterion"].span, catalogue, problems)
    if criterion is None:
        return None
    if criterion.many:
        problems.add(f["criterion"].span, "wrong-type", f"'{name}' takes several values, which have no order",
                     "monotone applies to one-value criteria; state the need with `never` instead")
        return None
    order = _names(f.get("order"), f"a value of '{name}'", criterion.value_ids, "unknown-value", problems)
    if order is not None and len(order) < 2:
        problems.add(f["order"].span, "wrong-type", "'order' needs at least two values, lax first",
                     one_of(criterion.value_ids))
        return None
    keeps = _names(f.get("keeps"), "an option", OPTION_IDS, "unknown-option", problems) or ()
    toward = _names(f.get("never_toward"), "an option", OPTION_IDS, "unknown-option", problems) or ()
    return Monotone(name, order, keeps, toward) if order else None


def _never(node: Node, catalogue: Catalogue, problems: Collector) -> Never | None:
    f = fields(node, "a never invariant", ("when", "winner"), (), problems)
    if f is None:
        return None
    when = parse_condition(f["when"], catalogue, problems) if "when" in f else None
    winner = _names(f.get("winner"), "an option", OPTION_IDS, "unknown-option", problems)
    return Never(when, winner) if when is not None and winner else None


def _single_answer(node: Node, catalogue: Catalogue, problems: Collector) -> SingleAnswer | None:
    f = fields(node, "a single_answer invariant", ("max_points_without_basis",), (), problems)
    value = (f or {}).get("max_points_without_basis")
    if value is None:
        return None
    high = POINTS_RANGE[1]
    if not value.is_scalar or not isinstance(value.value, int) or isinstance(value.value, bool) or not 1 <= value.value <= high:
        problems.add(value.span, "wrong-type", f"max_points_without_basis takes a whole number from 1 to {high}, "
                     f"got {value.describe()}", "1 means: lone one-point rules name no winner")
        return None
    return SingleAnswer(value.value)


_KIND_PARSERS = {"monotone": _monotone, "never": _never, "single_answer": _single_answer}


def _names(node: Node | None, what: str, allowed: tuple[str, ...], code: str,
           problems: Collector) -> tuple[str, ...] | None:
    """A non-empty list (or one name) of names from ``allowed``; `no` and `yes` keep their spelling."""
    if node is None:
        return None
    items = node.items if node.is_seq else (node,)
    if not items:
        problems.add(node.span, "wrong-type", f"the list needs at least one entry: {what}", one_of(allowed))
        return None
    out: list[str] = []
    for item in items:
        name = scalar_text(item)
        if name is None:
            problems.add(item.span, "wrong-type", f"{what} must be text, got {item.describe()}", one_of(allowed))
            return None
        if name not in allowed:
            problems.add(item.span, code, f"'{name}' is not {what}", choose_from(name, allowed))
            return None
        if name in out:
            problems.add(item.span, "duplicate-value", f"'{name}' is listed twice")
            return None
        out.append(name)
    return tuple(out)


def _check_unique(invariants: list[Invariant], problems: Collector) -> None:
    seen: dict[str, Invariant] = {}
    for invariant in invariants:
        first = seen.setdefault(invariant.id, invariant)
        if first is not invariant:
            problems.add(invariant.span, "duplicate-invariant-id",
                         f"invariant id '{invariant.id}' is already used at line {first.span.line}",
                         "give each invariant its own id")

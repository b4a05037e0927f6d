"""The typed model every later stage works on: catalogue, options, conditions, rules, rule sets.

All frozen: a loaded rule set is a value, safe to share between threads and to compare.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Mapping, Union

from .errors import Span
from .records import Frozen, NamedTuple, set_field

OPTION_IDS = ("bare_metal", "vm", "container")

# No dataclasses: every command creates these classes at start, and a frozen dataclass costs 0.5 to 1.5 ms
# to create (its methods compiled from source). Plain leaf records are typed NamedTuples; the others are
# records.Frozen, which behave as the frozen dataclasses they were: conditions (All and AnyOf of the same
# operands would be equal tuples), and records with cached properties, fields outside comparison
# (``_uncompared``), fields made by __init__ (``_state``); ``_replace`` does what dataclasses.replace did.


class Value(NamedTuple):
    id: str
    label: str
    help: str


_NOWHERE = Span("")


class Criterion(Frozen):
    _fields = ("id", "takes", "question", "help", "values", "default", "when", "span")
    __slots__ = _fields
    id: str
    takes: str  # "one" | "many"
    question: str
    help: str
    values: tuple[Value, ...]
    default: Union[str, tuple[str, ...], None]
    when: "Condition | None"
    span: Span

    def __init__(self, id: str, takes: str, question: str, help: str, values: tuple[Value, ...],
                 default: Union[str, tuple[str, ...], None] = None, when: "Condition | None" = None,
                 span: Span = _NOWHERE) -> None:
        set_field(self, "id", id)
        set_field(self, "takes", takes)
        set_field(self, "question", question)
        set_field(self, "help", help)
        set_field(self, "values", values)
        set_field(self, "default", default)
        set_field(self, "when", when)
        set_field(self, "span", span)

    @property
    def many(self) -> bool:
        return self.takes == "many"

    @property
    def value_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)

    def value(self, value_id: str) -> Value:
        return next(v for v in self.values if v.id == value_id)


class ManyCheck(NamedTuple):
    """A many-value criterion as the JSON Lines fast path checks it (requirements.fast_lines)."""

    id: str
    start: int  # the code its position in the catalogue starts at (see NeedsCheck.codes)
    allowed: tuple[str, ...]  # its value ids, in catalogue order
    # Lists of value ids as written (as a tuple) -> the (criterion, values in catalogue order) pair, for
    # lists already proven valid: a batch repeats a few lists many times, and a hit costs a fifth of the
    # check. Owned by this catalogue's check, bounded by MANY_CACHE entries (never changed once in, so
    # threads may share it); only valid lists of strings go in, so a key equal to one is that list.
    known: dict[tuple[str, ...], tuple[str, tuple[str, ...]]]


MANY_CACHE = 4096


class NeedsCheck(NamedTuple):
    """A catalogue's answers as the JSON Lines fast path checks them, a needs mapping's items all at once.

    Each one-value answer has a code, an int, ordered as the catalogue orders criteria (position * span
    + the value's index): a line's answers are put in catalogue order by sorting their codes, which
    costs a third of sorting (position, pair) tuples."""

    codes: dict[tuple[str, str], int]  # (one-value criterion, value id) -> its code
    pairs: dict[int, tuple[str, str]]  # code -> (criterion, value id)
    many: tuple[ManyCheck, ...]  # each many-value criterion's
    ids: frozenset[str]  # every criterion's


class Catalogue(Frozen):
    # no __slots__: the cached properties below keep their values in the instance's __dict__
    _fields = ("criteria",)
    criteria: tuple[Criterion, ...]

    def __init__(self, criteria: tuple[Criterion, ...]) -> None:
        set_field(self, "criteria", criteria)

    @functools.cached_property
    def plan(self) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
        """(id, many, value ids) of every criterion, worked out once per catalogue (the JSON Lines fast
        path reads it for every line; ``Criterion.value_ids`` builds a tuple at every call)."""
        return tuple((c.id, c.many, c.value_ids) for c in self.criteria)

    @functools.cached_property
    def checks(self) -> "NeedsCheck":
        """What the JSON Lines fast path checks needs against (requirements.fast_lines)."""
        span = max((len(c.values) for c in self.criteria), default=0) + 1  # above every value's index
        codes = {(c.id, v): i * span + j for i, c in enumerate(self.criteria) if not c.many
                 for j, v in enumerate(c.value_ids)}
        return NeedsCheck(codes, {code: pair for pair, code in codes.items()},
                          tuple(ManyCheck(c.id, i * span, c.value_ids, {}) for i, c in enumerate(self.criteria) if c.many),
                          frozenset(c.id for c in self.criteria))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    def get(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def __getitem__(self, criterion_id: str) -> Criterion:
        found = self.get(criterion_id)
        if found is None:
            raise KeyError(criterion_id)
        return found


class Property(NamedTuple):
    name: str
    value: str
    source: str


class Option(NamedTuple):
    id: str
    label: str
    summary: str
    properties: tuple[Property, ...] = ()


# Conditions: a small algebra. `Is` tests a one-value criterion, `Has` a many-value one. Frozen records
# (records.Frozen), not NamedTuples: an All and an AnyOf of the same operands must not be equal.


class Is(Frozen):
    """A one-value criterion is answered with one of ``values``."""

    _fields = ("criterion", "values")
    __slots__ = _fields
    criterion: str
    values: tuple[str, ...]

    def __init__(self, criterion: str, values: tuple[str, ...]) -> None:
        set_field(self, "criterion", criterion)
        set_field(self, "values", values)


class Has(Frozen):
    """A many-value criterion contains any (``mode='any'``) or all (``mode='all'``) of ``values``."""

    _fields = ("criterion", "values", "mode")
    __slots__ = _fields
    criterion: str
    values: tuple[str, ...]
    mode: str

    def __init__(self, criterion: str, values: tuple[str, ...], mode: str = "any") -> None:
        set_field(self, "criterion", criterion)
        set_field(self, "values", values)
        set_field(self, "mode", mode)


class CountAtLeast(Frozen):
    """A many-value criterion has at least ``count`` values chosen."""

    _fields = ("criterion", "count")
    __slots__ = _fields
    criterion: str
    count: int

    def __init__(self, criterion: str, count: int) -> None:
        set_field(self, "criterion", criterion)
        set_field(self, "count", count)


class Not(Frozen):
    _fields = ("operand",)
    __slots__ = _fields
    operand: "Condition"

    def __init__(self, operand: "Condition") -> None:
        set_field(self, "operand", operand)


class All(Frozen):
    _fields = ("operands",)
    __slots__ = _fields
    operands: tuple["Condition", ...]

    def __init__(self, operands: tuple["Condition", ...]) -> None:
        set_field(self, "operands", operands)


class AnyOf(Frozen):
    _fields = ("operands",)
    __slots__ = _fields
    operands: tuple["Condition", ...]

    def __init__(self, operands: tuple["Condition", ...]) -> None:
        set_field(self, "operands", operands)


Condition = Union[Is, Has, CountAtLeast, Not, All, AnyOf]

# One criterion's answer: a value (one-value criteria) or the sorted values chosen (many-value criteria).
NeedValue = Union[str, tuple[str, ...]]
# Answers as a hashable record: (criterion, answer) in catalogue order, unanswered criteria absent.
NeedPairs = tuple[tuple[str, NeedValue], ...]

class Advice(Frozen):
    """A qualified placement for ``option`` (containers inside VMs, GPU passthrough to a VM...).

    ``because`` and ``source`` are the advice's own justification and anchor; empty when the rule file
    leaves them out, in which case the rule's own ``because`` and ``source`` stand behind it.
    """

    _fields = ("option", "text", "because", "source", "required")
    __slots__ = _fields
    option: str
    text: str
    because: str
    source: str
    # True when the option meets the rule's need *only* with this placement (a sandboxed runtime, a
    # dedicated host): a result won by that option is then labelled ``qualified``, never ``clear``.
    required: bool

    def __init__(self, option: str, text: str, because: str = "", source: str = "", required: bool = False) -> None:
        set_field(self, "option", option)
        set_field(self, "text", text)
        set_field(self, "because", because)
        set_field(self, "source", source)
        set_field(self, "required", required)


class Rule(Frozen):
    _fields = ("id", "when", "points", "exclude", "because", "source", "file", "line", "concern", "advice",
               "key_spans")
    __slots__ = _fields
    # Where each key of the rule is written (key, span), as the loader found them: `check` points its
    # findings at a rule's `when` or `id` without reading the file again. Not part of the rule's value.
    _uncompared = ("key_spans",)
    id: str
    when: Condition
    points: tuple[tuple[str, int], ...]  # (option, points), in option order
    exclude: tuple[str, ...]
    because: str
    source: str
    file: str
    line: int
    concern: str
    advice: Advice | None
    key_spans: tuple[tuple[str, Span], ...]

    def __init__(self, id: str, when: Condition, points: tuple[tuple[str, int], ...], exclude: tuple[str, ...],
                 because: str, source: str, file: str, line: int, concern: str = "", advice: Advice | None = None,
                 key_spans: tuple[tuple[str, Span], ...] = ()) -> None:
        set_field(self, "id", id)
        set_field(self, "when", when)
        set_field(self, "points", points)
        set_field(self, "exclude", exclude)
        set_field(self, "because", because)
        set_field(self, "source", source)
        set_field(self, "file", file)
        set_field(self, "line", line)
        set_field(self, "concern", concern)
        set_field(self, "advice", advice)
        set_field(self, "key_spans", key_spans)

    @property
    def span(self) -> Span:
        return Span(self.file, self.line, 1)

    def effect_text(self) -> str:
        """What the rule does, in a few words: 'bare_metal +3, vm -1' or 'excludes container'."""
        if self.exclude:
            return f"excludes {', '.join(self.exclude)}"
        return ", ".join(f"{option} {points:+d}" for option, points in self.points)

    def key_span(self, key: str) -> Span:
        """Where ``key`` is written in the rule file; the rule's line when the loader did not see it."""
        return next((span for name, span in self.key_spans if name == key), self.span)


class RuleSet(Frozen):
    """A whole validated rule set: what the compiler and the reference evaluator take."""

    _fields = ("catalogue", "options", "tie_break", "rules", "anchors", "reference", "root", "anchor_titles")
    # What other modules work out once per rule set (result.py's table of reasons): owned here, so it
    # lives and dies with the rule set, with no global cache keyed by id().
    # _state: made by __init__, so _replace (a rule set with other rules) starts empty, never inherits the
    # answers; pickled with the rule set (the rule-set cache keeps what was worked out).
    _state = ("derived",)
    __slots__ = (*_fields, *_state)
    catalogue: Catalogue
    options: tuple[Option, ...]
    tie_break: tuple[str, ...]
    rules: tuple[Rule, ...]
    anchors: frozenset[str]
    reference: str  # file name of the reference page, for citations
    root: str
    anchor_titles: Mapping[str, str]
    derived: dict[str, Any]

    def __init__(self, catalogue: Catalogue, options: tuple[Option, ...], tie_break: tuple[str, ...],
                 rules: tuple[Rule, ...], anchors: frozenset[str], reference: str, root: str = "",
                 anchor_titles: Mapping[str, str] | None = None) -> None:
        set_field(self, "catalogue", catalogue)
        set_field(self, "options", options)
        set_field(self, "tie_break", tie_break)
        set_field(self, "rules", rules)
        set_field(self, "anchors", anchors)
        set_field(self, "reference", reference)
        set_field(self, "root", root)
        set_field(self, "anchor_titles", {} if anchor_titles is None else anchor_titles)
        set_field(self, "derived", {})

    def worked_out(self, key: str, work: Callable[["RuleSet"], Any]) -> Any:
        """``work(self)``, done once for this rule set and kept in ``derived``; a ValueError it raised is
        kept too, and raised again at every call (a rule set that cannot be encoded stays so)."""
        kept = self.derived.get(key)
        if kept is None:
            try:
                kept = work(self)
            except ValueError as exc:
                kept = exc
            self.derived[key] = kept
        if isinstance(kept, ValueError):
            raise kept
        return kept

    def option(self, option_id: str) -> Option:
        return next(o for o in self.options if o.id == option_id)

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def cite(self, anchor: str) -> str:
        return f"{self.reference}#{anchor}"

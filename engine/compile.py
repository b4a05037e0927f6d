"""Compile a rule set into durable-rules ruleset definitions: a pure function, golden-testable.

durable-rules hands every action the facts it matched, decoded from JSON, and about 20 properties
per fact made that decoding most of the cost of an evaluation. So a workload becomes one small fact,
``{"v": "w<slots>", "id": n}`` (see :func:`fact_layout` and :class:`FactLayout`):

* the packed string starts with ``w``, so nothing but a workload (not the session state) can match;
* one *slot* (a character) per one-value criterion that some rule tests: the code of the answer, or
  ``UNANSWERED``; every one-value criterion is thus always present, as durable needs (a missing
  property fails every test);
* per many-value criterion, one slot per group of up to five values, coding the subset chosen as a
  bit mask, so that ``any``, ``all`` and ``count_at_least`` all become a set of allowed codes.

A condition becomes a few *terms* (disjunctive normal form over the slots, simplified: terms that
differ in one slot are merged, covered terms dropped), each term one ``$mt`` test with a regular
expression of one character class per slot (trailing wildcards as one ``.*``); ``not`` is pushed down
to complementary classes (negation normal form), since durable has no negation. Only such linear expressions are
used: durable's regular expressions get alternation (``|``) wrong for some patterns. Several terms
become a ``$or`` of tests; a workload matching two of them is matched twice, which the evaluator
absorbs. Rules whose conditions compile to the same tests share one durable rule, named by their ids
joined with a space, and an action receives up to ``cap`` matching facts at once. A condition that
can never hold compiles to no durable rule.

A catch-all rule matches every workload, so that a batch where some workload fires no rule still
runs its actions (durable raises MessageNotHandled for the whole batch otherwise); its ``count`` is
never reached, so its action never runs and never costs a decoding. Every batch also carries one
marker fact, ``{"v": "x"}``, that only the batch-end rule matches: durable crashes (segfault) when
a session in which no action ran is deleted, and this rule's action always runs.

durable-rules chokes on more than 511 distinct tests of one property: the packed string is
repeated under further keys (``v1``, ``v2``, ...), each carrying at most ``TESTS_PER_KEY`` tests.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Iterable, Mapping

from .conditions import criteria_in
from .model import All, AnyOf, Condition, CountAtLeast, Has, Is, Not, Rule, RuleSet
from .records import NamedTuple

UNANSWERED = "_"
KIND = "w"
CODES = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # no regex metacharacters
GROUP = 5  # values per many-value slot: 2**5 subsets fit in CODES
KEY = "v"
TESTS_PER_KEY = 250  # well under durable's 511 distinct tests per property
MAX_SLOTS = 400  # one automaton state per slot: well under durable's 512 per regular expression
CATCH_ALL = "_every-workload"
BATCH_END = "_batch-end"
END_MARK = "x"  # the packed string of the marker fact; never starts with KIND
FIXED_TESTS = 2  # the catch-all and the batch-end rule, both on the first key
NEVER = 1_000_000_000  # a count no batch reaches
DEFAULT_CAP = 1000
RULE_SEPARATOR = " "  # joins the ids of rules sharing one durable rule (ids are kebab-case)

Definition = dict[str, dict[str, Any]]
Term = dict[int, frozenset[str]]  # slot index -> allowed codes; a missing slot allows anything


class Slot(NamedTuple):
    """One character of the packed string: a one-value criterion, or a group of a many-value one."""

    criterion: str
    values: tuple[str, ...]
    many: bool

    @property
    def alphabet(self) -> frozenset[str]:
        if self.many:
            return frozenset(CODES[: 1 << len(self.values)])
        return frozenset(CODES[: len(self.values)]) | {UNANSWERED}

    def code(self, value: str) -> str:
        return CODES[self.values.index(value)]


class FactLayout(NamedTuple):
    """Where each criterion sits in the packed string, and how many keys repeat it."""

    slots: tuple[Slot, ...]
    keys: tuple[str, ...] = (KEY,)

    def slots_of(self, criterion: str) -> list[int]:
        return [i for i, slot in enumerate(self.slots) if slot.criterion == criterion]


def fact_layout(ruleset: RuleSet) -> FactLayout:
    """The slots for the criteria the rules test, in catalogue order, and the keys they need.

    Worked out once per rule set and kept in ``ruleset.derived`` (the loader's limit check, every
    Evaluator and the on-disk rule-set cache all use it)."""
    return ruleset.worked_out("fact-layout", _fact_layout)


def _fact_layout(ruleset: RuleSet) -> FactLayout:
    tested = {c for rule in ruleset.rules for c in criteria_in(rule.when)}
    slots: list[Slot] = []
    for criterion in ruleset.catalogue.criteria:
        if criterion.id not in tested:
            continue
        if not criterion.many:
            if len(criterion.value_ids) > len(CODES):
                raise ValueError(f"criterion '{criterion.id}' has more than {len(CODES)} values")
            slots.append(Slot(criterion.id, criterion.value_ids, False))
            continue
        for start in range(0, len(criterion.value_ids), GROUP):
            slots.append(Slot(criterion.id, criterion.value_ids[start : start + GROUP], True))
    if len(slots) > MAX_SLOTS:
        raise ValueError(f"the rules test more than {MAX_SLOTS} criteria and value groups")
    tests = sum(len(t) for t in _distinct_tests(ruleset, FactLayout(tuple(slots))))
    keys = _keys(FIXED_TESTS + tests)
    return FactLayout(tuple(slots), keys)


def _keys(tests: int) -> tuple[str, ...]:
    count = max(1, -(-tests // TESTS_PER_KEY))
    return (KEY,) + tuple(f"{KEY}{i}" for i in range(1, count))


def compile_ruleset(ruleset: RuleSet, cap: int = DEFAULT_CAP) -> Definition:
    """durable-rules definitions (without actions): one rule per distinct test, plus the catch-all."""
    layout = fact_layout(ruleset)
    groups = _distinct_tests(ruleset, layout)
    definition: Definition = {}
    numbers = itertools.count(FIXED_TESTS)  # which key a test goes to
    for tests, rule_ids in groups.items():
        alternatives = [{"$mt": {layout.keys[next(numbers) // TESTS_PER_KEY]: test}} for test in tests]
        condition = alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}
        definition[RULE_SEPARATOR.join(rule_ids)] = {"all": [{"m": condition}], "cap": cap}
    definition[CATCH_ALL] = {"all": [{"m": {"$mt": {KEY: KIND + ".*"}}}], "count": NEVER}
    definition[BATCH_END] = {"all": [{"m": {"$mt": {KEY: END_MARK}}}], "cap": cap}
    return definition


def rule_ids(durable_name: str) -> tuple[str, ...]:
    """The ids of the rules a durable rule of :func:`compile_ruleset` stands for."""
    return () if durable_name in (CATCH_ALL, BATCH_END) else tuple(durable_name.split(RULE_SEPARATOR))


def _distinct_tests(ruleset: RuleSet, layout: FactLayout) -> dict[tuple[str, ...], list[str]]:
    """Each distinct compiled test, with the ids of the rules that share it, in rule order (compiled
    once per rule set and layout: the tests depend only on the slots; callers do not mutate it)."""
    kept = ruleset.derived.setdefault("distinct-tests", {})
    found = kept.get(layout.slots)
    if found is None:
        found = kept[layout.slots] = _compile_tests(ruleset, layout)
    return found


def _compile_tests(ruleset: RuleSet, layout: FactLayout) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for rule in ruleset.rules:
        tests = compile_rule(rule, layout)
        if tests:
            groups.setdefault(tests, []).append(rule.id)
    return groups


def compile_rule(rule: Rule, layout: FactLayout) -> tuple[str, ...]:
    """The regular expressions (alternatives) a rule's condition compiles to; () if it never holds."""
    return compile_condition(rule.when, layout)


def compile_condition(condition: Condition, layout: FactLayout) -> tuple[str, ...]:
    return tuple(_pattern(term, layout) for term in condition_terms(condition, layout))


def _pattern(term: Term, layout: FactLayout) -> str:
    out = [KIND]
    for index, slot in enumerate(layout.slots):
        allowed = term.get(index)
        if allowed is None or allowed >= slot.alphabet:
            out.append(".")
        elif len(allowed) == 1:
            out.append(next(iter(allowed)))
        else:
            out.append("[" + "".join(sorted(allowed)) + "]")
    # Trailing wildcards as one ``.*``: a workload's string has exactly one slot per position, so it
    # matches the same, and durable builds a smaller automaton (registration, at every start: 8.5 to 6 ms)
    pattern = "".join(out)
    bare = pattern.rstrip(".")
    return bare + ".*" if len(bare) < len(pattern) else pattern


# --- conditions as terms over the slots ------------------------------------------------------


def condition_terms(condition: Condition, layout: FactLayout, negate: bool = False) -> list[Term]:
    """``condition`` (or ``not condition``) as alternatives, each a conjunction of slot classes."""
    if isinstance(condition, Not):
        return condition_terms(condition.operand, layout, not negate)
    if isinstance(condition, (All, AnyOf)):
        parts = [condition_terms(o, layout, negate) for o in condition.operands]
        if isinstance(condition, All) != negate:
            return _conjunction(parts)
        return _simplify([term for part in parts for term in part])
    if isinstance(condition, Is):
        return _is_terms(condition, layout, negate)
    if isinstance(condition, Has):
        return _has_terms(condition, layout, negate)
    if isinstance(condition, CountAtLeast):
        return _count_terms(condition, layout, negate)
    raise TypeError(f"not a condition: {condition!r}")


def _is_terms(condition: Is, layout: FactLayout, negate: bool) -> list[Term]:
    index = layout.slots_of(condition.criterion)[0]
    slot = layout.slots[index]
    allowed = frozenset(slot.code(v) for v in condition.values)
    if negate:
        allowed = slot.alphabet - allowed
    return [{index: allowed}] if allowed else []


def _has_terms(condition: Has, layout: FactLayout, negate: bool) -> list[Term]:
    groups = []
    for index in layout.slots_of(condition.criterion):
        values = layout.slots[index].values
        wanted = sum(1 << values.index(v) for v in condition.values if v in values)
        if wanted:
            groups.append((index, wanted, len(values)))
    if condition.mode == "any" and not negate:  # some group holds one of the values
        return _simplify([{i: _masks(n, lambda m, w=w: bool(m & w))} for i, w, n in groups])
    if condition.mode == "all" and not negate:  # every group holds all its values
        return _nonempty({i: _masks(n, lambda m, w=w: m & w == w) for i, w, n in groups})
    if condition.mode == "any":  # no group holds any of the values
        return _nonempty({i: _masks(n, lambda m, w=w: not m & w) for i, w, n in groups})
    return _simplify([{i: _masks(n, lambda m, w=w: m & w != w)} for i, w, n in groups])  # some group lacks one


COUNT_COMBINATIONS = 50_000  # a count condition enumerates every count per slot: 6^(values/5) of them


def _count_terms(condition: CountAtLeast, layout: FactLayout, negate: bool) -> list[Term]:
    groups = [(i, len(layout.slots[i].values)) for i in layout.slots_of(condition.criterion)]
    if math.prod(n + 1 for _, n in groups) > COUNT_COMBINATIONS:
        # refused (as too-many-values, by limits.py) rather than compiled for hours
        raise ValueError(f"'count_at_least' on '{condition.criterion}' would compile to more than "
                         f"{COUNT_COMBINATIONS:,} alternatives: at most 30 values can be counted")
    terms = []
    for counts in itertools.product(*(range(n + 1) for _, n in groups)):
        if (sum(counts) >= condition.count) != negate:
            terms.append({i: _masks(n, lambda m, c=c: bin(m).count("1") == c) for (i, n), c in zip(groups, counts)})
    return _simplify(terms)


def _masks(width: int, keep) -> frozenset[str]:
    return frozenset(CODES[m] for m in range(1 << width) if keep(m))


def _nonempty(term: Term) -> list[Term]:
    return [term] if all(term.values()) else []


def _conjunction(parts: Iterable[list[Term]]) -> list[Term]:
    terms: list[Term] = [{}]
    for part in parts:
        terms = _simplify([t for a in terms for b in part if (t := _meet(a, b)) is not None])
    return terms


def _meet(a: Term, b: Term) -> Term | None:
    out = dict(a)
    for index, allowed in b.items():
        both = out[index] & allowed if index in out else allowed
        if not both:
            return None
        out[index] = both
    return out


def _covers(a: Term, b: Term) -> bool:
    """Every workload that matches ``b`` matches ``a``."""
    return all(index in b and b[index] <= allowed for index, allowed in a.items())


def _simplify(terms: list[Term]) -> list[Term]:
    """Fewer, equivalent terms: merge terms that differ in one slot only, drop repeated terms and
    terms another one covers (each would only be a wasted alternative)."""
    while True:
        fewer = _simplify_once(terms)
        if len(fewer) == len(terms):
            return fewer
        terms = fewer


def _simplify_once(terms: list[Term]) -> list[Term]:
    unique: list[Term] = []
    for term in terms:
        for i, other in enumerate(unique):
            merged = _merge(term, other)
            if merged is not None:
                unique[i] = merged
                break
        else:
            unique.append(term)
    return [t for i, t in enumerate(unique)
            if not any(j != i and _covers(u, t) and (j < i or not _covers(t, u)) for j, u in enumerate(unique))]


def _merge(a: Term, b: Term) -> Term | None:
    """The one term equivalent to ``a or b`` when they differ in at most one slot, else None."""
    if a.keys() != b.keys():
        return None
    differ = [index for index in a if a[index] != b[index]]
    if len(differ) > 1:
        return None
    merged = dict(a)
    for index in differ:
        merged[index] = a[index] | b[index]
    return merged


# --- facts -----------------------------------------------------------------------------------


def encode_fact(needs: Mapping[str, Any], layout: FactLayout) -> dict[str, Any]:
    """The fact asserted for one workload (without its id)."""
    return dict.fromkeys(layout.keys, encoder(layout)(needs))


def end_fact() -> dict[str, Any]:
    """The marker fact that closes every batch (without its id)."""
    return {KEY: END_MARK}


def encoder(layout: FactLayout):
    """A fast function from needs to the packed string (built once per rule set).

    Needs are checked against the catalogue before they get here; an unknown one-value answer
    encodes as unanswered, which no test can tell apart from a wrong value."""
    parts = []
    for slot in layout.slots:
        if slot.many:
            parts.append((slot.criterion, True, {v: 1 << i for i, v in enumerate(slot.values)}))
        else:
            parts.append((slot.criterion, False, {v: slot.code(v) for v in slot.values}))

    def encode(needs: Mapping[str, Any]) -> str:
        out = [KIND]
        for criterion, many, table in parts:
            answer = needs.get(criterion)
            if many:
                out.append(CODES[sum(table.get(v, 0) for v in answer)] if answer else CODES[0])
            else:
                out.append(table.get(answer, UNANSWERED) if answer is not None else UNANSWERED)
        return "".join(out)

    return encode


def dnf_terms(condition: Condition, negate: bool = False) -> int:
    """An upper bound on the matches one workload makes with a rule of this condition: the number
    of alternatives of its disjunctive normal form over single-value tests (the compiled rule joins
    them into fewer alternatives, most often one)."""
    if isinstance(condition, Not):
        return dnf_terms(condition.operand, not negate)
    if isinstance(condition, (All, AnyOf)):
        conjunction = isinstance(condition, All) != negate
        counts = [dnf_terms(o, negate) for o in condition.operands]
        if conjunction:
            product = 1
            for count in counts:
                product *= count
            return product
        return sum(counts)
    if isinstance(condition, Is):
        return 1 if negate else len(condition.values)
    if isinstance(condition, Has):
        every = (condition.mode == "all") != negate
        return 1 if every else len(condition.values)
    return 1

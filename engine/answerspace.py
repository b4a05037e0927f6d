"""The answer space: every workload the catalogue can describe, enumerated or sampled.

A workload answers each criterion or leaves it unanswered: a one-value criterion with one of its
values, a many-value criterion with a non-empty set of its values. A criterion with a ``when`` is
only asked when its condition holds, so where it does not, the criterion stays unanswered: such a
workload cannot be described, and no analysis counts it.

The whole space is large (about 10^9 workloads with the shipped catalogue), but every rule mentions
only a few criteria, so most questions are answered exactly by enumerating a small *scope* (a set of
criteria, closed under the criteria their ``when`` mention). Where a scope is too big, a seeded
sample stands in for it, and the analyses say which was done.

A many-value criterion of n values has 2^n - 1 answers: every one for up to ``SUBSETS_UP_TO`` values;
beyond, never the power set. Conditions only tell answers apart by the values they name and by how
many values are chosen, so one *representative* per class stands for the rest: the named values
chosen, plus just enough unnamed ones to reach each count a condition tests. When even those classes
are more than a limit, a seeded sample of them stands in, and the criterion is marked sampled.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from .conditions import criteria_in, holds
from .model import All, AnyOf, Catalogue, Condition, CountAtLeast, Criterion, Has, Is, NeedValue, Not

Needs = dict[str, NeedValue]

ENUMERATE_LIMIT = 200_000  # scopes up to this many assignments are enumerated; larger ones sampled
SAMPLE_SIZE = 20_000
DEFAULT_SEED = 0
SUBSETS_UP_TO = 6  # a many-value criterion with at most this many values: every subset (63 answers)
CLASS_LIMIT = 4096  # representatives of a bigger one, past which a seeded sample of them stands in


@dataclass(frozen=True)
class Named:
    """What conditions can tell apart in one many-value criterion: the values they name, the counts they test."""

    values: frozenset[str] = frozenset()
    counts: frozenset[int] = frozenset()


def named_in(conditions: Iterable[Condition]) -> dict[str, Named]:
    """Per criterion, the values and counts some condition tests."""
    values: dict[str, set[str]] = {}
    counts: dict[str, set[int]] = {}
    pending = list(conditions)
    while pending:
        condition = pending.pop()
        if isinstance(condition, (Has, Is)):
            values.setdefault(condition.criterion, set()).update(condition.values)
        elif isinstance(condition, CountAtLeast):
            counts.setdefault(condition.criterion, set()).add(condition.count)
        elif isinstance(condition, Not):
            pending.append(condition.operand)
        elif isinstance(condition, (All, AnyOf)):
            pending.extend(condition.operands)
    return {c: Named(frozenset(values.get(c, ())), frozenset(counts.get(c, ()))) for c in {*values, *counts}}


def domain(criterion: Criterion, named: Named | None = None, limit: int = CLASS_LIMIT,
           seed: int = DEFAULT_SEED) -> tuple[NeedValue | None, ...]:
    """Every answer a criterion can take (beyond SUBSETS_UP_TO values: one per class that ``named``
    cannot tell apart, or a sample of those), unanswered (None) first."""
    return (None, *answers(criterion, named, limit, seed)[0])


def answers(criterion: Criterion, named: Named | None = None, limit: int = CLASS_LIMIT,
            seed: int = DEFAULT_SEED) -> tuple[list[NeedValue | None], bool]:
    """The answers to search for a criterion, and whether they are a seeded sample (else: every class)."""
    values = criterion.value_ids
    if not criterion.many:
        return list(values), False
    if len(values) <= SUBSETS_UP_TO:
        return [c for size in range(1, len(values) + 1) for c in itertools.combinations(values, size)], False
    named = named or Named()
    tested = tuple(v for v in values if v in named.values)
    unnamed = tuple(v for v in values if v not in named.values)
    order = {v: i for i, v in enumerate(values)}
    starts = sorted({0, *named.counts})

    def fillers(chosen: int) -> list[int]:
        """How many unnamed values to add to ``chosen`` named ones: the fewest that reach each range of
        counts between the thresholds conditions test."""
        return sorted({k for k in (max(0, start - chosen) for start in starts) if k <= len(unnamed)}) or [0]

    def representative(chosen: tuple[str, ...], extra: int) -> tuple[str, ...]:
        return tuple(sorted((*chosen, *unnamed[:extra]), key=order.__getitem__))

    if (1 << len(tested)) * len(starts) <= limit:
        found = [representative(chosen, extra) for size in range(len(tested) + 1)
                 for chosen in itertools.combinations(tested, size) for extra in fillers(size)]
        return [a for a in dict.fromkeys(found) if a], False
    # A seeded sample: each named value alone first (no condition on one value goes untried), then
    # random choices of the named values, each with one of its filler counts.
    rng = random.Random(f"{criterion.id}/{seed}")
    found = list(dict.fromkeys(representative((v,), 0) for v in tested))[:limit]
    seen = set(found)
    for _ in range(limit * 4):
        if len(found) >= limit:
            break
        chosen = tuple(v for v in tested if rng.random() < 0.5)
        answer = representative(chosen, rng.choice(fillers(len(chosen))))
        if answer and answer not in seen:
            seen.add(answer)
            found.append(answer)
    return found, True


@dataclass(frozen=True)
class Exploration:
    """How a question was answered: every workload of a scope enumerated, or a seeded sample of it."""

    method: str  # "enumerated" | "sampled"
    workloads: int  # how many workloads were looked at
    space: int  # how many workloads the scope holds
    criteria: tuple[str, ...]
    seed: int | None = None

    def describe(self) -> str:
        over = f"over {', '.join(self.criteria)}" if self.criteria else "with no criterion answered"
        if self.method == "enumerated":
            return f"enumerated all {self.workloads:,} workloads {over}"
        return f"sampled {self.workloads:,} of {self.space:,} workloads {over} (seed {self.seed})"

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "workloads": self.workloads, "space": self.space,
                "criteria": list(self.criteria), "seed": self.seed}


class AnswerSpace:
    """The workloads a catalogue can describe, and ways to walk through parts of them."""

    def __init__(self, catalogue: Catalogue, conditions: Iterable[Condition] = (), limit: int = CLASS_LIMIT,
                 seed: int = DEFAULT_SEED) -> None:
        """``conditions``: the rules' conditions, which say what a big many-value criterion's answers must
        tell apart (the catalogue's own ``when`` conditions are always counted)."""
        self.catalogue = catalogue
        whens = [c.when for c in catalogue.criteria if c.when is not None]
        named = named_in([*whens, *conditions])
        found = {c.id: answers(c, named.get(c.id), limit, seed) for c in catalogue.criteria}
        self.domains: dict[str, tuple[NeedValue | None, ...]] = {cid: (None, *found[cid][0]) for cid in found}
        self.sampled = frozenset(cid for cid, (_, sampled) in found.items() if sampled)
        self._whens = {c.id: c.when for c in catalogue.criteria if c.when is not None}
        self._order = {c.id: i for i, c in enumerate(catalogue.criteria)}

    def classes(self, scope: tuple[str, ...], conditions: Iterable[Condition]) -> dict[str, dict[NeedValue | None, NeedValue | None]]:
        """Per criterion of a scope, each answer of its domain mapped to the first answer of its class:
        answers that ``conditions`` and the catalogue's `when` conditions cannot tell apart (the same
        named values chosen, a count in the same range between tested counts, answered or not).
        Enumerating one answer per class decides any question about those conditions over the scope
        exactly, at a fraction of the cost (see :func:`representatives`). A domain is bounded already
        (a big many-value criterion's holds representatives), so mapping every answer is cheap."""
        whens = [w for w in (self._whens.get(c) for c in scope) if w is not None]
        named = named_in([*conditions, *whens])
        out: dict[str, dict[NeedValue | None, NeedValue | None]] = {}
        for cid in scope:
            tested = named.get(cid, Named())
            starts = sorted({0, *tested.counts})
            first: dict[object, NeedValue | None] = {}
            out[cid] = {a: first.setdefault(_signature(a, tested, starts), a) for a in self.domains[cid]}
        return out

    def scope(self, criteria: Iterable[str]) -> tuple[str, ...]:
        """The criteria given plus those their `when` conditions mention, transitively, in catalogue order."""
        found: set[str] = set()
        pending = [c for c in criteria if c in self.domains]
        while pending:
            cid = pending.pop()
            if cid in found:
                continue
            found.add(cid)
            when = self.catalogue[cid].when
            if when is not None:
                pending.extend(c for c in criteria_in(when) if c in self.domains)
        return tuple(sorted(found, key=self._order.__getitem__))

    def size(self, scope: Iterable[str]) -> int:
        """How many assignments of a scope there are before `when` rules out some (an upper bound)."""
        total = 1
        for cid in scope:
            total *= len(self.domains[cid])
        return total

    def describable(self, needs: Mapping[str, object]) -> bool:
        """Whether every answered criterion is one the catalogue asks, given the other answers."""
        for cid in needs:
            when = self._whens.get(cid)
            if when is not None and not holds(when, dict(needs)):
                return False
        return True

    def assignments(self, scope: tuple[str, ...]) -> Iterator[Needs]:
        """Every describable workload over a scope (unanswered criteria left out), in a fixed order."""
        for combo in itertools.product(*(self.domains[cid] for cid in scope)):
            needs = {cid: answer for cid, answer in zip(scope, combo) if answer is not None}
            if self.describable(needs):
                yield needs

    def count(self, scope: tuple[str, ...] | None = None) -> int:
        """How many describable workloads a scope (default: every criterion) holds, exactly."""
        scope = self.scope(self.domains) if scope is None else scope
        total = 1
        for group in self._groups(scope):
            total *= sum(1 for _ in self.assignments(group))
        return total

    def _groups(self, scope: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Split a scope into groups that `when` links together, so that each is enumerated alone."""
        groups: list[set[str]] = []
        for cid in scope:
            linked = set(self.scope([cid])) & set(scope)
            merged = [g for g in groups if g & linked]
            for group in merged:
                groups.remove(group)
                linked |= group
            groups.append(linked)
        return [tuple(sorted(g, key=self._order.__getitem__)) for g in groups]

    def sample(self, count: int, seed: int = DEFAULT_SEED, scope: tuple[str, ...] | None = None) -> list[Needs]:
        """Up to ``count`` distinct describable workloads drawn with a seeded generator: the same every run."""
        scope = self.scope(self.domains) if scope is None else scope
        rng = random.Random(seed)
        seen: set[tuple[NeedValue | None, ...]] = set()
        out: list[Needs] = []
        for _ in range(count * 4):  # distinct draws get rare only when the scope is nearly exhausted
            if len(out) >= count:
                break
            needs = self._draw(rng, scope)
            key = tuple(needs.get(cid) for cid in scope)
            if key not in seen:
                seen.add(key)
                out.append(needs)
        return out

    def _draw(self, rng: random.Random, scope: tuple[str, ...]) -> Needs:
        needs: Needs = {}
        for cid in scope:
            options = self.domains[cid]
            answer = options[rng.randrange(len(options))]
            if answer is not None:
                needs[cid] = answer
        return self._drop_unasked(needs)

    def _drop_unasked(self, needs: Needs) -> Needs:
        """Leave unanswered every criterion whose `when` fails, until nothing changes (a `when` may
        depend on a criterion that is itself dropped)."""
        changed = True
        while changed:
            changed = False
            for cid in list(needs):
                when = self._whens.get(cid)
                if when is not None and not holds(when, needs):
                    del needs[cid]
                    changed = True
        return needs

    def explore(self, scope: tuple[str, ...], seed: int = DEFAULT_SEED, limit: int = ENUMERATE_LIMIT,
                sample_size: int = SAMPLE_SIZE) -> tuple[Exploration, list[Needs]]:
        """The workloads of a scope: all of them when there are at most ``limit``, else a sample."""
        size = self.size(scope)
        if size <= limit:
            found = list(self.assignments(scope))
            if self.sampled.intersection(scope):  # a criterion's answers are a sample already
                return Exploration("sampled", len(found), len(found), scope, seed), found
            return Exploration("enumerated", len(found), len(found), scope), found
        found = self.sample(sample_size, seed, scope)
        return Exploration("sampled", len(found), self.count(scope), scope, seed), found


def representatives(classes: Mapping[str, Mapping[NeedValue | None, NeedValue | None]]) -> dict[str, tuple[NeedValue | None, ...]]:
    """One answer per class, per criterion, from :meth:`AnswerSpace.classes`."""
    return {cid: tuple(dict.fromkeys(mapping.values())) for cid, mapping in classes.items()}


def _signature(answer: NeedValue | None, named: Named, starts: list[int]) -> object:
    """What conditions naming ``named`` can see of an answer."""
    if answer is None:
        return None
    if isinstance(answer, tuple):
        in_range = sum(1 for start in starts if start <= len(answer))
        return frozenset(named.values.intersection(answer)), in_range
    return answer if answer in named.values else ()


def needs_text(needs: Mapping[str, object], catalogue: Catalogue | None = None) -> str:
    """A workload's needs as a one-line YAML flow mapping, in catalogue order when one is given."""
    keys = list(needs)
    if catalogue is not None:
        order = {cid: i for i, cid in enumerate(catalogue.ids)}
        keys.sort(key=lambda k: order.get(k, len(order)))
    parts = []
    for key in keys:
        value = needs[key]
        shown = f"[{', '.join(map(_plain, value))}]" if isinstance(value, (tuple, list)) else _plain(value)
        parts.append(f"{key}: {shown}")
    return "{" + ", ".join(parts) + "}"


# Words YAML 1.1 reads as booleans or null: quoted, so that a printed workload can be pasted back.
_YAML_WORDS = {"yes", "no", "y", "n", "on", "off", "true", "false", "null", "~"}


def _plain(value: object) -> str:
    text = str(value)
    return f'"{text}"' if text.lower() in _YAML_WORDS else text

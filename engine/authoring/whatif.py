"""Portfolio what-if (``recommend --assume CRITERION=VALUE``): every workload re-assessed with the
assumed answers in place of its own, and what changes reported: how many workloads change
recommendation, from what to what, and the rules that made the difference.

The comparison is diff's (impact.workload_changes): the rule set is the same on both sides, so
every rule is a ``same`` change, and a cause is a rule that fires on one side only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ..api import Advisor
from ..errors import AdvisorError, InputError, Problem, Span, choose_from, one_of
from .impact import Changes, Entry, RuleChange, WorkloadChange, workload_changes
from ..model import Catalogue, NeedValue
from ..requirements import Outcome, Workload

BATCH = 2000


class AssumptionError(AdvisorError):
    """An --assume that names no criterion or value of the catalogue (exit code 2)."""


@dataclass(frozen=True)
class Assumption:
    criterion: str
    value: NeedValue  # a value id, or a tuple of them for a many-value criterion

    @property
    def text(self) -> str:
        return f"{self.criterion}={';'.join(self.value) if isinstance(self.value, tuple) else self.value}"


@dataclass(frozen=True)
class WhatIfReport(Changes):
    assumptions: tuple[Assumption, ...]
    evaluated: int
    changes: tuple[WorkloadChange, ...]  # flipped first, then re-ranked, each in input order
    errors: int  # inputs that could not be read (reported on standard error as they come)

    def moves(self) -> list[tuple[str, str, int]]:
        """(from, to, workloads) for each change of recommendation, most frequent first."""
        counted = Counter((c.old.recommendation or "none", c.new.recommendation or "none") for c in self.flipped)
        return [(a, b, n) for (a, b), n in sorted(counted.items(), key=lambda item: (-item[1], item[0]))]


def parse_assumptions(texts: Sequence[str], catalogue: Catalogue) -> tuple[Assumption, ...]:
    """``criterion=value`` (``value;value`` for a many-value criterion), checked against the catalogue."""
    out: list[Assumption] = []
    problems: list[Problem] = []
    for text in texts:
        found = _one(text, catalogue)
        if isinstance(found, Problem):
            problems.append(found)
        elif any(a.criterion == found.criterion for a in out):
            problems.append(_problem(text, "duplicate-assumption", f"'{found.criterion}' is assumed twice", "assume each criterion once"))
        else:
            out.append(found)
    if problems:
        raise AssumptionError(problems)
    return tuple(out)


def _one(text: str, catalogue: Catalogue) -> Assumption | Problem:
    key, equals, raw = text.partition("=")
    key = key.strip()
    if not equals or not key:
        return _problem(text, "bad-assumption", f"'{text}' is not CRITERION=VALUE", "write e.g. --assume host_os=linux")
    criterion = catalogue.get(key)
    if criterion is None:
        return _problem(text, "unknown-criterion", f"unknown criterion '{key}'", choose_from(key, catalogue.ids))
    values = [v.strip() for v in raw.split(";") if v.strip()]
    if not values:
        return _problem(text, "bad-assumption", f"no value after '{key}='", one_of(criterion.value_ids))
    for value in values:
        if value not in criterion.value_ids:
            return _problem(text, "unknown-value", f"'{value}' is not a value of '{key}'",
                            choose_from(value, criterion.value_ids))
    if not criterion.many and len(values) > 1:
        return _problem(text, "wrong-type", f"'{key}' takes one value", one_of(criterion.value_ids))
    if criterion.many:
        return Assumption(key, tuple(v for v in criterion.value_ids if v in values))
    return Assumption(key, values[0])


def _problem(text: str, code: str, message: str, hint: str) -> Problem:
    return Problem(Span(f"--assume {text}"), code, message, hint)


def assumed(workload: Workload, assumptions: Sequence[Assumption], catalogue: Catalogue) -> Workload:
    """The workload with the assumed answers in place of its own (in catalogue order)."""
    needs = dict(workload.needs)
    needs.update({a.criterion: a.value for a in assumptions})
    return workload._replace(needs=tuple((c, needs[c]) for c in catalogue.ids if c in needs))


def assess(advisor: Advisor, outcomes: Iterable[Outcome], assumptions: Sequence[Assumption],
           on_error: Callable[[InputError], None] | None = None) -> WhatIfReport:
    """Every workload evaluated as it is and under the assumptions; ``on_error`` sees each input error."""
    rules = tuple(RuleChange("same", r.id, r, r) for r in advisor.ruleset.rules)
    changes: list[WorkloadChange] = []
    evaluated = errors = 0
    pending: list[Workload] = []

    def flush() -> None:
        entries = [Entry(str(w.source) if w.source.document is None else f"{w.source.file}:{w.source.line}", w) for w in pending]
        before = advisor.evaluate(pending)
        after = advisor.evaluate([assumed(w, assumptions, advisor.catalogue) for w in pending])
        changes.extend(workload_changes(entries, before, after, rules))
        pending.clear()

    for outcome in outcomes:
        if isinstance(outcome, InputError):
            errors += 1
            if on_error is not None:
                on_error(outcome)
            continue
        evaluated += 1
        pending.append(outcome)
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()
    ordered = tuple(sorted(changes, key=lambda c: not c.flipped))  # stable: input order within each group
    return WhatIfReport(tuple(assumptions), evaluated, ordered, errors)

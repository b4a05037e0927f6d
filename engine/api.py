"""The Python API: load a rule set once, then recommend for one workload or a stream of them.

>>> from deploy_advisor.engine.api import recommend
>>> recommend({"startup": "instant"}).recommendation
'container'
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import InputError
from .evaluate import Evaluator
from .model import RuleSet
from .records import NamedTuple
from .reference import ReferenceEvaluator
from .requirements import Outcome, Workload, workload_from_mapping
from .result import Result, build_result
from .rulefiles import load_ruleset

BATCH = 500


class Evaluated(NamedTuple):
    """A workload and the rules it fired, one frozenset per unit of independent groups (see evaluate.Parts): what
    a Result is built from, for whoever needs one. JSON Lines answers are assembled from it directly
    (render/assemble.py); :meth:`result` builds the Result."""

    workload: Workload
    parts: tuple[frozenset[str], ...]

    def fired(self) -> frozenset[str]:
        return self.parts[0] if len(self.parts) == 1 else frozenset().union(*self.parts)

    def result(self, ruleset: RuleSet) -> Result:
        return build_result(ruleset, self.workload, self.fired())


class Advisor:
    """A loaded rule set and its engine. ``engine='reference'`` uses the plain-Python oracle instead."""

    def __init__(self, rules: str | Path | RuleSet | None = None, *, engine: str = "durable", batch: int = BATCH) -> None:
        self.ruleset = rules if isinstance(rules, RuleSet) else load_ruleset(rules)
        self.batch = batch
        self.evaluator: Evaluator | ReferenceEvaluator = (
            Evaluator(self.ruleset, batch=batch) if engine == "durable" else ReferenceEvaluator(self.ruleset))

    @property
    def catalogue(self):
        return self.ruleset.catalogue

    def recommend(self, needs: Mapping[str, Any] | Workload, name: str = "workload") -> Result:
        """One workload's justified recommendation; raises InputError for needs the catalogue refuses."""
        workload = needs if isinstance(needs, Workload) else workload_from_mapping(needs, self.catalogue, name)
        return self.evaluate([workload])[0]

    def evaluate(self, workloads: list[Workload]) -> list[Result]:
        fired = self.evaluator.fired([w.needs_dict() for w in workloads])
        return [build_result(self.ruleset, w, f) for w, f in zip(workloads, fired)]

    def evaluated(self, workloads: list[Workload]) -> list[Evaluated]:
        """Each workload with its fired rules per unit (a group or a pack of groups), no Result built (see Evaluated)."""
        if isinstance(self.evaluator, Evaluator):
            parts = self.evaluator.fired_parts([w.needs for w in workloads])  # pairs will do: no dict made
        else:
            parts = [(f,) for f in self.evaluator.fired([dict(w.needs) for w in workloads])]
        return list(map(Evaluated, workloads, parts))

    def results(self, outcomes: Iterable[Outcome], lazy: bool = False) -> Iterator[Any]:
        """Answers in input order for a stream of loaded workloads and load errors, batched for speed:
        Results, or with ``lazy`` :class:`Evaluated` records (a Result only when asked for)."""
        pending: list[Outcome] = []
        for outcome in outcomes:
            pending.append(outcome)
            if len(pending) >= self.batch:
                yield from self._flush(pending, lazy)
                pending = []
        if pending:
            yield from self._flush(pending, lazy)

    def _flush(self, pending: list[Outcome], lazy: bool = False) -> Iterator[Any]:
        workloads = [o for o in pending if isinstance(o, Workload)]
        evaluate = self.evaluated if lazy else self.evaluate
        answers = iter(evaluate(workloads)) if workloads else iter(())
        for outcome in pending:
            yield next(answers) if isinstance(outcome, Workload) else outcome


_default: dict[str, Advisor] = {}
_default_lock = threading.Lock()


def default_advisor(rules: str | Path | None = None) -> Advisor:
    key = str(Path(rules).resolve()) if rules is not None else ""
    with _default_lock:
        if key not in _default:
            _default[key] = Advisor(rules)
        return _default[key]


def recommend(needs: Mapping[str, Any], rules: str | Path | None = None, name: str = "workload") -> Result:
    """Recommend for one workload's needs with the shipped (or the given) rule set."""
    return default_advisor(rules).recommend(needs, name)


def recommend_many(workloads: Iterable[Mapping[str, Any]], rules: str | Path | None = None) -> Iterator[Result]:
    """Recommend for many workloads' needs, in order, batched through the engine."""
    advisor = default_advisor(rules)
    outcomes = (workload_from_mapping(n, advisor.catalogue, f"workload-{i}") for i, n in enumerate(workloads, 1))
    for answer in advisor.results(outcomes):
        assert isinstance(answer, Result)
        yield answer

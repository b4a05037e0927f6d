"""The only module that imports durable-rules: runs compiled rule sets on workloads.

What this module does about durable-rules' measured traps (see docs/engine-notes.md):

* one private Host per process, with its timer threads never started (``_run`` does nothing);
  evaluation is synchronous, so nothing is left running at exit or while the wizard waits;
* facts are asserted (``assert_facts``), never posted, each with a unique id, in batches sharing
  one session; the session is deleted after every batch, so at most one is live per rule set;
* actions record matches in Python, never in the session state, and any exception they meet is
  re-raised here instead of being swallowed into ``state['exception']``;
* the C core is not thread-safe: one lock serialises every call into it;
* each registration gets a fresh definition dict (durable mutates it) and a unique ruleset name,
  so several rule sets live side by side in one process.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Mapping, Sequence

from durable import engine as _durable

from .compile import CATCH_ALL, DEFAULT_CAP, INDEX_KEY, compile_ruleset, encode_fact
from .errors import Problem, RuleError, Span
from .model import RuleSet

_LOCK = threading.RLock()
_NAMES = itertools.count(1)
_IDS = itertools.count(1)
_host: "_SyncHost | None" = None


class _SyncHost(_durable.Host):
    """A Host that starts no timer threads: we never use timers, and they never stop."""

    def _run(self) -> None:  # noqa: D401 - overriding durable's timer loop
        return None


def _get_host() -> _SyncHost:
    global _host
    if _host is None:
        _host = _SyncHost()
    return _host


class Evaluator:
    """A rule set registered with durable-rules, ready to say which rules each workload fires."""

    def __init__(self, ruleset: RuleSet, batch: int = DEFAULT_CAP) -> None:
        self.ruleset = ruleset
        self.batch = batch
        self._sink: list[set[str]] = []
        self._errors: list[BaseException] = []
        definition: dict[str, Any] = compile_ruleset(ruleset, cap=batch)
        for rule_id, rule in definition.items():
            rule["run"] = self._action(None if rule_id == CATCH_ALL else rule_id)
        with _LOCK:
            self.name = f"deploy-advisor-{next(_NAMES)}"
            try:
                _get_host().register_rulesets({self.name: definition})
            except Exception as exc:  # durable reports bad definitions as bare Exceptions with a code
                raise RuleError([Problem(Span(ruleset.root or "rules"), "engine-rejected",
                                         f"durable-rules refused the compiled rule set: {exc}")]) from None

    def _action(self, rule_id: str | None) -> Callable[[Any], None]:
        def run(c: Any) -> None:
            try:
                if rule_id is None:
                    return
                matches = c.m if isinstance(c.m, list) else [c.m]
                sink = self._sink
                for match in matches:
                    sink[match._d[INDEX_KEY]].add(rule_id)
            except BaseException as exc:  # durable swallows it: keep it to re-raise after the call
                self._errors.append(exc)
                raise

        return run

    def fired(self, needs_list: Sequence[Mapping[str, Any]]) -> list[frozenset[str]]:
        """For each workload's needs, the ids of the rules that fire, in input order."""
        out: list[frozenset[str]] = []
        catalogue = self.ruleset.catalogue
        for start in range(0, len(needs_list), self.batch):
            chunk = needs_list[start : start + self.batch]
            facts = [encode_fact(needs, catalogue) for needs in chunk]
            out.extend(self._run(facts))
        return out

    def _run(self, facts: list[dict[str, Any]]) -> list[frozenset[str]]:
        with _LOCK:
            host = _get_host()
            sid = str(next(_IDS))
            for index, fact in enumerate(facts):
                fact["id"] = next(_IDS)
                fact["sid"] = sid
                fact[INDEX_KEY] = index
            self._sink = [set() for _ in facts]
            self._errors = []
            try:
                host.assert_facts(self.name, facts)
            except _durable.MessageNotHandledException:
                pass  # nothing matched: a normal outcome (the catch-all makes it rare)
            except Exception as exc:
                raise RuleError([Problem(Span(self.ruleset.root or "rules"), "engine-failed",
                                         f"durable-rules failed on a workload: {exc}",
                                         "run 'deploy-advisor check' on the rule set")]) from None
            finally:
                try:
                    host.delete_state(self.name, sid)
                except Exception:
                    pass
            if self._errors:
                raise self._errors[0]
            sink, self._sink = self._sink, []
        return [frozenset(s) for s in sink]

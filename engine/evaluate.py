"""The only module that imports durable-rules: runs compiled rule sets on workloads.

What this module does about durable-rules' measured traps (see docs/engine-notes.md):

* one private Host per process, with its timer threads never started (``_run`` does nothing);
  evaluation is synchronous, so nothing is left running at exit or while the wizard waits;
* facts are asserted (``assert_facts``), never posted, each with a unique id, in batches; they carry
  no session id, so they go to durable's default session, which is deleted after every batch: at
  most one session is live per rule set, and memory stays flat over any number of batches; each
  batch ends with a marker fact whose rule always runs, since deleting a session in which no
  action ran crashes durable;
* facts are small (one packed string, see compile.py) because durable decodes every matched fact
  from JSON for the action: that decoding was most of the cost of an evaluation;
* actions record matches in Python, never in the session state, and any exception they meet is
  re-raised here instead of being swallowed into ``state['exception']``;
* the C core is not thread-safe: one lock serialises every call into it;
* each registration gets a fresh definition dict (durable mutates it) and a unique ruleset name,
  so several rule sets live side by side in one process;
* durable never frees a registered rule set (about 5 MB each): Evaluators of identical compiled rule
  sets share one registration, and a process holds at most MAX_RULE_SETS different ones;
* durable's ``create_ruleset`` grows faster than the rules it is given (time and memory): an
  Evaluator that learns by groups registers its rule set in parts of at most PART_RULES durable
  rules, each a ruleset of its own with its own catch-all and batch-end rule, and asserts each batch
  to every part; one that evaluates whole workloads (every workload a fact: there, each part costs
  a pass over the batch) registers it whole;
* rule sets past durable's measured limits (engine/limits.py) are refused before registration.
"""
from __future__ import annotations

import json
import threading
import warnings
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any, Callable, Mapping, Sequence, Union

# durable-rules 2.0.28 calls datetime.utcfromtimestamp for every action: deprecated on 3.12+, harmless,
# and not the user's business.
warnings.filterwarnings("ignore", message=r"datetime\.datetime\.utcfromtimestamp", category=DeprecationWarning)

from .compile import BATCH_END, CATCH_ALL, DEFAULT_CAP, compile_ruleset, encoder, end_fact, fact_layout, rule_ids
from .digest import sha256
from .errors import Problem, RuleError, Span
from .groups import Group, Partition, packed, partition, profile_needs, split
from .limits import limit_problems
from .model import NeedPairs, RuleSet

# durable-rules is imported on first use, not with this module: commands that evaluate nothing
# (--version, --help, schema, check, criteria...) must work where its C core does not load.
DURABLE_VERSION = "2.0.28"
REPAIR = ("CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --force-reinstall --no-binary :all: "
          f"--no-cache-dir durable-rules=={DURABLE_VERSION}")
_durable: Any = None

_LOCK = threading.RLock()
_DEFAULT_SESSION = "0"  # where durable puts facts without a session id
MAX_RULE_SETS = 128  # distinct compiled rule sets one process may register: about 5 MB each, never freed
# Durable rules per registered part (see _parts). Registering the shipped rules (69 durable rules)
# took 15 ms and 19.6 MB whole, 6.1 ms and 9.1 MB in parts of 12 (6.2 ms at 8, 9.6 ms in parts of
# one rule): a command answering one file pays it at every start. Evaluating whole workloads through
# parts of 12 took 40-60% longer, hence the whole registration there (see Evaluator._whole).
PART_RULES = 12

# Evaluation by independent rule groups (see groups.py): what each distinct sub-profile fires is learned
# once (from durable-rules, asked about each set of criteria some rules test: see Evaluator._learn) and
# remembered by the Evaluator, within MEMO_CAP entries (the memo is emptied when full, so that memory
# stays flat over any number of workloads; the shipped rules' units have about 1,000 sub-profiles in all).
MEMO_CAP = 65_536
# A group (or, for one cut into clusters, a cluster: see groups.split) with more possible sub-profiles
# than this is not worth remembering: the rule set is evaluated whole. So does, for good, a window of
# SAMPLE workloads that met more than MAX_MISSES new sub-profiles per workload: each costs a little
# Python and at most one durable fact per tested set, where evaluating whole costs one fact per workload
# (the shipped rules' largest unit, 256 sub-profiles, is learned within the first window of any corpus).
GROUP_SPACE_LIMIT = 1 << 20
# Groups are cut into clusters of at most this many sub-profiles (see groups.split), and small ones are
# packed together while their pack has at most this many (see groups.packed): the shipped rules' twelve
# groups make seven units, so a workload costs seven memo lookups, and a process learns about 1,000
# sub-profiles. Uncut, the largest group had 22,400, nearly all met in a large random batch: the warm-up
# of every process, paid again by each --jobs worker.
UNIT_SPACE = 256
SAMPLE = 20_000
MAX_MISSES = 1.0


def engine_problem(error: ImportError) -> Problem:
    """Why durable-rules did not load, and the command that repairs it. A wheel built on CPython 3.13
    without the CPPFLAGS mapping imports PyEval_CallObject, which 3.13 removed: the import fails."""
    text = " ".join(str(error).split())
    if "PyEval_CallObject" in text:
        return Problem(Span("durable-rules"), "engine-unavailable",
                       "durable-rules was built without the CPython 3.13 fix (undefined symbol PyEval_CallObject)",
                       f"rebuild it in the same environment: {REPAIR}")
    return Problem(Span("durable-rules"), "engine-unavailable", f"durable-rules does not load: {text}",
                   f"reinstall it (it builds from source and needs a C compiler): {REPAIR}")


def load_durable() -> Any:
    """durable's engine module, imported once; an engine that does not load is a RuleError (exit 2)."""
    global _durable
    if _durable is None:
        try:
            from durable import engine
        except ImportError as error:
            raise RuleError([engine_problem(error)]) from None
        _durable = engine
    return _durable


def _sync_host() -> Any:
    """A Host that starts no timer threads: we never use timers, and they never stop."""
    durable = load_durable()

    class _SyncHost(durable.Host):
        def _run(self) -> None:  # noqa: D401 - overriding durable's timer loop
            return None

    return _SyncHost()


def _parts(definition: dict[str, Any], size: int | None = PART_RULES) -> list[dict[str, Any]]:
    """The compiled rules in parts of at most ``size`` (None: one part, the definition itself), in
    order, each with fresh copies of the catch-all and batch-end rules: every part needs them (see
    compile.py) and durable mutates what it registers. A rule's firing does not depend on the other
    rules, so the parts fire what the whole fires."""
    if size is None:
        return [definition]
    rules = [(name, rule) for name, rule in definition.items() if name not in (CATCH_ALL, BATCH_END)]
    fixed = [(name, definition[name]) for name in (CATCH_ALL, BATCH_END) if name in definition]
    chunks = [rules[start : start + size] for start in range(0, len(rules), size)] or [[]]
    return [dict(chunk + [(name, _copied(rule)) for name, rule in fixed]) for chunk in chunks]


def _by_tests(definition: dict[str, Any], split: Partition) -> dict[str, Any]:
    """The definition with its durable rules in the order of the groups' tested sets (see groups.py),
    so that the rules _learn asks about at once sit in one part, or few."""
    order = {rule: (g, t) for g, group in enumerate(split.groups) for t, (_at, own) in enumerate(group.tests)
             for rule in own}
    last = (len(split.groups), 0)
    return dict(sorted(definition.items(), key=lambda item: min((order.get(i, last) for i in rule_ids(item[0])),
                                                                 default=last)))


def _copied(rule: Any) -> Any:
    if isinstance(rule, dict):
        return {key: _copied(value) for key, value in rule.items()}
    if isinstance(rule, list):
        return [_copied(value) for value in rule]
    return rule


class _Registration:
    """One compiled rule set registered with durable-rules, shared by every Evaluator of the same content:
    one durable ruleset per part of it (see _parts), named ``name``, ``name/2``, ...

    The actions record matches in this object's sink, which is only ever filled under the lock."""

    def __init__(self, engine: "_Engine", name: str, definition: dict[str, Any], keys: tuple[str, ...],
                 part_rules: int | None = PART_RULES) -> None:
        self.engine, self.name, self.keys = engine, name, keys
        self._sink: list[list[str]] = []
        self._base = 0
        self._errors: list[BaseException] = []
        parts = _parts(definition, part_rules)
        self.parts = tuple(name if i == 0 else f"{name}/{i + 1}" for i in range(len(parts)))
        # the ids of the rules each part can fire
        self.part_rules = tuple(frozenset(i for durable_name in part for i in rule_ids(durable_name)) for part in parts)
        for part_name, part in zip(self.parts, parts):
            for rule_name, rule in part.items():
                rule["run"] = self._action(rule_ids(rule_name))
            engine.host.register_rulesets({part_name: part})

    def _action(self, ids: tuple[str, ...]) -> Callable[[Any], None]:
        if not ids:  # the catch-all and the batch-end marker: nothing to record
            return lambda c: None

        def run(c: Any) -> None:
            try:
                matches = c.m if isinstance(c.m, list) else [c.m]
                sink, base = self._sink, self._base
                for match in matches:
                    sink[match._d["id"] - base].extend(ids)
            except BaseException as exc:  # durable swallows it: keep it to re-raise after the call
                self._errors.append(exc)
                raise

        return run

    def run(self, packed: list[str], root: str, parts: Sequence[int] | None = None) -> list[frozenset[str]]:
        """What each packed workload fires, asserted to every part or to the ``parts`` given (by index)."""
        with _LOCK:
            host = self.engine.host
            base = self.engine.take_ids(len(packed) + 1)
            if len(self.keys) == 1:
                key = self.keys[0]
                facts = [{key: p, "id": base + i} for i, p in enumerate(packed)]
            else:
                facts = [{**dict.fromkeys(self.keys, p), "id": base + i} for i, p in enumerate(packed)]
            facts.append({**end_fact(), "id": base + len(packed)})
            self._sink, self._base, self._errors = [[] for _ in packed], base, []
            for index in range(len(self.parts)) if parts is None else parts:  # each adds what its rules fire
                self._assert(host, self.parts[index], facts, root)
                if self._errors:
                    raise self._errors[0]
            sink, self._sink = self._sink, []
        return [frozenset(s) for s in sink]

    @staticmethod
    def _assert(host: Any, part: str, facts: list[dict[str, Any]], root: str) -> None:
        try:
            host.assert_facts(part, facts)
        except load_durable().MessageNotHandledException:
            pass  # nothing matched: a normal outcome (the catch-all makes it rare)
        except Exception as exc:
            raise RuleError([Problem(Span(root), "engine-failed", f"durable-rules failed on a workload: {exc}",
                                     "run 'deploy-advisor check' on the rule set")]) from None
        finally:
            try:
                host.delete_state(part, _DEFAULT_SESSION)
            except Exception:
                pass


class _Engine:
    """The process's one durable Host and the rule sets registered on it.

    durable-rules cannot drop a registered rule set (each holds about 5 MB), so identical compiled rule
    sets share one registration, found by the hash of the definition's canonical JSON, and a process
    holds at most MAX_RULE_SETS different ones."""

    def __init__(self, limit: int = MAX_RULE_SETS) -> None:
        self.host = _sync_host()
        self.limit = limit
        self.registered: dict[str, _Registration] = {}
        self._next_id = 1
        self._names = 0  # rulesets named so far: a registration refused halfway leaves its parts behind

    def take_ids(self, count: int) -> int:
        """The first of ``count`` fresh fact ids: ids stay unique across batches and rule sets."""
        first, self._next_id = self._next_id, self._next_id + count
        return first

    def registration(self, definition: dict[str, Any], keys: tuple[str, ...], root: str,
                     part_rules: int | None = PART_RULES) -> _Registration:
        """The registration of ``definition`` in parts of ``part_rules`` durable rules (None: whole)."""
        content = sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest() + f"/{part_rules}"
        with _LOCK:
            found = self.registered.get(content)
            if found is not None:
                return found
            if len(self.registered) >= self.limit:
                raise RuleError([Problem(Span(root), "too-many-rule-sets",
                                         f"this process already holds {self.limit} different rule sets in durable-rules, "
                                         "which cannot free one (about 5 MB each)",
                                         "reuse one Advisor per rule set; identical rule sets share one registration")])
            try:
                self._names += 1
                found = _Registration(self, f"deploy-advisor-{self._names}", definition, keys, part_rules)
            except Exception as exc:  # durable reports bad definitions as bare Exceptions with a code
                raise RuleError([Problem(Span(root), "engine-rejected",
                                         f"durable-rules refused the compiled rule set: {exc}")]) from None
            self.registered[content] = found
            return found


_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    with _LOCK:
        if _engine is None:
            _engine = _Engine()
        return _engine


Needs = Union[Mapping[str, Any], NeedPairs]  # a workload's answers: see Evaluator.fired_parts
Parts = tuple[frozenset[str], ...]  # a workload's fired rules, one frozenset per unit (a group, a cluster or a pack: see Evaluator.units), or one for all


def _getter(positions: tuple[int, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A tuple's items at these positions, as a tuple (itemgetter gives one item bare, none as an error)."""
    if len(positions) > 1:
        return itemgetter(*positions)
    if positions:
        index = positions[0]
        return lambda key: (key[index],)
    return lambda key: ()


class Evaluator:
    """A rule set registered with durable-rules, ready to say which rules each workload fires.

    Evaluators of identical compiled rule sets share one registration (see _Engine). Each Evaluator
    remembers what its groups' sub-profiles fire (see groups.py): durable-rules stays the judge of
    which rules fire, asked once per distinct answer to the criteria some rules test (see _learn)
    instead of once per workload. ``grouped=False``
    evaluates whole workloads, as a rule set whose groups are too large to pay off is evaluated."""

    def __init__(self, ruleset: RuleSet, batch: int = DEFAULT_CAP, grouped: bool | None = None,
                 window: int = SAMPLE, unit_space: int = UNIT_SPACE) -> None:
        load_durable()  # first: an engine that does not load is reported before any work
        self.ruleset = ruleset
        self.batch = batch
        root = ruleset.root or "rules"
        try:
            layout = fact_layout(ruleset)
            definition: dict[str, Any] = compile_ruleset(ruleset, cap=batch)
        except ValueError as exc:
            raise RuleError([Problem(Span(root), "engine-rejected", str(exc))]) from None
        refused = limit_problems(ruleset, root)
        if refused:  # never hand durable-rules a shape known to crash or hang it
            raise RuleError(refused)
        self._encode = encoder(layout)
        self._keys = layout.keys
        self.partition: Partition = partition(ruleset)
        # the groups, large ones cut into clusters of their tested sets (see groups.split) and small ones
        # packed together (see groups.packed): what is remembered and looked up
        clusters = tuple(chain.from_iterable(split(ruleset, g, unit_space) for g in self.partition.groups))
        self.units: tuple[Group, ...] = packed(clusters, unit_space)
        if grouped is None:
            grouped = self.partition.unique_ids and max((u.space for u in clusters), default=0) <= GROUP_SPACE_LIMIT
        # per unit: its criteria, its rules and what its sub-profiles fire (None: evaluate whole)
        self._groups: list[tuple[tuple[str, ...], frozenset[str], dict[tuple[Any, ...], frozenset[str]]]] | None = (
            [(g.criteria, g.rules, {}) for g in self.units] if grouped and self.partition.unique_ids else None)
        # Learning by groups asserts few facts: the rule set is registered in parts, cheaper to create
        # (start-up); evaluating whole asserts every workload: registered whole (see PART_RULES).
        if self._groups is not None:
            definition = _by_tests(definition, self.partition)
        self._registration = _get_engine().registration(definition, layout.keys, root,
                                                        PART_RULES if self._groups is not None else None)
        self._whole: _Registration | None = None if self._groups is not None else self._registration
        self.name = self._registration.name
        # per unit, per set of criteria its rules test: the sub-profile's part of it (a tuple, by a C-level
        # getter), the rules testing it, and what each answer to it fires; and the set's criteria (see _learn)
        self._tests = [[(_getter(at), own, {}) for at, own in g.tests] for g in self.units]
        self._tested_criteria = [[tuple(g.criteria[i] for i in at) for at, _own in g.tests] for g in self.units]
        # per unit, per tested set: the parts of the registration holding its rules, the only ones whose
        # answers _learn keeps (one part, most often: see _by_tests)
        part_rules = self._registration.part_rules
        self._tested_parts = [[tuple(p for p, held in enumerate(part_rules) if held & own) for _at, own in g.tests]
                              for g in self.units]
        self._remembered = self._seen = self._misses = 0
        self._canonical: dict[frozenset[str], frozenset[str]] = {}  # see _learn
        # every unit's criteria side by side: one C-level getter reads a workload's answers to all of them
        # (None: unanswered, from _blank), and slices cut that into each unit's sub-profile (see fired_parts)
        flat = tuple(c for g in self.units for c in g.criteria)
        self._blank = dict.fromkeys(flat)
        self._answers: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            itemgetter(*flat) if len(flat) > 1 else lambda needs: tuple(needs[c] for c in flat))
        ends = list(accumulate(len(g.criteria) for g in self.units))
        self._slices = [slice(end - len(g.criteria), end) for g, end in zip(self.units, ends)]
        self._window = window

    @property
    def grouped(self) -> bool:
        """Whether workloads are evaluated by groups (False: whole, by choice or by measurement)."""
        return self._groups is not None

    def fired(self, needs_list: Sequence[Needs]) -> list[frozenset[str]]:
        """For each workload's needs, the ids of the rules that fire, in input order."""
        return [parts[0] if len(parts) == 1 else frozenset().union(*parts) for parts in self.fired_parts(needs_list)]

    def fired_parts(self, needs_list: Sequence[Needs]) -> list[Parts]:
        """For each workload's needs (a mapping, or the (criterion, answer) pairs a Workload holds, which
        spares making a dict of them), the rules that fire, one frozenset per unit (the same objects for
        every workload that shares a sub-profile), or a single frozenset when evaluating whole."""
        groups = self._groups
        if groups is None:
            return [(f,) for f in self._fired_whole(needs_list)]
        memos = [g[2] for g in groups]
        answers, blank, slices = self._answers, self._blank, self._slices
        rows: list[Any] = []
        todo: dict[tuple[int, tuple[Any, ...]], None] = {}
        unfinished: list[int] = []  # rows holding a (group index, sub-profile) still to evaluate
        for needs in needs_list:
            # each unit's sub-profile, then what it fires, by C-level calls: a workload costs no Python loop
            full = blank.copy()
            full.update(needs)
            answered = answers(full)
            try:  # the common case, every sub-profile met before: no list made, no scan for a miss
                rows.append(tuple(map(dict.__getitem__, memos, map(answered.__getitem__, slices))))
                continue
            except (KeyError, TypeError):  # a sub-profile to learn; a list among the answers (below)
                pass
            keys = list(map(answered.__getitem__, slices))
            try:
                found = list(map(dict.get, memos, keys))
            except TypeError:  # a list among the answers (the Python API allows them): as a tuple
                keys = [tuple(tuple(v) if isinstance(v, list) else v for v in key) for key in keys]
                found = list(map(dict.get, memos, keys))
            if None in found:
                for index, fired in enumerate(found):
                    if fired is None:
                        found[index] = wanted = (index, keys[index])
                        todo[wanted] = None
                unfinished.append(len(rows))
                rows.append(found)
            else:  # a list among the answers, every sub-profile met before
                rows.append(tuple(found))
        if todo:
            learned = self._learn(list(todo))
            for at in unfinished:
                rows[at] = tuple([learned[p] if type(p) is tuple else p for p in rows[at]])
        self._account(len(needs_list), len(todo))
        return rows

    def _learn(self, wanted: list[tuple[int, tuple[Any, ...]]]) -> dict[tuple[int, tuple[Any, ...]], frozenset[str]]:
        """What these sub-profiles fire, remembered. A rule's firing depends only on the criteria it tests,
        so durable-rules is asked, once per set of criteria some rules test and distinct answers to them,
        about a workload answering nothing else, and of what fires only those rules are kept (another may
        fire on its unanswered criteria); a sub-profile fires the union, over its group's tested sets, of
        what its part of them fires. A unit's tested sets have fewer answers in all than the unit has
        sub-profiles: fewer durable facts (and a large group is cut into clusters of its tested sets in
        the first place: see groups.split)."""
        groups = self._groups
        assert groups is not None
        if self._remembered + len(wanted) > MEMO_CAP:  # full: start again rather than grow
            for _criteria, _rules, memo in groups:
                memo.clear()
            for _get, _own, memo in chain.from_iterable(self._tests):
                memo.clear()
            self._canonical.clear()
            self._remembered = 0
        unknown: dict[tuple[int, int, Any], None] = {}  # (group, tested set, answers) to ask durable-rules
        for index, key in wanted:
            for at, (get, _own, memo) in enumerate(self._tests[index]):
                answers = get(key)
                if answers not in memo:
                    unknown[(index, at, answers)] = None
        if unknown:
            todo = list(unknown)
            fired = self._fired_in_parts([profile_needs(self._tested_criteria[index][at], answers)
                                          for index, at, answers in todo],
                                         [self._tested_parts[index][at] for index, at, _answers in todo])
            for (index, at, answers), rules in zip(todo, fired):
                _get, own, memo = self._tests[index][at]
                memo[answers] = rules & own
        out: dict[tuple[int, tuple[Any, ...]], frozenset[str]] = {}
        for index, key in wanted:
            parts = [memo[get(key)] for get, _own, memo in self._tests[index]]
            fired = frozenset().union(*parts) if len(parts) != 1 else parts[0]
            # one object per distinct answer: many sub-profiles fire the same rules, and whoever keys a
            # dict by a part (render/assemble.py) then finds it by identity, not by comparing sets
            out[(index, key)] = groups[index][2][key] = self._canonical.setdefault(fired, fired)
        self._remembered += len(wanted) + len(unknown)
        return out

    def _account(self, workloads: int, misses: int) -> None:
        """Switch to evaluating whole workloads for good when the groups' sub-profiles rarely repeat
        (measured over windows of SAMPLE workloads, so that the first window's warming up is forgiven
        when the memo pays later, and a change of corpus is noticed)."""
        self._seen += workloads
        self._misses += misses
        if self._seen >= self._window:
            if self._misses > MAX_MISSES * self._seen:
                self._groups = None
            self._seen = self._misses = 0

    def _fired_whole(self, needs_list: Sequence[Needs]) -> list[frozenset[str]]:
        out: list[frozenset[str]] = []
        root = self.ruleset.root or "rules"
        registration = self._whole_registration(root)  # learning by groups goes through _fired_in_parts
        for start in range(0, len(needs_list), self.batch):
            packed = [self._encode(needs if isinstance(needs, dict) else dict(needs))
                      for needs in needs_list[start : start + self.batch]]
            out.extend(registration.run(packed, root))
        return out

    def _fired_in_parts(self, needs_list: list[dict[str, Any]], parts: list[tuple[int, ...]]) -> list[frozenset[str]]:
        """What each of ``needs_list`` fires among the rules of its ``parts`` of the registration."""
        root = self.ruleset.root or "rules"
        packed = [self._encode(needs) for needs in needs_list]
        asked: dict[int, list[int]] = {}  # part -> the needs asserted to it
        for at, wanted in enumerate(parts):
            for part in wanted:
                asked.setdefault(part, []).append(at)
        fired: list[frozenset[str]] = [frozenset()] * len(needs_list)
        for part, ats in asked.items():
            for start in range(0, len(ats), self.batch):
                chunk = ats[start : start + self.batch]
                for at, rules in zip(chunk, self._registration.run([packed[a] for a in chunk], root, (part,))):
                    fired[at] = fired[at] | rules if fired[at] else rules
        return fired

    def _whole_registration(self, root: str) -> _Registration:
        """The rule set registered whole, once this Evaluator evaluates whole workloads (from the start,
        or since _account switched it): every workload is then a fact, and each part would cost a pass."""
        if self._whole is None:
            self._whole = _get_engine().registration(compile_ruleset(self.ruleset, cap=self.batch), self._keys, root, None)
        return self._whole

"""Issue 14, start-up: what `recommend` on one file pays for, checked by what it loads and registers,
never by a timing (benchmarks/bench_startup.py measures the time)."""
from __future__ import annotations

import pickle
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deploy_advisor.engine.compile import BATCH_END, CATCH_ALL, compile_ruleset, rule_ids
from deploy_advisor.engine.evaluate import PART_RULES, Evaluator, _parts
from deploy_advisor.engine.reference import ReferenceEvaluator
from deploy_advisor.engine.result import Reason, Result

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "payments-api.yaml"


def _loaded_by_recommend(*args: str) -> set[str]:
    code = ("import sys\nfrom deploy_advisor.main import main\n"
            f"code = main(['recommend', *{list(args)!r}])\n"
            "sys.stdout.flush()\nprint(' '.join(sorted(sys.modules)), file=sys.__stderr__)\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Payments API:" in done.stdout  # it did answer
    return set(done.stderr.strip().splitlines()[-1].split())


def test_one_yaml_file_loads_neither_the_explainer_search_nor_the_spelling_helper():
    """The answer-space search (and its random sampling) serves --explain and what-if only, difflib only
    a misspelt answer: a plain `recommend` on one file must not import them (about 4 ms)."""
    loaded = _loaded_by_recommend(str(EXAMPLE))
    assert "durable.engine" in loaded  # it did evaluate
    assert not {"deploy_advisor.engine.answerspace", "difflib"} & loaded


def test_explain_still_loads_the_search_it_needs():
    loaded = _loaded_by_recommend("--explain", str(EXAMPLE))
    assert "deploy_advisor.engine.answerspace" in loaded


def test_result_records_are_created_without_dataclass_code_generation():
    """Result and its parts are typed NamedTuples (a quarter of a dataclass's creation cost at every
    start): read by name, immutable, changed only through _replace."""
    assert issubclass(Result, tuple) and Result._fields[:2] == ("name", "source")
    reason = Reason("r", "vm", 2, "because", "ref.md#a", "rules/r.yaml", 3)
    assert reason.points == 2 and reason._replace(points=None).excludes
    try:
        reason.points = 5  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("a Reason must be immutable")


def test_the_definition_is_registered_in_parts_holding_every_rule_once(ruleset):
    definition = compile_ruleset(ruleset)
    parts = _parts(compile_ruleset(ruleset))
    assert len(parts) > 1
    names = [name for part in parts for name in part if name not in (CATCH_ALL, BATCH_END)]
    assert sorted(names) == sorted(n for n in definition if n not in (CATCH_ALL, BATCH_END))  # each once
    for part in parts:
        assert len(part) - 2 <= PART_RULES
        assert part[CATCH_ALL] == definition[CATCH_ALL] and part[BATCH_END] == definition[BATCH_END]
    assert parts[0][CATCH_ALL] is not parts[1][CATCH_ALL]  # durable mutates what it registers: fresh copies
    assert _parts(definition, None) == [definition]


def test_learning_goes_through_parts_and_whole_evaluation_through_one_registration(ruleset):
    grouped = Evaluator(ruleset)
    whole = Evaluator(ruleset, grouped=False)
    assert grouped.grouped and len(grouped._registration.parts) > 1
    assert not whole.grouped and len(whole._registration.parts) == 1
    held = [ids for part in grouped._registration.part_rules for ids in part]
    assert len(held) == len(set(held))  # a rule id sits in one part
    # most tested sets are asked about in one part (the rules are ordered by tested set before cutting)
    asked = [len(p) for group in grouped._tested_parts for p in group]
    assert sum(n == 1 for n in asked) >= 0.8 * len(asked)


def test_parts_fire_what_the_whole_rule_set_and_the_oracle_fire(ruleset):
    rng = random.Random(14)
    batch = []
    for _ in range(400):
        needs = {}
        for criterion in ruleset.catalogue.criteria:
            if rng.random() < 0.3:
                continue
            if criterion.many:
                needs[criterion.id] = tuple(sorted(rng.sample(criterion.value_ids, rng.randint(1, min(3, len(criterion.value_ids))))))
            else:
                needs[criterion.id] = rng.choice(criterion.value_ids)
        batch.append(needs)
    expected = ReferenceEvaluator(ruleset).fired(batch)
    assert Evaluator(ruleset, batch=64).fired(batch) == expected
    assert Evaluator(ruleset, batch=64, grouped=False).fired(batch) == expected
    switching = Evaluator(ruleset, batch=64, window=50)  # switches to whole evaluation when the memo misses
    first = switching.fired(batch[:100])
    assert not switching.grouped  # a random corpus misses too often in a window of 50
    assert first + switching.fired(batch[100:]) == expected


def test_the_installed_command_and_python_m_run_entry():
    """`deploy-advisor` and `python -m deploy_advisor` go through entry(), whose quicker exit is the
    start-up target's largest single share after the imports."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    scripts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["deploy-advisor"] == "deploy_advisor.main:entry"
    assert "entry()" in (root / "cli" / "__main__.py").read_text(encoding="utf-8")


def test_entry_leaves_the_survivors_out_of_the_exit_collection_and_the_output_whole():
    code = ("import gc, sys\nfrom deploy_advisor.main import entry\n"
            f"sys.argv = ['deploy-advisor', 'recommend', '--format', 'json', {str(EXAMPLE)!r}]\n"
            "code = entry()\nprint(gc.get_freeze_count(), file=sys.stderr)\nsys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stderr.split()[-1]) > 10_000  # the rule set, the engine and the modules, frozen
    import json

    assert json.loads(done.stdout)[0]["name"] == "Payments API"  # flushed whole at exit


def test_entry_collects_the_young_generation_rarely_while_starting():
    """At the default threshold of 700, starting a one-file recommend ran the collector about thirty
    times, three of them over everything (6-10 ms); entry() raises the young generation's threshold."""
    code = ("import gc, sys\nfrom deploy_advisor.main import ENTRY_GC_THRESHOLD, entry\nruns = []\n"
            "gc.callbacks.append(lambda phase, info: runs.append(info['generation']) if phase == 'start' else None)\n"
            f"sys.argv = ['deploy-advisor', 'recommend', {str(EXAMPLE)!r}]\n"
            "code = entry()\nprint(len(runs), runs.count(2), gc.get_threshold()[0] == ENTRY_GC_THRESHOLD, file=sys.stderr)\n"
            "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    collections, full, raised = done.stderr.split()[-3:]
    assert int(collections) <= 5 and int(full) == 0 and raised == "True"


def test_main_called_in_a_running_process_leaves_the_collector_alone(capsys):
    import gc

    from deploy_advisor.main import main

    before = gc.get_freeze_count()
    assert main(["recommend", str(EXAMPLE)]) == 0
    assert gc.get_freeze_count() == before  # recommend freezes while it answers, and unfreezes
    assert "Payments API" in capsys.readouterr().out


def test_one_yaml_file_loads_no_orjson_openssl_pickle_py_or_tempfile():
    """A YAML input never reads JSON text (orjson, with uuid and platform, loads at the first one); the
    cache key is SHA-256 from the built-in module, not OpenSSL's; the cache is read by the C unpickler
    alone; one text answer spools no details (tempfile, with shutil, bz2 and lzma)."""
    loaded = _loaded_by_recommend(str(EXAMPLE))
    assert "deploy_advisor.engine.rulecache" in loaded and "durable.engine" in loaded  # it did the work
    assert not {"orjson", "uuid", "platform", "_hashlib", "hashlib", "pickle", "tempfile", "shutil"} & loaded


def test_a_json_lines_input_still_reads_with_orjson(tmp_path):
    lines = tmp_path / "w.jsonl"
    lines.write_text('{"name": "Payments API", "needs": {}}\n', encoding="utf-8")
    assert "orjson" in _loaded_by_recommend(str(lines))


def test_the_builtin_sha256_gives_hashlibs_digests():
    import hashlib

    from deploy_advisor.engine.digest import sha256

    for data in (b"", b"abc", bytes(range(256)) * 300):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    digest = sha256(b"a")
    digest.update(b"bc")
    assert digest.hexdigest() == hashlib.sha256(b"abc").hexdigest()


def test_the_help_width_is_shutils_terminal_width():
    """terminal_columns() stands in for shutil.get_terminal_size().columns: same answer, with $COLUMNS
    set, unusable or absent (the test's standard output is no terminal, so 80 or the real width)."""
    import os
    import shutil

    from deploy_advisor.terminal import terminal_columns

    for value in ("123", "0", "-4", "wide", None):
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        if value is not None:
            env["COLUMNS"] = value
        code = ("import shutil\nfrom deploy_advisor.terminal import terminal_columns\n"
                "print(terminal_columns(), shutil.get_terminal_size().columns)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        mine, theirs = done.stdout.split()
        assert mine == theirs, value
    assert terminal_columns() == shutil.get_terminal_size().columns


def test_conditions_groups_and_problems_are_created_without_dataclass_code_generation():
    """Conditions, spans, problems and rule groups are records.Frozen or NamedTuples, not dataclasses
    (about 0.5 ms each at every start); conditions and spans keep what a frozen dataclass gave them."""
    import pickle

    from deploy_advisor.engine.errors import Collector, Problem, Span
    from deploy_advisor.engine.groups import Group, Partition
    from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Is, Not

    for record in (Is, Has, CountAtLeast, Not, All, AnyOf, Span, Problem, Collector, Group, Partition):
        assert not hasattr(record, "__dataclass_fields__"), record
    latency = Is("latency", ("critical",))
    assert All((latency,)) != AnyOf((latency,)) and Not(latency) != All((latency,))  # typed: never equal across kinds
    assert Is("latency", ("critical",)) == latency and hash(Is("latency", ("critical",))) == hash(latency)
    assert latency != ("latency", ("critical",)) and Has("os", ("linux",)).mode == "any"
    assert repr(Has("os", ("linux",))) == "Has(criterion='os', values=('linux',), mode='any')"
    for frozen in (latency, Span("f", 1, 2), Problem(Span("f"), "code", "message")):
        try:
            frozen.criterion = "other"  # type: ignore[attr-defined]
        except AttributeError:
            pass
        else:
            raise AssertionError(f"{frozen!r} must be immutable")
        assert pickle.loads(pickle.dumps(frozen)) == frozen
    try:
        iter(latency)  # type: ignore[call-overload]
    except TypeError:
        pass
    else:
        raise AssertionError("a condition is not a tuple")
    assert sorted([Span("b", 1), Span("a", 2), Span("a", 1, 3)]) == [Span("a", 1, 3), Span("a", 2), Span("b", 1)]
    assert Span("a", 1) != ("a", 1, 0) and str(Span("a", 1, 2)) == "a:1:2"
    problem = Problem(Span("f", 3), "bad", "wrong")
    assert problem._replace(message="right") == Problem(Span("f", 3), "bad", "right") and problem.hint == ""


def test_one_yaml_file_imports_no_dataclasses():
    loaded = _loaded_by_recommend(str(EXAMPLE))
    assert "deploy_advisor.engine.model" in loaded and "dataclasses" not in loaded


def test_the_model_records_keep_what_their_dataclasses_gave(ruleset):
    """Criterion, Catalogue, Advice, Rule and RuleSet are records.Frozen: a rule's key spans stay out of
    its value, a replaced rule set starts its worked-out answers afresh, a pickled one keeps them, a
    catalogue still caches its plan, and nothing can be assigned."""
    import dataclasses
    import pickle

    from deploy_advisor.engine.model import Advice, Catalogue, Criterion, Rule, RuleSet

    for record in (Advice, Catalogue, Criterion, Rule, RuleSet):
        assert not dataclasses.is_dataclass(record), record
    rule = ruleset.rules[0]
    assert rule.key_spans and rule._replace(key_spans=()) == rule and hash(rule._replace(key_spans=())) == hash(rule)
    assert "key_spans" not in repr(rule) and repr(rule).startswith(f"Rule(id={rule.id!r}, when=")
    assert rule._replace(id="other") != rule and rule._replace(id="other").when == rule.when
    ruleset.worked_out("test-startup", lambda r: len(r.rules))
    assert ruleset.derived["test-startup"] == len(ruleset.rules)
    assert ruleset._replace(rules=ruleset.rules[:1]).derived == {} and ruleset._replace() == ruleset
    again = pickle.loads(pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == ruleset and again.derived["test-startup"] == len(ruleset.rules)
    assert "derived=" not in repr(ruleset) and repr(Criterion("c", "one", "?", "", ())).endswith("span=Span(file='', line=0, column=0))")
    assert ruleset.catalogue.plan is ruleset.catalogue.plan  # cached once per catalogue
    assert Catalogue(ruleset.catalogue.criteria) == ruleset.catalogue
    assert Advice("vm", "text") == Advice("vm", "text", "", "", False) != Advice("vm", "text", required=True)
    for frozen, name in ((rule, "id"), (ruleset, "rules"), (ruleset.catalogue, "criteria")):
        try:
            setattr(frozen, name, None)
        except dataclasses.FrozenInstanceError:
            continue
        raise AssertionError(f"{type(frozen).__name__} must be immutable")


def test_csv_is_loaded_by_the_csv_format_only(tmp_path):
    assert not {"csv", "_csv", "deploy_advisor.engine.render.csv"} & _loaded_by_recommend(str(EXAMPLE))
    from deploy_advisor.engine.render.csv import csv_line

    assert csv_line(["a,b", 'say "hi"', 3, ""]) == '"a,b","say ""hi""",3,\r\n'
    assert csv_line(["plain"]) == "plain\r\n"  # the second row, through csv.writer itself


# --- records.NamedTuple: typing's class syntax without checking annotations at every start --------------

_FIELD_NAMES = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), unique=True, max_size=5)


@given(fields=_FIELD_NAMES, defaulted=st.integers(0, 5), values=st.lists(st.integers(), min_size=5, max_size=5))
def test_records_namedtuple_makes_what_typings_makes(fields, defaulted, values):
    """The same class body, through typing.NamedTuple and records.NamedTuple: the same fields, defaults,
    docstring, methods, names, repr, equality and _replace; annotations kept as written."""
    import typing

    from deploy_advisor.engine import records

    defaulted = min(defaulted, len(fields))
    lines = ['    """A record."""']
    lines += [f"    {f}: int" + (f" = {values[i]}" if i >= len(fields) - defaulted else "") for i, f in enumerate(fields)]
    lines += ["    def total(self) -> int:", "        return sum(self)"]
    made = {}
    for base in (typing.NamedTuple, records.NamedTuple):
        space = {"Base": base, "__name__": "tests.generated"}
        exec("from __future__ import annotations\nclass Point(Base):\n" + "\n".join(lines), space)  # noqa: S102 - the class body under test
        made[base] = space["Point"]
    ours, theirs = made[records.NamedTuple], made[typing.NamedTuple]
    assert ours._fields == theirs._fields and ours._field_defaults == theirs._field_defaults
    assert (ours.__doc__, ours.__name__, ours.__qualname__, ours.__module__) == (
        theirs.__doc__, theirs.__name__, theirs.__qualname__, theirs.__module__)
    assert ours.__annotations__ == {f: "int" for f in fields} and list(theirs.__annotations__) == list(fields)
    given_values = values[: len(fields) - defaulted]
    one, other = ours(*given_values), theirs(*given_values)
    assert tuple(one) == tuple(other) and repr(one) == repr(other) and one.total() == other.total()
    assert one._asdict() == other._asdict() and one._replace() == one
    assert issubclass(ours, tuple) and not isinstance(one, records.NamedTuple)


def test_records_namedtuple_refuses_what_typings_refuses():
    from deploy_advisor.engine.records import NamedTuple

    with pytest.raises(TypeError, match="without a default follows"):
        class Late(NamedTuple):  # noqa: F841
            a: int = 1
            b: int
    with pytest.raises(AttributeError, match="_replace"):
        class Own(NamedTuple):  # noqa: F841
            a: int

            def _replace(self, **changes):  # type: ignore[override]
                return self


def test_engine_records_are_made_without_typings_namedtuple():
    """typing.NamedTuple compiles every string annotation into a ForwardRef when the class is made: about
    200 us a record against 60, for some forty records at every start. The engine uses records.NamedTuple."""
    engine = Path(__file__).resolve().parent.parent / "engine"
    offenders = [str(path.relative_to(engine)) for path in sorted(engine.rglob("*.py"))
                 if re.search(r"^from typing import .*\bNamedTuple\b", path.read_text(encoding="utf-8"), re.M)]
    assert offenders == [] and (engine / "records.py").is_file()
    reason = Reason("r", "vm", 2, "because", "ref.md#a", "rules/r.yaml", 3)
    assert pickle.loads(pickle.dumps(reason)) == reason and Reason.__annotations__["points"] == "int | None"

"""Analyses that must not grow with the power set (issue 10, items 14 and 17): `--explain` and `check` on a
many-value criterion of 20 or 600 values finish in seconds and bounded memory, exact where the rules
can tell few answers apart and a seeded sample (said so) where they cannot; and check's faster
analyses find exactly what the naive enumerations find."""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.answerspace import AnswerSpace, answers, named_in
from deploy_advisor.engine.authoring.check import _condition_verdict, _told_apart, equivalent, find_conflicts
from deploy_advisor.engine.conditions import criteria_in, holds
from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Not, Rule
from deploy_advisor.engine.rulefiles import load_ruleset, load_ruleset_partially
from goldens import HERE, assemble
from manyvalues import CRITERION, many_value_rules
from strategies import conditions as any_condition

DEADLINE = 120  # seconds, generous for a loaded CI machine: the power set of 20 values took 144 s and 600 values never ended (memory is the sharp bound)
MAX_RSS_MB = 500  # the power set of 20 values ran out of memory at 3.8 GB

# Runs the command line in a child and reports the child's peak memory on the last line of stderr.
_MEASURED = """
import resource, sys
from deploy_advisor.main import main
try:
    code = main(sys.argv[1:])
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)
sys.exit(code)
"""


def run_measured(*argv: str) -> tuple[int, str, int]:
    """Exit code, standard output and peak memory (MB) of the command line, under the deadline."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, *argv], capture_output=True, text=True,
                          timeout=DEADLINE, env={**os.environ, "PYTHONHASHSEED": "0"})
    *_, peak = done.stderr.split()
    return done.returncode, done.stdout, int(peak)


@pytest.fixture()
def workload(tmp_path: Path) -> Path:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"name": "w", "needs": {"latency": "critical", CRITERION: ["r1"]}}))
    return path


# A count_at_least rule on hundreds of values cannot be compiled for the engine (see manyvalues.py).
@pytest.mark.parametrize("values, count_rule", [(20, True), (600, False)])
def test_explain_on_a_many_value_criterion_is_bounded(tmp_path: Path, workload: Path, values: int,
                                                      count_rule: bool) -> None:
    rules = many_value_rules(tmp_path / "rules", values, count_rule)
    code, out, peak = run_measured("recommend", "--rules", str(rules), "--explain", "-f", "json", str(workload))
    assert code == 0 and peak < MAX_RSS_MB, (code, peak)
    [result] = json.loads(out)
    assert {"changes": {CRITERION: [f"r{values - 1}"]}, "winner": "container"} in result["what_would_change"]
    [miss] = [m for m in result["near_misses"] if m["rule"] == "last-region-with-critical-latency-favours-container"]
    assert miss["would_fire_with"] == {CRITERION: ["r1", f"r{values - 1}"]}  # the user's answer, one value added


@pytest.mark.parametrize("values", [20, 600])
@pytest.mark.parametrize("name_all", [False, True])
def test_check_on_a_many_value_criterion_is_bounded(tmp_path: Path, values: int, name_all: bool) -> None:
    # a count over hundreds of values cannot be compiled (see the next test); the rest is checked
    rules = many_value_rules(tmp_path / "rules", values, count_rule=values <= 30, name_all=name_all)
    code, out, peak = run_measured("check", str(rules))
    assert peak < MAX_RSS_MB, peak
    if name_all and values > 100:  # a rule naming hundreds of values matches past durable's limit
        assert "too-many-matches" in out and code == 1, out
        return
    assert "dead-rule" not in out and "never-holds" not in out and "always-holds" not in out, out
    # exact while the rules name few values; a sample, said so, when they name all of them
    assert ("sampled" in out.split("conditions:")[1].splitlines()[0]) == name_all, out


def test_explain_says_when_it_searched_a_sample(tmp_path: Path, workload: Path) -> None:
    rules = many_value_rules(tmp_path / "rules", 20, name_all=True)
    code, out, peak = run_measured("recommend", "--rules", str(rules), "--explain", str(workload))
    assert code == 0 and peak < MAX_RSS_MB
    assert f"(Searched a seeded sample of the answers to {CRITERION}" in out
    assert run_measured("recommend", "--rules", str(rules), "--explain", str(workload))[1] == out  # seeded


# --- the representatives are exact --------------------------------------------------------------

VALUES = tuple(f"r{i}" for i in range(9))  # more than SUBSETS_UP_TO, few enough for the whole power set

atoms = st.one_of(
    st.builds(Has, st.just(CRITERION), st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True).map(tuple),
              st.sampled_from(["any", "all"])),
    st.builds(CountAtLeast, st.just(CRITERION), st.integers(1, 9)))
conditions = st.recursive(atoms, lambda inner: st.one_of(
    st.builds(Not, inner), st.lists(inner, min_size=2, max_size=3).map(lambda o: All(tuple(o))),
    st.lists(inner, min_size=2, max_size=3).map(lambda o: AnyOf(tuple(o)))), max_leaves=5)


@pytest.fixture(scope="module")
def nine_values(tmp_path_factory) -> object:
    return load_ruleset(many_value_rules(tmp_path_factory.mktemp("nine") / "rules", len(VALUES))).catalogue[CRITERION]


@settings(max_examples=60, deadline=None)
@given(st.lists(conditions, min_size=1, max_size=4))
def test_representatives_tell_apart_exactly_what_the_whole_power_set_does(nine_values, tested) -> None:
    """Every way the conditions can come out over all 2^9 - 1 answers (and unanswered), the
    representatives (and unanswered) show, and no other: an analysis over them is exact."""
    found, sampled = answers(nine_values, named_in(tested).get(CRITERION))
    every = [c for size in range(0, len(VALUES) + 1) for c in itertools.combinations(VALUES, size)]
    assert not sampled and len(found) <= len(every)  # as many only when the conditions tell every answer apart

    def outcomes(pool: list) -> set[tuple[bool, ...]]:
        return {tuple(holds(c, {CRITERION: a} if a else {}) for c in tested) for a in pool}

    assert outcomes([(), *found]) == outcomes(every)


def test_a_sample_is_the_same_every_time(tmp_path: Path) -> None:
    # past durable's limits (the loader refuses it), but the answer space is still built for check
    ruleset, _ = load_ruleset_partially(many_value_rules(tmp_path / "rules", 600, count_rule=False, name_all=True))
    first, second = (AnswerSpace(ruleset.catalogue, [r.when for r in ruleset.rules]) for _ in range(2))
    assert first.sampled == {CRITERION} and first.domains[CRITERION] == second.domains[CRITERION]
    assert len(first.domains[CRITERION]) <= 4097  # the class limit, plus "unanswered"


# --- check's analyses scale with the rule set (item 17): the same findings as the naive ones ------



@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The small catalogue of the golden tests (a gated criterion, a many-value one)."""
    return load_ruleset(assemble(tmp_path_factory.mktemp("base") / "rules", HERE / "bad_rules" / "good.yaml"))


def naive_workloads(space: AnswerSpace, scope: tuple[str, ...]) -> list[dict]:
    """Every describable workload over a scope, from the whole domains: what the analyses used to walk."""
    return list(space.assignments(scope))


def naive_verdict(condition, space: AnswerSpace) -> str:
    scope = space.scope(criteria_in(condition))
    every = [{c: a for c, a in zip(scope, combo) if a is not None}
             for combo in itertools.product(*(space.domains[c] for c in scope))]
    verdicts = [(holds(condition, n), space.describable(n)) for n in every]
    if not any(fires for fires, _ in verdicts):
        return "contradiction"
    if not any(fires and ok for fires, ok in verdicts):
        return "dead"
    return "always" if all(fires for fires, ok in verdicts if ok) else "ok"


def _rule(number: int, when, exclude: tuple[str, ...] = ()) -> Rule:
    return Rule(f"r{number}", when, (("vm", 1),) if not exclude else (), exclude, "because", "s#a", "f.yaml", number)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_condition_verdicts_equal_the_naive_enumeration(base, data) -> None:
    condition = data.draw(any_condition(base.catalogue))
    space = AnswerSpace(base.catalogue, [condition])
    scope = space.scope(criteria_in(condition))
    assert _condition_verdict(condition, scope, space, 0)[0] == naive_verdict(condition, space)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_duplicate_detection_equals_the_naive_comparison(base, data) -> None:
    first = data.draw(any_condition(base.catalogue))
    second = data.draw(st.one_of(any_condition(base.catalogue), st.just(Not(Not(first))), st.just(All((first, first)))))
    space = AnswerSpace(base.catalogue, [first, second])
    scope = space.scope([*criteria_in(first), *criteria_in(second)])
    naive = all(holds(first, n) == holds(second, n) for n in naive_workloads(space, scope))
    assert equivalent(first, second, space) == naive
    assert not (naive and _told_apart(_rule(1, first), _rule(2, second), space, {}))  # a rejection is always right


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_conflicts_equal_the_naive_search(base, data) -> None:
    options = ("bare_metal", "vm", "container")
    drawn = data.draw(st.lists(st.tuples(any_condition(base.catalogue), st.sampled_from(options)), min_size=1, max_size=5))
    rules = [_rule(i, when, (option,)) for i, (when, option) in enumerate(drawn)]
    ruleset = base._replace(rules=tuple(rules))
    space = AnswerSpace(base.catalogue, [r.when for r in rules])
    _, found = find_conflicts(ruleset, space)
    naive: dict[frozenset[int], dict] = {}
    for needs in naive_workloads(space, space.scope(c for r in rules for c in criteria_in(r.when))):
        fired = frozenset(i for i, r in enumerate(rules) if holds(r.when, needs))
        if {o for i in fired for o in rules[i].exclude} >= set(options):
            naive.setdefault(fired, needs)
    minimal = {k for k in naive if not any(other < k for other in naive)}
    assert {frozenset(int(r.id[1:]) for r in c.rules) for c in found} == minimal


def test_a_count_over_hundreds_of_values_is_refused_at_once_not_compiled(tmp_path: Path) -> None:
    rules = many_value_rules(tmp_path / "rules", 600, count_rule=True)
    code, out, peak = run_measured("check", str(rules))
    assert code == 1 and "too-many-values" in out and "count_at_least" in out and peak < MAX_RSS_MB

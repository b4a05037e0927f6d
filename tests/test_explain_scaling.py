"""Analyses that must not grow with the power set (issue 10, item 14): `--explain` and `check` on a
many-value criterion of 20 or 600 values finish in seconds and bounded memory, exact where the rules
can tell few answers apart and a seeded sample (said so) where they cannot."""
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
from deploy_advisor.engine.conditions import holds
from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Not
from deploy_advisor.engine.rulefiles import load_ruleset
from manyvalues import CRITERION, many_value_rules

DEADLINE = 20  # seconds: the power set of 20 values took 144 s and 600 values never ended
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
    rules = many_value_rules(tmp_path / "rules", values, name_all=name_all)
    code, out, peak = run_measured("check", str(rules))
    assert peak < MAX_RSS_MB, peak
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
    assert not sampled and len(found) < len(every)

    def outcomes(pool: list) -> set[tuple[bool, ...]]:
        return {tuple(holds(c, {CRITERION: a} if a else {}) for c in tested) for a in pool}

    assert outcomes([(), *found]) == outcomes(every)


def test_a_sample_is_the_same_every_time(tmp_path: Path) -> None:
    ruleset = load_ruleset(many_value_rules(tmp_path / "rules", 600, name_all=True))
    first, second = (AnswerSpace(ruleset.catalogue, [r.when for r in ruleset.rules]) for _ in range(2))
    assert first.sampled == {CRITERION} and first.domains[CRITERION] == second.domains[CRITERION]
    assert len(first.domains[CRITERION]) <= 4097  # the class limit, plus "unanswered"

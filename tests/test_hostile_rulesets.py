"""Rule sets durable-rules cannot hold are refused when loading, before any call into durable.

durable-rules 2.0.28 crashes or hangs past its limits (engine/limits.py has the measurements). Every
command that loads a rule set must refuse such a set with one line and exit at once: these tests run
the CLI in subprocesses with timeouts, since a regression would crash or hang the test process itself.
"""
from __future__ import annotations

import itertools
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_advisor.engine import limits
from deploy_advisor.engine.compile import compile_ruleset, encoder, fact_layout
from deploy_advisor.engine.rulefiles import load_ruleset

from conftest import RULES

TIMEOUT = 60  # seconds: a hang in durable's registration would never end
ONE_VALUE = {  # shipped criteria and values used to generate conditions
    "workload_type": ["microservices", "web_app", "database", "game_server", "hpc", "testing_sandbox",
                      "ci_pipeline", "legacy_monolith", "batch_jobs"],
    "latency": ["critical", "sensitive", "tolerant"], "performance": ["maximum", "high", "standard"],
    "host_os": ["linux", "windows", "any"], "kernel": ["host_shared_ok", "custom_required"],
    "hardware_access": ["none", "devices", "full_control"], "isolation": ["process", "strong", "dedicated_hardware"],
}


def _rule(number: int, when: str) -> str:
    return (f"  - {{id: generated-{number}, when: {when}, points: {{vm: 1}}, because: Generated.,"
            f" source: vm-easy-backup-move}}\n")


def _folder(tmp_path: Path, rules: list[str], catalogue: str | None = None) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("criteria.yaml", "options.yaml", "deployment-options.md"):
        shutil.copy(RULES / name, folder / name)
    if catalogue is not None:
        (folder / "criteria.yaml").write_text(catalogue, encoding="utf-8")
    (folder / "generated.yaml").write_text("rules:\n" + "".join(_rule(i, w) for i, w in enumerate(rules, 1)),
                                           encoding="utf-8")
    return folder


def distinct_rules(count: int) -> list[str]:
    """``count`` conditions that compile to ``count`` different durable rules."""
    combos = itertools.product(*ONE_VALUE.values())
    return ["{" + ", ".join(f"{k}: {v}" for k, v in zip(ONE_VALUE, combo)) + "}" for combo in itertools.islice(combos, count)]


def rules_matching_one_workload(count: int) -> list[str]:
    """``count`` different conditions that the workload {workload_type: microservices} matches together."""
    others = [k for k in ONE_VALUE if k != "workload_type"]
    nots = [[f"{{not: {{{k}: {v}}}}}" for v in ONE_VALUE[k]] for k in others]
    conds = [f"{{all: [{{workload_type: microservices}}, {n}]}}" for group in nots for n in group]
    for first, second in itertools.combinations(nots, 2):
        conds += [f"{{all: [{{workload_type: microservices}}, {a}, {b}]}}" for a in first for b in second]
    assert len(conds) >= count
    return conds[:count]


def big_catalogue(values: int) -> str:
    """The shipped catalogue plus a many-value criterion 'big' with ``values`` values."""
    listed = "".join(f"      - {{id: v{i}, label: V{i}}}\n" for i in range(values))
    extra = f"  - id: big\n    takes: many\n    question: Which?\n    values:\n{listed}"
    return (RULES / "criteria.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + extra


def hostile(kind: str, tmp_path: Path) -> tuple[Path, str, str]:
    """A rule set folder, the code it must be refused with, and a workload for it."""
    if kind == "600-rules":
        return _folder(tmp_path, distinct_rules(600)), "too-many-rules", "workload_type: microservices"
    if kind == "70-matches":
        return _folder(tmp_path, rules_matching_one_workload(70)), "too-many-matches", "workload_type: microservices"
    assert kind == "600-values"  # one rule testing any of 600 values: 120 alternatives, all held by one workload
    everything = "[" + ", ".join(f"v{i}" for i in range(600)) + "]"
    return (_folder(tmp_path, [f"{{big: {everything}}}"], big_catalogue(600)), "too-many-matches",
            f"big: {everything}")


def _run(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy_advisor", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=TIMEOUT)


KINDS = ("600-rules", "70-matches", "600-values")


@pytest.mark.parametrize("kind", KINDS)
def test_recommend_refuses_hostile_rule_set_with_one_line(kind, tmp_path):
    folder, code, needs = hostile(kind, tmp_path)
    (tmp_path / "w.yaml").write_text(f"needs: {{{needs}}}\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    done = _run("recommend", "--rules", str(folder), "-o", str(out / "answers.txt"), str(tmp_path / "w.yaml"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f": {code}: " in lines[0] and "durable-rules 2.0.28 fails from" in lines[0], lines
    assert list(out.iterdir()) == []  # no answers file, no temporary file beside it


@pytest.mark.parametrize("kind", KINDS)
def test_rule_tests_refuse_hostile_rule_set(kind, tmp_path):
    folder, code, _ = hostile(kind, tmp_path)
    done = _run("test", str(folder), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f": {code}: " in lines[0], lines


@pytest.mark.parametrize("kind", KINDS)
def test_check_reports_the_same_line(kind, tmp_path):
    folder, code, _ = hostile(kind, tmp_path)
    done = _run("check", str(folder), cwd=tmp_path)
    assert done.returncode == 1  # check's contract: problems found
    found = [line for line in done.stdout.splitlines() if f": {code}: " in line]
    assert len(found) == 1 and "durable-rules 2.0.28 fails from" in found[0]
    assert "engine limits:" in done.stdout


def test_check_does_not_load_durable(tmp_path):
    folder, _, _ = hostile("70-matches", tmp_path)
    probe = ("import sys; from deploy_advisor.engine.authoring.check import check_rules; "
             f"check_rules({str(folder)!r}); print('durable' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.stdout.strip() == "False", done.stderr


# --- the margins hold: what the loader accepts, durable-rules runs -----------------------------


_RUN_ONE = """
import json, sys
from deploy_advisor.engine.api import Advisor
advisor = Advisor(sys.argv[1])
print(len(advisor.recommend(json.loads(sys.argv[2])).fired))
"""


def test_the_most_matches_allowed_run_in_durable(tmp_path):
    count = limits.MATCHES.allowed - 1  # plus the catch-all
    folder = _folder(tmp_path, rules_matching_one_workload(count))
    assert limits.shape(load_ruleset(folder)).most_matches == limits.MATCHES.allowed
    needs = json.dumps({"workload_type": "microservices"})
    done = subprocess.run([sys.executable, "-c", _RUN_ONE, str(folder), needs], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == count


def test_the_most_rules_allowed_run_in_durable(tmp_path):
    folder = _folder(tmp_path, distinct_rules(limits.RULES.allowed - 2))  # plus catch-all and batch-end
    assert limits.shape(load_ruleset(folder)).compiled_rules == limits.RULES.allowed
    needs = json.dumps({k: values[0] for k, values in ONE_VALUE.items()})
    done = subprocess.run([sys.executable, "-c", _RUN_ONE, str(folder), needs], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 1  # one rule per combination of seven answers: only the first has them all


def test_one_past_the_allowed_rules_is_refused(tmp_path):
    folder = _folder(tmp_path, distinct_rules(limits.RULES.allowed - 1))
    done = _run("recommend", "--rules", str(folder), "-", cwd=tmp_path, stdin='{"workload_type": "microservices"}\n')
    assert done.returncode == 2
    assert f"{limits.RULES.allowed + 1} compiled rules" in done.stderr


# --- the search for the most matches is right ------------------------------------------------


def _matches(patterns: list[str], packed: str) -> int:
    return sum(bool(re.fullmatch(p, packed)) for p in patterns)


def _patterns(ruleset) -> list[str]:
    definition = compile_ruleset(ruleset)
    out = []
    for rule in definition.values():
        condition = rule["all"][0]["m"]
        out += [next(iter(alt["$mt"].values())) for alt in condition.get("$or", [condition])]
    return out


def test_most_matches_is_never_exceeded_on_shipped_rules(ruleset):
    found = limits.shape(ruleset)
    assert found.exact
    layout = fact_layout(ruleset)
    encode = encoder(layout)
    patterns = _patterns(ruleset)
    generator = random.Random(7)
    best = 0
    for _ in range(300):
        needs = {}
        for criterion in ruleset.catalogue.criteria:
            if generator.random() < 0.8:
                values = criterion.value_ids
                needs[criterion.id] = (tuple(v for v in values if generator.random() < 0.5) if criterion.many
                                       else generator.choice(values))
        best = max(best, _climb(patterns, encode, ruleset, needs))
    assert best <= found.most_matches  # catch-all and batch-end among the patterns: the catch-all matches
    assert best >= found.most_matches - 3  # and the bound is tight, not a loose guess


def _climb(patterns, encode, ruleset, needs: dict) -> int:
    """Matches of the best workload reached from ``needs`` by changing one answer at a time (a random
    sample alone rarely comes near the worst case of twenty criteria)."""
    best = _matches(patterns, encode(needs))
    improved = True
    while improved:
        improved = False
        for criterion in ruleset.catalogue.criteria:
            options = [(v,) for v in criterion.value_ids] if criterion.many else list(criterion.value_ids)
            if criterion.many:
                options.append(tuple(criterion.value_ids))
            for value in options:
                trial = {**needs, criterion.id: value}
                count = _matches(patterns, encode(trial))
                if count > best:
                    best, needs, improved = count, trial, True
    return best


def test_most_matches_is_the_brute_force_maximum(tmp_path):
    folder = _folder(tmp_path, rules_matching_one_workload(20) + distinct_rules(30))
    ruleset = load_ruleset(folder)
    layout = fact_layout(ruleset)
    patterns = _patterns(ruleset)
    alphabets = [sorted(slot.alphabet) for slot in layout.slots]
    brute = max(_matches(patterns, "w" + "".join(codes)) for codes in itertools.product(*alphabets))
    assert limits.shape(ruleset) == limits.Shape(len(patterns), brute, True)


# --- Advisors share durable-rules registrations: durable never frees one ----------------------

_MANY_ADVISORS = """
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.rulefiles import load_ruleset

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6

ruleset = load_ruleset()
Advisor(ruleset).recommend({"startup": "instant"})
before = rss_mb()
answers = set()
for _ in range(500):
    answers.add(Advisor(ruleset).recommend({"startup": "instant"}).recommendation)
print(round(rss_mb() - before, 1), sorted(answers))
"""


def test_500_advisors_on_the_shipped_rules_keep_memory_flat():
    done = subprocess.run([sys.executable, "-c", _MANY_ADVISORS], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    grown, answers = done.stdout.split(" ", 1)
    assert answers.strip() == "['container']"  # every Advisor worked
    assert float(grown) < 40, f"RSS grew by {grown} MB over 500 Advisors (each used to hold about 5 MB)"


_PAST_THE_BOUND = """
from deploy_advisor.engine import evaluate
from deploy_advisor.engine.compile import compile_ruleset, fact_layout
from deploy_advisor.engine.errors import RuleError
from deploy_advisor.engine.rulefiles import load_ruleset

ruleset = load_ruleset()
engine = evaluate._Engine(limit=3)
for count in (1, 2, 3, 1, 2, 3):  # the same three rule sets, each registered once
    smaller = ruleset._replace(rules=ruleset.rules[:count])
    engine.registration(compile_ruleset(smaller), fact_layout(smaller).keys, "rules")
print(len(engine.registered))
try:
    smaller = ruleset._replace(rules=ruleset.rules[:4])
    engine.registration(compile_ruleset(smaller), fact_layout(smaller).keys, "rules")
except RuleError as error:
    print(error.first.format())
"""


def test_a_process_holds_a_bounded_number_of_rule_sets_and_says_so():
    done = subprocess.run([sys.executable, "-c", _PAST_THE_BOUND], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    count, message = done.stdout.splitlines()
    assert count == "3"
    assert message.startswith("rules: too-many-rule-sets: this process already holds 3 different rule sets")


def test_nothing_is_answered_before_the_refusal(tmp_path):
    """The workload matching too many rules comes after a whole batch: refused at load, nothing printed."""
    folder, code, _ = hostile("70-matches", tmp_path)
    stream = json.dumps({"needs": {"latency": "critical"}}) + "\n"
    stream = stream * 600 + json.dumps({"needs": {"workload_type": "microservices"}}) + "\n"
    done = _run("recommend", "--rules", str(folder), "-f", "jsonl", "-", cwd=tmp_path, stdin=stream)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and f": {code}: " in done.stderr

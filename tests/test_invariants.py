"""Declared invariants (invariants.yaml): the loader, each kind against planted violations, the
search (enumerated or sampled), shrinking, the fast scorer against build_result, and `check`."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RULES
from deploy_advisor.engine.answerspace import AnswerSpace
from deploy_advisor.engine.authoring.check import check_rules
from deploy_advisor.engine.conditions import criteria_in
from deploy_advisor.engine.authoring.invariantcheck import Verifier, shrink
from deploy_advisor.engine.authoring.invariants import Monotone, Never, SingleAnswer, load_invariants
from deploy_advisor.engine.reference import fired
from deploy_advisor.engine.result import build_result
from deploy_advisor.engine.rulefiles import INVARIANTS_FILE, load_ruleset
from deploy_advisor.engine.authoring.schema import invariants_schema
from deploy_advisor.engine.authoring.tally import pack, unpack
from deploy_advisor.engine.yamlio import parse_yaml
from deploy_advisor.main import main
from goldens import HERE, assemble
from minischema import validate
from strategies import needs, workload

BAD = HERE / "bad_rules"
HEADER = "# yaml-language-server: $schema=../docs/schemas/invariants.schema.json\n"

# Planted flaws, one per kind, in the small frozen catalogue of the golden tests:
# * tolerant latency with devices favours bare metal, sensitive latency leans to containers, so making
#   latency stricter moves the winner away from bare metal, but only for workloads with devices;
# * Windows pulls to a VM harder than full hardware control pulls to bare metal;
# * tolerant latency alone names containers with one point.
PLANTED = """\
concern: planted
rules:
  - id: tolerant-latency-with-devices-favours-bare-metal
    when: {all: [{latency: tolerant}, {hardware_access: devices}]}
    points: {bare_metal: 2}
    because: Devices are closest on bare metal.
    source: bare-metal-low-latency
  - id: sensitive-latency-leans-to-containers
    when: {latency: sensitive}
    points: {container: 3}
    because: Planted flaw.
    source: bare-metal-low-latency
  - id: custom-kernel-leans-to-vm
    when: {kernel: custom_required}
    points: {vm: 1}
    because: A VM has its own kernel.
    source: vm-own-kernel
  - id: full-control-favours-bare-metal
    when: {hardware_access: full_control}
    points: {bare_metal: 2}
    because: Only bare metal gives all of the hardware.
    source: bare-metal-one-os
  - id: windows-favours-vm
    when: {os_families: windows}
    points: {vm: 3}
    because: Planted flaw.
    source: vm-own-kernel
  - id: critical-latency-favours-bare-metal
    when: {latency: critical}
    points: {bare_metal: 3}
    because: Strong, so not a light answer.
    source: bare-metal-low-latency
  - id: tolerant-latency-leans-to-containers
    when: {latency: tolerant}
    points: {container: 1}
    because: Planted flaw.
    source: bare-metal-low-latency
"""

INVARIANTS = HEADER + """\
invariants:
  - id: stricter-latency-keeps-bare-metal
    says: Stricter latency never moves the winner away from bare metal.
    monotone:
      criterion: latency
      order: [tolerant, sensitive, critical]
      keeps: [bare_metal]
  - id: full-control-only-bare-metal
    says: Full control of the hardware is only had on bare metal.
    never:
      when: {hardware_access: full_control}
      winner: [vm, container]
  - id: no-single-weak-answer-decides
    says: A single light answer never names a winner on its own.
    single_answer:
      max_points_without_basis: 1
"""


def rule_set(tmp_path: Path, invariants: str | None = INVARIANTS, rules: str = PLANTED) -> Path:
    folder = assemble(tmp_path / "rules")
    (folder / "planted.yaml").write_text(rules, encoding="utf-8")
    if invariants is not None:
        (folder / INVARIANTS_FILE).write_text(invariants, encoding="utf-8")
    return folder


def verdicts(folder: Path, **options) -> dict:
    ruleset = load_ruleset(folder)
    space = AnswerSpace(ruleset.catalogue)
    invariants, problems = load_invariants(folder / INVARIANTS_FILE, "invariants.yaml", ruleset.catalogue)
    assert problems == ()
    return {v.invariant.id: v for v in Verifier(ruleset, space, **options).verify(invariants)}


# --- the loader ------------------------------------------------------------------------------


def load_text(tmp_path: Path, text: str) -> list[str]:
    base = tmp_path / "base"
    catalogue = load_ruleset(base if base.exists() else assemble(base)).catalogue
    path = tmp_path / INVARIANTS_FILE
    path.write_text(text, encoding="utf-8")
    return [p.format() for p in load_invariants(path, "rules/invariants.yaml", catalogue)[1]]


def test_every_problem_is_reported_with_its_place_and_a_hint(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        invariants:
          - id: one
            says: Unknown key, criterion spelt wrong.
            monotone: {criterion: latncy, order: [tolerant, critical], keeps: [bare_metal]}
            note: x
          - id: two
            says: A many-value criterion has no order.
            monotone: {criterion: os_families, order: [linux, windows], keeps: [vm]}
          - id: three
            says: A value and an option spelt wrong.
            monotone: {criterion: latency, order: [tolerant, critcal], never_toward: [vmm]}
          - id: four
            says: The condition is checked as in rule files.
            never: {when: {containerizable: maybe}, winner: [container]}
          - id: five
            says: No kind.
          - id: six
            says: Two kinds.
            never: {when: {kernel: custom_required}, winner: container}
            single_answer: {max_points_without_basis: 1}
          - id: seven
            says: Out of range.
            single_answer: {max_points_without_basis: 9}
          - id: Eight
            says: Not kebab-case, and keeps nor never_toward.
            monotone: {criterion: latency, order: [tolerant, critical]}
          - id: nine
            says: fine
            never: {when: {kernel: custom_required}, winner: [container]}
          - id: nine
            says: Used twice.
            never: {when: {kernel: custom_required}, winner: [container]}
        """)
    assert load_text(tmp_path, text) == [
        "rules/invariants.yaml:4:27: unknown-criterion: unknown criterion 'latncy' (did you mean 'latency'?)",
        "rules/invariants.yaml:5:5: unknown-key: unknown key 'note' in an invariant (did you mean 'monotone'?)",
        "rules/invariants.yaml:8:27: wrong-type: 'os_families' takes several values, which have no order "
        "(monotone applies to one-value criteria; state the need with `never` instead)",
        "rules/invariants.yaml:11:54: unknown-value: 'critcal' is not a value of 'latency' (did you mean 'critical'?)",
        "rules/invariants.yaml:11:79: unknown-option: 'vmm' is not an option (did you mean 'vm'?)",
        "rules/invariants.yaml:14:37: unknown-value: 'maybe' is not a value of 'containerizable' "
        "(expected one of: yes, no)",
        "rules/invariants.yaml:15:5: bad-kind: an invariant needs exactly one of monotone, never, single_answer, got none "
        "(add e.g. `never: {when: ..., winner: [...]}`)",
        "rules/invariants.yaml:17:5: bad-kind: an invariant needs exactly one of monotone, never, single_answer, "
        "got never and single_answer (split it into one invariant per kind)",
        "rules/invariants.yaml:23:47: wrong-type: max_points_without_basis takes a whole number from 1 to 5, "
        "got the number 9 (1 means: lone one-point rules name no winner)",
        "rules/invariants.yaml:24:9: bad-id: invariant id 'Eight' must be kebab-case (use lower-case words joined by '-')",
        "rules/invariants.yaml:26:15: missing-key: a monotone invariant needs 'keeps', 'never_toward' or both "
        "(add e.g. `keeps: [bare_metal]`)",
        "rules/invariants.yaml:30:5: duplicate-invariant-id: invariant id 'nine' is already used at line 27 "
        "(give each invariant its own id)",
    ]


def test_a_condition_is_wrong_in_the_same_words_as_in_a_rule_file(tmp_path: Path) -> None:
    [invariant] = load_text(tmp_path, "invariants:\n  - id: a\n    says: x\n    never:\n"
                                      "      when: {latency: critcal}\n      winner: [vm]\n")
    folder = assemble(tmp_path / "rules")
    (folder / "x.yaml").write_text("rules:\n  - id: a\n    when: {latency: critcal}\n    points: {vm: 1}\n"
                                   "    because: x\n    source: vm-own-kernel\n", encoding="utf-8")
    [rule] = [f.problem for f in check_rules(folder).errors]
    assert invariant.split(": ", 1)[1] == rule.format().split(": ", 1)[1]
    assert invariant.startswith("rules/invariants.yaml:5:23: unknown-value:")


def test_broken_files_are_one_located_line(tmp_path: Path) -> None:
    assert load_text(tmp_path, "invariants: [\n") == [
        "rules/invariants.yaml:2:1: yaml-syntax: not valid YAML: did not find expected node content "
        "(fix the YAML syntax at that place)"]
    assert load_text(tmp_path, "invariants: {a: 1}\n") == [
        "rules/invariants.yaml:1:13: wrong-type: 'invariants' must be a list, got a mapping"]
    assert load_text(tmp_path, "- a\n") == [
        "rules/invariants.yaml:1:1: wrong-type: expected one YAML document holding a mapping "
        "(write `invariants:` followed by a list)"]
    assert load_text(tmp_path, "") == [] and load_text(tmp_path, "invariants:\n") == []


def test_the_kinds_load_as_typed_records(tmp_path: Path) -> None:
    catalogue = load_ruleset(assemble(tmp_path / "base")).catalogue
    path = tmp_path / INVARIANTS_FILE
    path.write_text(INVARIANTS + '  - id: x\n    says: y\n    monotone: {criterion: containerizable, order: ["yes", "no"],'
                    " never_toward: [container]}\n", encoding="utf-8")
    invariants, problems = load_invariants(path, "invariants.yaml", catalogue)
    assert problems == ()
    assert [i.kind for i in invariants][0] == Monotone("latency", ("tolerant", "sensitive", "critical"), ("bare_metal",))
    assert isinstance(invariants[1].kind, Never) and invariants[1].kind.winner == ("vm", "container")
    assert invariants[2].kind == SingleAnswer(1)
    assert invariants[3].kind == Monotone("containerizable", ("yes", "no"), (), ("container",))  # `no` stays 'no'
    assert (invariants[0].span.line, invariants[0].span.column) == (3, 5)


def test_no_file_means_no_invariants_and_no_analysis(tmp_path: Path) -> None:
    report = check_rules(rule_set(tmp_path, invariants=None))
    assert "invariants" not in dict(report.analyses)
    assert not [f for f in report.findings if f.problem.code == "invariant-violated"]


# --- each kind finds its planted violation, smallest first -----------------------------------


def test_monotone_reports_the_smallest_workload_and_the_rules_that_differ(tmp_path: Path) -> None:
    verdict = verdicts(rule_set(tmp_path))["stricter-latency-keeps-bare-metal"]
    v = verdict.violation
    assert v is not None and v.method == "enumerated"
    assert dict(v.needs) == {"latency": "tolerant", "hardware_access": "devices"}
    assert dict(v.stricter) == {"latency": "sensitive", "hardware_access": "devices"}
    assert (v.winner, v.stricter_winner, v.broken) == ("bare_metal", "container", "keeps")
    assert [(b.rule, b.side, b.effect) for b in v.blame] == [
        ("sensitive-latency-leans-to-containers", "stricter", "container +3"),
        ("tolerant-latency-with-devices-favours-bare-metal", "laxer", "bare_metal +2"),
        ("tolerant-latency-leans-to-containers", "laxer", "container +1")]


def test_monotone_counts_agree_with_brute_force(tmp_path: Path) -> None:
    folder = rule_set(tmp_path)
    ruleset = load_ruleset(folder)
    space = AnswerSpace(ruleset.catalogue)
    # Bases answer the criteria the rules read (latency aside); the others cannot change a winner.
    others = space.scope(c for r in ruleset.rules for c in criteria_in(r.when) if c != "latency")
    assert others == ("kernel", "hardware_access", "os_families")
    order = ("tolerant", "sensitive", "critical")
    bases = list(space.assignments(others))

    def winner(n: dict) -> str | None:
        return build_result(ruleset, workload(n, ruleset.catalogue), fired(ruleset, n)).recommendation

    broken = 0
    for base in bases:
        winners = [winner({**base, "latency": value}) for value in order]
        broken += any(a == "bare_metal" and b != "bare_metal"
                      for i, a in enumerate(winners) for b in winners[i + 1:])
    verdict = verdicts(folder)["stricter-latency-keeps-bare-metal"]
    assert verdict.checked == len(bases)
    assert verdict.violation is not None and verdict.violation.count == broken > 0


def test_never_reports_the_smallest_workload_and_what_put_the_wrong_option_first(tmp_path: Path) -> None:
    folder = rule_set(tmp_path)
    v = verdicts(folder)["full-control-only-bare-metal"].violation
    assert v is not None
    # Two workloads of two answers break it; the first in catalogue order is shown.
    assert dict(v.needs) == {"latency": "sensitive", "hardware_access": "full_control"}
    assert v.winner == "container"
    assert [b.rule for b in v.blame] == ["sensitive-latency-leans-to-containers"]
    windows_only = PLANTED.replace("points: {container: 3}", "points: {bare_metal: 1}")
    v = verdicts(rule_set(tmp_path / "windows", rules=windows_only))["full-control-only-bare-metal"].violation
    assert dict(v.needs) == {"hardware_access": "full_control", "os_families": ("windows",)} and v.winner == "vm"
    assert [b.rule for b in v.blame] == ["windows-favours-vm"]


def test_a_lone_light_answer_names_no_winner_so_the_invariant_holds(tmp_path: Path) -> None:
    """build_result names no winner on one light lean (no_basis): the planted +1 rule cannot break it."""
    folder = rule_set(tmp_path)
    verdict = verdicts(folder)["no-single-weak-answer-decides"]
    assert verdict.violation is None
    # Brute force: the lone answers whose rules exclude nothing and carry at most 1 point each.
    ruleset = load_ruleset(folder)
    space = AnswerSpace(ruleset.catalogue)
    light = [n for c, d in space.domains.items() for n in ({c: a} for a in d[1:]) if space.describable(n)
             and all(abs(p) <= 1 and not r.exclude for r in ruleset.rules if r.id in fired(ruleset, n) for _, p in r.points)
             and not any(ruleset.rule(r).exclude for r in fired(ruleset, n))]
    assert verdict.checked == len(light) and {"latency": "critical"} not in light


def test_single_answer_finds_a_lone_answer_heavier_than_no_basis_allows(tmp_path: Path) -> None:
    """With a bound above build_result's (two points), a lone two-point rule names a winner: reported."""
    rules = PLANTED.replace("points: {container: 1}\n    because: Planted flaw.", "points: {container: 2}\n    because: Planted flaw.")
    assert rules != PLANTED
    folder = rule_set(tmp_path, invariants=INVARIANTS.replace("max_points_without_basis: 1", "max_points_without_basis: 2"),
                      rules=rules)
    v = verdicts(folder)["no-single-weak-answer-decides"].violation
    assert v is not None and dict(v.needs) == {"latency": "tolerant"} and v.winner == "container"
    assert [b.rule for b in v.blame] == ["tolerant-latency-leans-to-containers"]


def test_invariants_that_hold_report_nothing(tmp_path: Path) -> None:
    fixed = (PLANTED.replace("points: {container: 3}", "points: {bare_metal: 2}")
             .replace("points: {vm: 3}", "points: {vm: 1}")
             .replace("points: {bare_metal: 2}\n    because: Only", "points: {bare_metal: 3}\n    because: Only"))
    found = verdicts(rule_set(tmp_path, rules=fixed))
    assert found["stricter-latency-keeps-bare-metal"].violation is None
    assert found["full-control-only-bare-metal"].violation is None
    assert found["stricter-latency-keeps-bare-metal"].checked == 3 * 4 * 8  # kernel, hardware_access, os_families


# --- enumerated or sampled -------------------------------------------------------------------


def test_a_sample_finds_the_same_smallest_counterexample(tmp_path: Path) -> None:
    folder = rule_set(tmp_path)
    exhaustive = verdicts(folder)
    sampled = verdicts(folder, limit=10, sample_size=300, seed=3)
    for name in ("stricter-latency-keeps-bare-metal", "full-control-only-bare-metal"):
        assert exhaustive[name].method == "enumerated" and sampled[name].method == "sampled"
        assert sampled[name].violation.needs == exhaustive[name].violation.needs


def test_a_sample_finds_violations_that_need_three_other_answers(tmp_path: Path) -> None:
    # Full control gives bare metal 6; only Windows (vm 2), a custom kernel (vm 3) and not
    # containerizable (vm 2) together outweigh it: no base of two answers breaks the invariant.
    rules = PLANTED.replace("points: {vm: 3}", "points: {vm: 2}") + textwrap.indent(textwrap.dedent("""\
        - id: big-bare-metal
          when: {hardware_access: full_control}
          points: {bare_metal: 4}
          because: x
          source: bare-metal-one-os
        - id: custom-kernel-favours-vm
          when: {kernel: custom_required}
          points: {vm: 2}
          because: x
          source: vm-own-kernel
        - id: not-containerizable-favours-vm
          when: {containerizable: "no"}
          points: {vm: 2}
          because: x
          source: vm-own-kernel
        """), "  ")
    folder = rule_set(tmp_path, rules=rules)
    expected = {"kernel": "custom_required", "hardware_access": "full_control", "os_families": ("windows",),
                "containerizable": "no"}
    exhaustive = verdicts(folder)["full-control-only-bare-metal"]
    sampled = verdicts(folder, limit=10, sample_size=2000, seed=1)["full-control-only-bare-metal"]
    assert (exhaustive.method, sampled.method) == ("enumerated", "sampled")
    assert dict(exhaustive.violation.needs) == expected == dict(sampled.violation.needs)


# --- shrinking -------------------------------------------------------------------------------


def test_shrink_drops_answers_and_values_while_the_violation_holds() -> None:
    start = {"latency": "tolerant", "kernel": "custom_required", "hardware_access": "devices",
             "os_families": ("linux", "windows", "other")}

    def broken(n: dict) -> bool:
        return n.get("hardware_access") == "devices" and "windows" in (n.get("os_families") or ())

    order = ("latency", "kernel", "hardware_access", "os_families")
    assert shrink(start, broken, order) == {"hardware_access": "devices", "os_families": ("windows",)}
    assert shrink({"latency": "tolerant"}, lambda n: True, order) == {}


def test_a_sampled_counterexample_is_shrunk(tmp_path: Path) -> None:
    # Only the empty base is small: every other base comes from the sample, with answers to spare.
    folder = rule_set(tmp_path)
    ruleset = load_ruleset(folder)
    invariants, _ = load_invariants(folder / INVARIANTS_FILE, "x", ruleset.catalogue)
    verifier = Verifier(ruleset, AnswerSpace(ruleset.catalogue), limit=10, sample_size=40, seed=3, small=0)
    smallest = [{"latency": "sensitive"}, {"os_families": ("windows",)}]  # with full control, each breaks it
    # Neither is in the pool as such: the workload shown was found by shrinking a bigger one.
    assert not [n for n, *_ in verifier.pool() if {c: a for c, a in n.items() if c != "hardware_access"} in smallest]
    v = verifier.check(invariants[1]).violation
    assert v is not None
    assert {c: a for c, a in v.needs if c != "hardware_access"} in smallest and dict(v.needs)["hardware_access"] == "full_control"


# --- the fast scorer agrees with the engine's own scoring ------------------------------------


@pytest.fixture(scope="module")
def shipped_verifier(ruleset) -> Verifier:
    return Verifier(ruleset, AnswerSpace(ruleset.catalogue))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_scorer_agrees_with_build_result(ruleset, shipped_verifier: Verifier, data) -> None:
    answers = data.draw(needs(ruleset.catalogue))
    scorer = shipped_verifier.scorer
    assert scorer.fired(answers) == fired(ruleset, answers)
    result = build_result(ruleset, workload(answers, ruleset.catalogue), fired(ruleset, answers))
    assert scorer.winner(scorer.tally(answers)) == result.recommendation
    assert shipped_verifier.recommendation(answers) == result.recommendation


def test_tallies_pack_negative_scores_and_unpack_them() -> None:
    assert unpack(pack((-5, 3, -1), (0, 2, 1)) + pack((2, -9, 0), (1, 0, 0)), 3) == ((-3, -6, -1), (1, 2, 1))


# --- check, the schema, the shipped file -----------------------------------------------------


def test_check_reports_violations_as_errors_in_text_and_json(tmp_path: Path, monkeypatch, capsys) -> None:
    rule_set(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "invariant-violated" in line]
    assert len(lines) == 2  # the lone light answer names no winner now (no_basis): that invariant holds
    assert lines[0].startswith(
        "rules/invariants.yaml:3:5: invariant-violated: stricter-latency-keeps-bare-metal: "
        "{latency: tolerant, hardware_access: devices} recommends bare_metal, but with latency: sensitive it "
        "recommends container (stricter latency leaves bare_metal); rules firing only at sensitive: "
        "sensitive-latency-leans-to-containers (container +3); only at tolerant: ")
    assert "  invariants: 3 checked, 2 violated; each over every workload" in out
    assert main(["check", "--format", "json", "rules"]) == 1
    data = json.loads(capsys.readouterr().out)
    [never] = [f for f in data["findings"] if f["code"] == "invariant-violated" and f["line"] == 9]
    assert never["severity"] == "error"
    assert never["invariant"]["workload"] == {"latency": "sensitive", "hardware_access": "full_control"}
    assert never["invariant"]["winner"] == "container" and never["invariant"]["kind"] == "never"
    assert never["invariant"]["rules"] == [{"rule": "sensitive-latency-leans-to-containers", "effect": "container +3",
                                            "side": "fired"}]


def test_problems_in_the_file_do_not_stop_the_other_invariants(tmp_path: Path) -> None:
    broken = INVARIANTS + "  - id: bad\n    says: x\n    never: {when: {latency: slow}, winner: [vm]}\n"
    report = check_rules(rule_set(tmp_path, invariants=broken))
    codes = [f.problem.code for f in report.errors if f.problem.span.file.endswith(INVARIANTS_FILE)]
    assert codes == ["invariant-violated"] * 2 + ["unknown-value"]
    assert dict(report.analyses)["invariants"].startswith("3 checked, 2 violated, 1 problem in invariants.yaml")


def test_the_invariants_file_is_no_rule_file(tmp_path: Path) -> None:
    assert load_ruleset(rule_set(tmp_path)).rules  # it loads, and invariants.yaml is not read as rules
    assert check_rules(rule_set(tmp_path / "x")).files == 1


def test_the_shipped_invariants_file_is_valid_and_names_its_schema(ruleset) -> None:
    path = RULES / INVARIANTS_FILE
    assert path.read_text(encoding="utf-8").startswith(HEADER)
    [document] = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    assert validate(document.to_python(), invariants_schema(ruleset.catalogue)) == []
    invariants, problems = load_invariants(path, "rules/invariants.yaml", ruleset.catalogue)
    assert problems == () and len(invariants) >= 20


def test_the_schema_refuses_what_the_loader_refuses(ruleset) -> None:
    schema = invariants_schema(ruleset.catalogue)
    assert validate({"invariants": [{"id": "a", "says": "b"}]}, schema)  # no kind
    assert validate({"invariants": [{"id": "a", "says": "b", "monotone": {"criterion": "os_families",
                                                                          "order": ["linux", "windows"], "keeps": ["vm"]}}]}, schema)
    assert validate({"invariants": [{"id": "a", "says": "b", "never": {"when": {"latency": "slow"}, "winner": ["vm"]}}]}, schema)


@pytest.fixture(scope="module")
def shipped_report():
    return check_rules()


def test_shipped_invariants_hold(shipped_report) -> None:
    assert [f.problem.format() for f in shipped_report.errors if f.problem.code == "invariant-violated"] == []


def test_check_on_the_shipped_rules_verifies_every_invariant(shipped_report) -> None:
    summary = dict(shipped_report.analyses)["invariants"]
    assert summary.startswith("22 checked,") and "a sample of 20,000 (seed 0)" in summary


def test_loading_and_verifying_invariants_needs_no_durable_rules() -> None:
    code = ("import sys, deploy_advisor.engine.authoring.invariants, deploy_advisor.engine.authoring.invariantcheck; "
            "print(sorted(m for m in sys.modules if 'durable' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_sample_size_is_an_option_of_check(capsys) -> None:
    assert main(["check", "--sample", "0"]) in (0, 1)
    out = capsys.readouterr().out
    sizes = [int(line.rsplit("up to ", 1)[1].split()[0].replace(",", "")) for line in out.splitlines()
             if line.startswith("  invariants:")]
    assert sizes and sizes[0] < 20_000  # only the workloads of at most two other answers
    assert "with at most 2 other answers (up to" in out
    with pytest.raises(SystemExit):
        main(["check", "--sample", "-1"])


@pytest.mark.parametrize("options", [{}, {"limit": 10, "sample_size": 0}], ids=["enumerated", "small-only"])
def test_a_question_asked_only_after_the_fixed_answer_is_still_explored(tmp_path: Path, options) -> None:
    # host_os is asked only of containerizable applications: {host_os: windows} alone cannot be
    # described, but with the invariant's own answer (containerizable: yes) it can, and breaks it.
    folder = rule_set(tmp_path, invariants=HEADER + "invariants:\n  - id: containers-never-on-a-vm\n    says: x\n"
                      "    never: {when: {containerizable: \"yes\"}, winner: [vm]}\n",
                      rules="rules:\n  - id: windows-host-favours-vm\n    when: {host_os: windows}\n"
                            "    points: {vm: 2}\n    because: x\n    source: vm-own-kernel\n")
    criteria = folder / "criteria.yaml"
    criteria.write_text(criteria.read_text(encoding="utf-8").replace('not: {containerizable: "no"}',
                                                                    'containerizable: "yes"'), encoding="utf-8")
    v = verdicts(folder, **options)["containers-never-on-a-vm"].violation
    assert v is not None and dict(v.needs) == {"host_os": "windows", "containerizable": "yes"}

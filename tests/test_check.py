"""The analyses behind `deploy-advisor check`: answer space, match counting, conflicts, the shipped rules."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy_advisor.engine.answerspace import AnswerSpace, domain, needs_text
from deploy_advisor.engine.authoring import check
from deploy_advisor.engine.authoring.check import check_rules, condition_text, contradiction_reason, find_conflicts
from deploy_advisor.engine.model import All, Has, Is, Not, Rule
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.main import main
from goldens import HERE, assemble

BAD = HERE / "bad_rules"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The small frozen catalogue of the golden tests, with its good rules."""
    return load_ruleset(assemble(tmp_path_factory.mktemp("base") / "rules", BAD / "good.yaml"))


def everything(space: AnswerSpace) -> list[dict]:
    return list(space.assignments(space.scope(space.domains)))


# --- the answer space ------------------------------------------------------------------------


def test_domains_hold_unanswered_every_value_and_every_non_empty_set(base) -> None:
    catalogue = base.catalogue
    assert domain(catalogue["latency"]) == (None, "critical", "sensitive", "tolerant")
    assert len(domain(catalogue["os_families"])) == 8 and ("linux", "windows", "other") in domain(catalogue["os_families"])


def test_a_criterion_is_unanswered_where_its_question_is_not_asked(base) -> None:
    space = AnswerSpace(base.catalogue)
    assert space.scope(["host_os"]) == ("host_os", "containerizable")
    assert not space.describable({"host_os": "linux", "containerizable": "no"})
    assert space.describable({"host_os": "linux", "containerizable": "yes"})
    assert all(space.describable(n) for n in everything(space))


def test_count_is_exact(base) -> None:
    space = AnswerSpace(base.catalogue)
    assert space.count() == len(everything(space)) == 4 * 3 * 4 * 8 * (3 * 3 - 2)


def test_sample_is_deterministic_distinct_and_describable(ruleset) -> None:
    space = AnswerSpace(ruleset.catalogue)
    first, again = space.sample(300, seed=7), space.sample(300, seed=7)
    assert first == again and first != space.sample(300, seed=8)
    assert len({needs_text(n) for n in first}) == 300
    assert all(space.describable(n) for n in first)


def test_explore_says_whether_it_enumerated_or_sampled(base) -> None:
    space = AnswerSpace(base.catalogue)
    scope = space.scope(space.domains)
    enumerated, found = space.explore(scope)
    assert enumerated.method == "enumerated" and enumerated.workloads == len(found) == space.count()
    sampled, some = space.explore(scope, seed=3, limit=10, sample_size=50)
    assert sampled.method == "sampled" and sampled.workloads == len(some) == 50 and sampled.space == space.count()
    assert "sampled 50 of 2,688 workloads" in sampled.describe() and "(seed 3)" in sampled.describe()


def test_needs_text_quotes_yaml_booleans() -> None:
    assert needs_text({"containerizable": "no", "os_families": ("linux", "windows")}) == (
        '{containerizable: "no", os_families: [linux, windows]}')


# --- durable-rules matches -------------------------------------------------------------------


def _rules(conditions_: list) -> list[Rule]:
    return [Rule(f"r{i}", c, (("vm", 1),), (), "b", "s", "f.yaml", i + 1) for i, c in enumerate(conditions_)]


def test_check_counts_matches_as_the_loader_does(tmp_path: Path) -> None:
    """One count of durable-rules matches (engine/limits.py): check reports the loader's figure."""
    report = check_rules(assemble(tmp_path / "rules", BAD / "many_matches.yaml"))
    assert report.matches == check.Matches(51, True)
    assert [f.problem.code for f in report.warnings] == ["many-matches"]


# --- conditions and conflicts ----------------------------------------------------------------


def test_contradiction_reasons() -> None:
    assert contradiction_reason(All((Is("latency", ("critical",)), Is("latency", ("tolerant", "sensitive"))))) == (
        "'latency' takes one value and cannot be both critical and tolerant, sensitive")
    kernel = Is("kernel", ("custom_required",))
    assert contradiction_reason(All((kernel, Not(kernel)))) == "it both requires and excludes {kernel: custom_required}"
    assert contradiction_reason(All((Has("os_families", ("linux",), "all"), Not(Has("os_families", ("linux",)))))) == (
        "no answers to os_families satisfy it")


def test_condition_text_reads_like_a_rule_file() -> None:
    condition = All((Is("containerizable", ("no",)), Not(Has("os_families", ("linux", "windows"), "all"))))
    assert condition_text(condition) == '{all: [{containerizable: "no"}, {not: {os_families: {all: [linux, windows]}}}]}'


def test_conflicts_are_found_by_sampling_too(tmp_path: Path) -> None:
    ruleset = load_ruleset(assemble(tmp_path / "rules", BAD / "conflict.yaml"))
    space = AnswerSpace(ruleset.catalogue)
    exploration, found = find_conflicts(ruleset, space, seed=1, limit=5)
    assert exploration.method == "sampled"
    [conflict] = found
    assert conflict.needs["hardware_access"] == "full_control" and len(conflict.needs["os_families"]) >= 2


# --- the command -----------------------------------------------------------------------------


def test_json_report(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", BAD / "never_holds.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json", "rules"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["errors"], data["warnings"]) == (False, 2, 0)
    assert data["findings"][0] == {"file": "rules/never_holds.yaml", "line": 4, "column": 5, "code": "never-holds",
                                   "severity": "error", "message": data["findings"][0]["message"],
                                   "hint": "fix or delete the rule"}
    assert set(data["analyses"]) == {"conditions", "conflicts", "engine limits"}
    assert data["matches"] == {"most": 1, "exact": True}  # the loader's count: its rules never hold, the catch-all does


def test_a_missing_folder_is_a_finding_not_a_crash(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    assert "no-rules-dir: not a rule set folder" in capsys.readouterr().out


def test_broken_rules_do_not_stop_the_analysis_of_the_others(tmp_path: Path) -> None:
    report = check_rules(assemble(tmp_path / "rules", BAD / "never_holds.yaml", BAD / "unknown_value.yaml"))
    assert [f.problem.code for f in report.findings] == ["never-holds", "never-holds", "unknown-value"]


def test_the_shipped_rules_have_no_errors() -> None:
    report = check_rules()  # declared invariants included: every one holds on the shipped rules
    assert [f.problem.format() for f in report.errors] == []
    assert report.matches is not None and report.matches.exact and report.matches.most <= check.MATCH_WARN
    assert all(f.problem.code in ("conflict", "tie-region", "no-basis-region") for f in report.warnings)


# --- static analysis never loads the engine --------------------------------------------------

# evaluate.py is the one module that imports durable-rules (on first use): check must not even reach it
_NO_DURABLE = ("import sys; {}; "
               "print(sorted(m for m in sys.modules if m.startswith('durable') or m.endswith('engine.evaluate')))")


@pytest.mark.parametrize("code", [
    "import deploy_advisor.engine.authoring.check",
    "from deploy_advisor.main import main; main(['check', 'rules'])",  # the whole command, test cases included
])
def test_check_never_imports_durable_rules(code: str) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _NO_DURABLE.format(code)], capture_output=True, text=True,
                          cwd=HERE.parent, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_rules_keep_the_spans_of_their_keys_so_check_reads_each_file_once(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "rules", BAD / "good.yaml")
    ruleset = load_ruleset(folder)
    for rule in ruleset.rules:
        lines = (folder / Path(rule.file).name).read_text().splitlines()
        for key in ("id", "when"):
            span = rule.key_span(key)
            assert lines[span.line - 1][span.column - 1:].startswith(f"{key}:"), (rule.id, key, span)
    assert ruleset.rules[0].key_span("no-such-key") == ruleset.rules[0].span

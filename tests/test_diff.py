"""`deploy-advisor diff`: flipped recommendations, the rules behind them, and the review formats."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy_advisor.engine.authoring.impact import rule_changes
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.main import main
from goldens import HERE, assemble, assert_golden

DIFF = HERE / "diff"


@pytest.fixture()
def change(tmp_path: Path, monkeypatch) -> Path:
    """A fixed change: rules edited (points, wording), added and removed; each corpus workload flips."""
    assemble(tmp_path / "old", DIFF / "old")
    assemble(tmp_path / "new", DIFF / "new")
    shutil.copytree(DIFF / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fmt, golden", [("markdown", "change.md"), ("text", "change.txt")])
def test_report_matches_golden(change: Path, capsys, fmt: str, golden: str) -> None:
    assert main(["diff", "old", "new", "corpus", "--sample", "12", "--format", fmt]) == 1
    assert_golden(DIFF / golden, capsys.readouterr().out)


def test_json_names_the_rules_responsible(change: Path, capsys) -> None:
    main(["diff", "old", "new", "corpus", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] is True and data["corpus"]["sampled"] == 0 and data["evaluated"] == 4
    [trading] = [w for w in data["flipped"] if w["workload"] == "Trading engine"]
    assert (trading["old"]["recommendation"], trading["new"]["recommendation"]) == ("bare_metal", "container")
    assert trading["causes"] == [
        {"rule": "host-kernel-favours-container", "kind": "added", "before": None, "after": "container +2"},
        {"rule": "critical-latency-favours-bare-metal", "kind": "edited",
         "before": "bare_metal +3, vm -1", "after": "bare_metal +1, vm -1"}]
    assert {(c["kind"], c["rule"]) for c in data["rule_changes"]} == {
        ("added", "host-kernel-favours-container"), ("edited", "critical-latency-favours-bare-metal"),
        ("added", "devices-favour-bare-metal"), ("edited", "windows-favours-vm"),
        ("removed", "sensitive-latency-leans-to-bare-metal")}


def test_rule_changes_say_what_was_edited() -> None:
    old = load_ruleset(assemble_tmp("old"))
    new = load_ruleset(assemble_tmp("new"))
    edits = {c.id: c.fields for c in rule_changes(old, new) if c.kind == "edited"}
    assert edits == {"critical-latency-favours-bare-metal": ("points",), "windows-favours-vm": ("points", "because")}


def assemble_tmp(name: str) -> Path:
    import tempfile

    return assemble(Path(tempfile.mkdtemp()) / "rules", DIFF / name)


def test_no_change_exits_0(change: Path, capsys) -> None:
    assert main(["diff", "old", "old", "corpus", "--sample", "50"]) == 0
    assert "no recommendation changes (54 workloads)" in capsys.readouterr().out


def test_a_ranking_change_alone_is_reported_but_exits_0(tmp_path: Path, monkeypatch, capsys) -> None:
    good = HERE / "bad_rules" / "good.yaml"
    assemble(tmp_path / "old", good)
    assemble(tmp_path / "new", good)
    rules = tmp_path / "new" / "good.yaml"
    rules.write_text(rules.read_text().replace("{bare_metal: 3, vm: -1}", "{bare_metal: 3, vm: 1}"))
    (tmp_path / "w.yaml").write_text("name: w\nneeds: {latency: critical}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "old", "new", "w.yaml"]) == 0
    out = capsys.readouterr().out
    assert "ranking changed:\n  w.yaml (w): bare_metal → bare_metal" in out
    assert "ranking: bare_metal 3, container 0, vm -1 → bare_metal 3, vm 1, container 0" in out


def test_answers_the_old_catalogue_lacks_are_unanswered_there(change: Path, capsys) -> None:
    criteria = change / "new" / "criteria.yaml"
    criteria.write_text(criteria.read_text().replace("      - {id: tolerant, label: Tolerant}",
                                                     "      - {id: tolerant, label: Tolerant}\n      - {id: extreme, label: Extreme}"))
    rules = change / "new" / "latency.yaml"
    rules.write_text(rules.read_text().replace("{latency: critical}", "{latency: [critical, extreme]}"))
    (change / "corpus" / "new-value.yaml").write_text("name: x\nneeds: {latency: extreme, os_families: [linux]}\n")
    main(["diff", "old", "new", "corpus"])
    out = capsys.readouterr().out
    # old: nothing fired (no basis); new: the new value fires the latency rule
    assert "ranking: container 0, vm 0, bare_metal 0 → bare_metal 1, container 0, vm -1" in out
    assert ("note: 1 workload answers what the old catalogue lacks, which the old rule set sees as unanswered: "
            "corpus/new-value.yaml (latency: extreme)") in out


def test_usage_errors(change: Path, capsys) -> None:
    assert main(["diff", "old"]) == 2
    assert "diff needs OLD_RULES NEW_RULES" in capsys.readouterr().err


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_compares_a_folder_with_its_state_at_a_revision(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = tmp_path / "repo"
    assemble(repo / "rules", DIFF / "old")
    shutil.copytree(DIFF / "corpus", repo / "examples")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old rules")
    for path in (DIFF / "new").iterdir():
        shutil.copy(path, repo / "rules" / path.name)
    monkeypatch.chdir(repo)
    assert main(["diff", "--git", "HEAD", "rules", "--sample", "0"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("diff HEAD:rules → rules: 3 of 4 workloads change recommendation, 1 more change ranking")
    assert "- sensitive-latency-leans-to-bare-metal (HEAD:rules/latency.yaml:8)" in out
    assert main(["diff", "--git", "no-such-rev", "rules"]) == 2
    assert "git-failed" in capsys.readouterr().err


def test_long_markdown_keeps_to_a_comment_size(change: Path, capsys, monkeypatch) -> None:
    from deploy_advisor.engine.render import impact

    monkeypatch.setattr(impact, "MARKDOWN_ROWS", 2)
    main(["diff", "old", "new", "corpus", "--sample", "12", "--format", "markdown"])
    out = capsys.readouterr().out
    assert out.count("| corpus/") == 2 and "… and 4 more: run `deploy-advisor diff --format json`" in out


def test_a_corpus_folder_is_searched_as_recommend_searches_it(tmp_path) -> None:
    from deploy_advisor.engine.authoring.impact import corpus_files

    for name in ("b.yaml", ".hidden.yaml", "sub/a.ndjson", "sub/.git/c.yaml", "table.csv", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = [(path.relative_to(tmp_path).as_posix(), error) for path, error in corpus_files([tmp_path])]
    assert found == [("b.yaml", None), ("sub/a.ndjson", None)]  # recursive, dot-files skipped, readable kinds only

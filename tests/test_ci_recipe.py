"""docs/ci.md's recipe, run as written: the commands of the shipped workflow's check, test and diff steps,
in a temporary git repository where a rule change sits on a branch, and each artifact checked."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, RULES, SHARED
from deploy_advisor.engine.yamlio import Limits, parse_yaml

WORKFLOW = ROOT / "docs" / "ci" / "github-rule-review.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-rule-review.yml"
PLANTED = ("    points: {bare_metal: 3}\n", "    points: {bare_metal: 3, container: 3}\n")


def _steps() -> dict[str, str]:
    (document,) = parse_yaml(WORKFLOW.read_text(encoding="utf-8"), WORKFLOW.name, Limits(allow_aliases=False))
    data = document.to_python()
    steps = data["jobs"]["review"]["steps"]
    return {step["id"]: step["run"] for step in steps if "id" in step and "run" in step}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture()
def repository(tmp_path: Path) -> Path:
    """origin/main holds the shipped rules; the work tree has one rule edited so that critical latency
    ties bare metal and containers."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules", ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "rules")
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    _git(repo, "checkout", "-q", "-b", "change")
    latency = repo / "rules" / "latency.yaml"
    latency.write_text(latency.read_text(encoding="utf-8").replace(*PLANTED), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "critical latency: containers as good as bare metal")
    return repo


def test_the_workflow_has_the_three_commands() -> None:
    steps = _steps()
    assert set(steps) >= {"check", "test", "diff"}
    assert "--format sarif" in steps["check"] and "--format junit" in steps["test"]
    assert "diff --git origin/main" in steps["diff"] and "--format markdown" in steps["diff"]


def test_the_gitlab_job_runs_the_same_commands() -> None:
    (document,) = parse_yaml(GITLAB.read_text(encoding="utf-8"), GITLAB.name, Limits(allow_aliases=False))
    script = "\n".join(document.to_python()["rule-review"]["script"])
    steps = _steps()
    for step in ("check", "test"):
        assert steps[step].split(" > ")[0] in script
    assert re.search(r"deploy-advisor diff --git \"origin/\$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\" rules --format markdown", script)


def test_the_recipe_runs_on_a_rule_change(repository: Path) -> None:
    steps = _steps()
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    codes = {}
    for step in ("check", "test", "diff"):
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", steps[step]], cwd=repository, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 1), (step, done.stderr)
        codes[step] = done.returncode
    # check: the change breaks the declared latency invariant; test: it breaks a latency case; diff:
    # recommendations change
    assert codes == {"check": 1, "test": 1, "diff": 1}

    log = json.loads((repository / "deploy-advisor.sarif").read_text(encoding="utf-8"))
    schema = SHARED / "corpora" / "sarif" / "sarif-schema-2.1.0.json"
    if schema.is_file():
        import jsonschema

        loaded = json.loads(schema.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(loaded)(loaded).validate(log)
    ties = [r["message"]["text"] for r in log["runs"][0]["results"] if r["ruleId"] == "tie-region"]
    assert any("{latency: critical}" in text for text in ties)
    broken = [r for r in log["runs"][0]["results"] if r["ruleId"] == "invariant-violated"]
    assert broken and broken[0]["level"] == "error"
    assert broken[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("invariants.yaml")

    junit = (repository / "deploy-advisor-junit.xml").read_text(encoding="utf-8")
    xsd = SHARED / "corpora" / "junit" / "JUnit.xsd"
    if xsd.is_file():
        etree = pytest.importorskip("lxml.etree")
        assert etree.XMLSchema(etree.parse(str(xsd))).validate(etree.fromstring(junit.encode("utf-8")))
    assert '<testcase name="coverage" classname="coverage"' in junit
    assert re.search(r'classname="rules/latency\.test\.yaml" time="[0-9.]+"><failure message="rules/latency\.test\.yaml:\d+:\d+: ', junit)

    comment = (repository / "deploy-advisor-diff.md").read_text(encoding="utf-8")
    assert comment.startswith("### deploy-advisor diff: ")
    assert "`critical-latency-favours-bare-metal`" in comment and "tie entered" in comment

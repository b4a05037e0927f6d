"""The on-disk rule-set cache (engine/rulecache.py) and what start-up imports.

The cache must never change an answer: it is used only while every rule file is byte for byte what
it was, a damaged cache file is rebuilt, and the output is the same with it, without it and cold.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_advisor.engine import rulecache
from deploy_advisor.engine.rulefiles import load_ruleset

from conftest import EXAMPLES, RULES


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("__pycache__", "*.test.yaml"))
    return folder


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(rulecache.DISABLE, raising=False)
    return home


def _entry(folder: Path) -> Path:
    place = rulecache.cache_file(folder, False)
    assert place is not None
    return place


def _cached(folder: Path):
    """What the cache holds for ``folder`` now, or None: read the way load_ruleset_cached reads it."""
    key = rulecache.content_key(folder, False)
    return rulecache._read(_entry(folder), key) if key is not None else None


def test_a_load_fills_the_cache_and_the_next_load_is_served_from_it(rules_copy, cache_home):
    first = rulecache.load_ruleset_cached(rules_copy)
    assert _entry(rules_copy).is_file() and str(_entry(rules_copy)).startswith(str(cache_home))
    served = _cached(rules_copy)
    assert served == first == load_ruleset(rules_copy)
    written = _entry(rules_copy).stat().st_mtime_ns
    assert rulecache.load_ruleset_cached(rules_copy) == first
    assert _entry(rules_copy).stat().st_mtime_ns == written  # a hit rewrites nothing


def test_editing_a_rule_file_invalidates_the_cache(rules_copy, cache_home):
    before = rulecache.load_ruleset_cached(rules_copy)
    path = rules_copy / "backup-migration.yaml"
    text = path.read_text(encoding="utf-8")
    assert "points: {vm: 3}" in text
    path.write_text(text.replace("points: {vm: 3}", "points: {vm: 4}", 1), encoding="utf-8")
    assert _cached(rules_copy) is None  # the entry no longer matches the files
    after = rulecache.load_ruleset_cached(rules_copy)
    assert after == load_ruleset(rules_copy) != before
    changed = [r for r in after.rules if r != before.rule(r.id)]
    assert [dict(r.points) for r in changed] == [{"vm": 4}]
    assert _cached(rules_copy) == after  # and the new rule set replaced it


def test_adding_or_removing_a_rule_file_invalidates_the_cache(rules_copy, cache_home):
    full = rulecache.load_ruleset_cached(rules_copy)
    moved = (rules_copy / "cost.yaml").read_bytes()
    (rules_copy / "cost.yaml").unlink()
    fewer = rulecache.load_ruleset_cached(rules_copy)
    assert len(fewer.rules) < len(full.rules) and fewer == load_ruleset(rules_copy)
    (rules_copy / "cost-again.yaml").write_bytes(moved)
    again = rulecache.load_ruleset_cached(rules_copy)
    assert len(again.rules) == len(full.rules) and again == load_ruleset(rules_copy)


@pytest.mark.parametrize("damage", [b"", b"not a pickle at all", b"\x80\x05garbage", "truncate"])
def test_a_corrupt_cache_file_is_ignored_and_rewritten(rules_copy, cache_home, damage):
    good = rulecache.load_ruleset_cached(rules_copy)
    entry = _entry(rules_copy)
    entry.write_bytes(entry.read_bytes()[:100] if damage == "truncate" else damage)
    assert rulecache.load_ruleset_cached(rules_copy) == good
    assert _cached(rules_copy) == good  # rebuilt


def test_an_entry_made_for_other_content_is_not_trusted(rules_copy, cache_home):
    """A pickle whose key differs (another version, other files) is never used, whatever it holds."""
    import pickle

    rulecache.load_ruleset_cached(rules_copy)
    other = load_ruleset(RULES)
    _entry(rules_copy).write_bytes(pickle.dumps(("some other key", other)))
    assert rulecache.load_ruleset_cached(rules_copy).root == str(rules_copy)


def test_an_unwritable_cache_folder_is_no_cache_and_no_error(rules_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert rulecache.load_ruleset_cached(rules_copy) == load_ruleset(rules_copy)
    assert blocker.read_text() == "not a folder"


def test_the_switch_turns_it_off(rules_copy, cache_home, monkeypatch):
    monkeypatch.setenv(rulecache.DISABLE, "1")
    assert rulecache.load_ruleset_cached(rules_copy) == load_ruleset(rules_copy)
    assert not cache_home.exists()


def test_a_broken_rule_set_is_reported_and_never_cached(rules_copy, cache_home):
    from deploy_advisor.engine.errors import RuleError

    (rules_copy / "broken.yaml").write_text("rules:\n  - id: x\n    when: {nonsense: 1}\n", encoding="utf-8")
    with pytest.raises(RuleError):
        rulecache.load_ruleset_cached(rules_copy)
    assert not _entry(rules_copy).exists()


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy_advisor", *args], capture_output=True, env=env, timeout=120)


@pytest.mark.parametrize("args", [["--format", "text"], ["--format", "jsonl", "--explain"], ["--format", "markdown"]])
def test_output_is_identical_with_and_without_the_cache(tmp_path, args):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    inputs = [str(EXAMPLES / "payments-api.yaml"), str(EXAMPLES)]
    cold = _run(["recommend", *args, *inputs], env)
    assert list((tmp_path / "cache").rglob("*.pickle"))  # the cold run wrote the cache
    warm = _run(["recommend", *args, *inputs], env)
    off = _run(["recommend", *args, *inputs], {**env, rulecache.DISABLE: "1"})
    assert cold.returncode == warm.returncode == off.returncode
    assert cold.stdout == warm.stdout == off.stdout and cold.stdout
    assert cold.stderr == warm.stderr == off.stderr


def _imported_by(argv: list[str]) -> set[str]:
    code = ("import sys\nfrom deploy_advisor.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "sys.stderr.flush()\nprint(' '.join(sorted(sys.modules)), file=sys.__stderr__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return set(done.stderr.strip().splitlines()[-1].split())


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["schema", "rules"], ["recommend", "--help"]])
def test_commands_that_evaluate_nothing_never_load_durable_rules(argv):
    loaded = _imported_by(argv)
    assert "deploy_advisor.main" in loaded
    assert not {m for m in loaded if m.startswith("durable")}


def test_version_imports_no_command_and_no_engine():
    loaded = _imported_by(["--version"])
    assert not {m for m in loaded if m.startswith(("deploy_advisor.commands.", "deploy_advisor.engine.errors"))}


def test_recommending_one_yaml_file_imports_only_what_it_needs():
    """Start-up: a YAML file in text needs no spreadsheet reader, mapping, process pool or explainer UI."""
    loaded = _imported_by(["recommend", str(EXAMPLES / "payments-api.yaml")])
    assert "durable.engine" in loaded  # it did evaluate
    unneeded = {"deploy_advisor.engine.batchio.spreadsheet", "deploy_advisor.engine.batchio.mapping", "deploy_advisor.engine.batchio.xlsx",
                "multiprocessing", "zipfile", "deploy_advisor.engine.render.html", "jinja2",
                "deploy_advisor.wizard", "deploy_advisor.engine.authoring.check"}
    assert not unneeded & loaded


def test_a_replaced_rule_set_does_not_inherit_what_was_worked_out_for_the_original(ruleset):
    """RuleSet.derived holds per-rule-set work (fact layout, limits, result tables); a copy with other
    rules must work its own out, or the engine would evaluate the new rules with the old layout."""
    from deploy_advisor.engine.compile import fact_layout

    assert fact_layout(ruleset).slots and ruleset.derived
    fewer = ruleset._replace(rules=ruleset.rules[:1])
    assert fewer.derived == {}
    assert len(fact_layout(fewer).slots) < len(fact_layout(ruleset).slots)

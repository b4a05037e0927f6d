"""Undecided regions (engine/authoring/regions.py): ties and no-basis answers, found by `check`, counted by `diff`."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import RULES
from deploy_advisor.engine.answerspace import AnswerSpace
from deploy_advisor.engine.authoring.check import check_rules
from deploy_advisor.engine.authoring.regions import evaluate, find_regions, moves
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.main import main

PLANTED = ("    points: {bare_metal: 3}\n", "    points: {bare_metal: 3, container: 3}\n")


def _planted(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped rules, and a copy in which critical latency favours bare metal and containers alike."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(RULES, old)
    shutil.copytree(RULES, new)
    text = (new / "latency.yaml").read_text(encoding="utf-8")
    assert text.count(PLANTED[0]) == 1
    (new / "latency.yaml").write_text(text.replace(*PLANTED), encoding="utf-8")
    return old, new


def test_every_pattern_is_undecided_and_minimal(ruleset) -> None:
    regions = find_regions(ruleset, AnswerSpace(ruleset.catalogue))
    assert regions.patterns
    for pattern in regions.patterns:
        needs = dict(pattern.needs)
        assert evaluate(ruleset, needs).confidence == pattern.kind
        if len(needs) == 2:  # a pair is reported only when neither half is undecided the same way
            assert all(evaluate(ruleset, {c: v}).confidence != pattern.kind for c, v in needs.items())
        assert tuple(sorted(pattern.needs)) in {tuple(sorted(c)) for c in pattern.covers}


def test_the_summary_says_what_was_enumerated_and_what_sampled(ruleset) -> None:
    text = find_regions(ruleset, AnswerSpace(ruleset.catalogue), seed=3).describe()
    assert "workloads answering one or two criteria" in text and "(seed 3)" in text


def test_a_planted_gap_is_reported_by_check_and_diff(tmp_path: Path, capsys) -> None:
    old, new = _planted(tmp_path)
    assert "{latency: critical}" not in _tie_messages(old)
    assert "{latency: critical}" in _tie_messages(new)
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: trading\nneeds: {latency: critical}\n", encoding="utf-8")
    main(["diff", str(old), str(new), str(corpus), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["undecided_regions"] == {"entered": {"tie": 1, "no_basis": 0}, "left": {"tie": 0, "no_basis": 0}}
    main(["diff", str(old), str(new), str(corpus)])
    assert "undecided regions: 1 tie entered; none left" in capsys.readouterr().out


def _tie_messages(rules: Path) -> str:
    return "\n".join(f.problem.message for f in check_rules(rules).findings if f.problem.code == "tie-region")


def test_moves_count_each_kind_entered_and_left(ruleset) -> None:
    old = load_ruleset()
    answers = [{"latency": "sensitive"}, {"isolation": "strong"}, {"startup": "instant"}]
    before = [evaluate(old, a) for a in answers]
    after = [before[1], before[0], before[2]]  # swapped: the no-basis one becomes a tie and back
    counted = moves(before, after)
    assert counted.entered == (("tie", 1), ("no_basis", 1)) and counted.left == (("tie", 1), ("no_basis", 1))
    assert not moves(before, before).any

"""Golden files pin the JSON and the text explanation of every shipped example.

Regenerate after an intended change with: UPDATE_GOLDEN=1 python -m pytest tests/test_examples_golden.py
and review the diff like code.
"""
from __future__ import annotations

import json

import pytest

from goldens import assert_golden
from conftest import EXAMPLES, ROOT
from deploy_advisor.engine.render.data import answer_dict
from deploy_advisor.engine.render.text import render_result
from deploy_advisor.engine.requirements import Workload, read_file

GOLDEN = ROOT / "tests" / "golden" / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))




def _results(advisor, example):
    outcomes = read_file(example, f"examples/{example.name}", advisor.catalogue)
    assert all(isinstance(o, Workload) for o in outcomes), outcomes
    return advisor.evaluate(outcomes)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_example_json_and_text_are_pinned(advisor, example):
    results = _results(advisor, example)
    assert_golden(GOLDEN / f"{example.stem}.json", json.dumps([answer_dict(r) for r in results], indent=2) + "\n")
    assert_golden(GOLDEN / f"{example.stem}.txt", "\n".join(render_result(r, advisor.ruleset) for r in results))


def test_examples_are_many_realistic_and_disagree(advisor):
    assert len(EXAMPLE_FILES) >= 8
    winners = [r.recommendation for e in EXAMPLE_FILES for r in _results(advisor, e)]
    assert {"container", "vm", "bare_metal"} <= set(winners)
    assert None in winners, "one example shows conflicting needs"
    for example in EXAMPLE_FILES:
        assert example.read_text().lstrip().startswith("#"), f"{example.name} has no explanatory comment"

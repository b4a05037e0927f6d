"""Golden files pin the insight (--explain) form of every shipped example, as JSON and as text.

Regenerate after an intended change with: UPDATE_GOLDEN=1 python -m pytest tests/test_insight_golden.py
and review the diff like code.
"""
from __future__ import annotations

import json

import pytest

from goldens import assert_golden
from conftest import EXAMPLES, ROOT
from deploy_advisor.engine.insight import Explainer
from deploy_advisor.engine.render.data import answer_dict
from deploy_advisor.engine.render.text import render_result
from deploy_advisor.engine.requirements import Workload, read_file

GOLDEN = ROOT / "tests" / "golden" / "insight"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def explainer(advisor):
    return Explainer(advisor)




@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_example_insight_is_pinned(advisor, explainer, example):
    outcomes = read_file(example, f"examples/{example.name}", advisor.catalogue)
    assert all(isinstance(o, Workload) for o in outcomes), outcomes
    results = explainer.explain(advisor.evaluate(outcomes))
    assert_golden(GOLDEN / f"{example.stem}.json", json.dumps([answer_dict(r) for r in results], indent=2) + "\n")
    assert_golden(GOLDEN / f"{example.stem}.txt", "\n".join(render_result(r, advisor.ruleset) for r in results))


def test_the_examples_show_confidence_labels_and_advice(advisor, explainer):
    results = [r for e in EXAMPLE_FILES for r in advisor.evaluate(read_file(e, e.name, advisor.catalogue))]
    labels = {answer_dict(r)["confidence"] for r in results}
    assert {"clear", "close"} <= labels, labels
    assert any(r.advice for r in results)

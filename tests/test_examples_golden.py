"""The shipped examples: many, realistic, and disagreeing.

Their output is pinned once, explained, by test_insight_golden.py (JSON and text of each example) and,
as a batch in text, csv and markdown, by test_formats.py.
"""
from __future__ import annotations

from conftest import EXAMPLES
from deploy_advisor.engine.requirements import Workload, read_file

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def _results(advisor, example):
    outcomes = read_file(example, f"examples/{example.name}", advisor.catalogue)
    assert all(isinstance(o, Workload) for o in outcomes), outcomes
    return advisor.evaluate(outcomes)


def test_examples_are_many_realistic_and_disagree(advisor):
    assert len(EXAMPLE_FILES) >= 8
    winners = [r.recommendation for e in EXAMPLE_FILES for r in _results(advisor, e)]
    assert {"container", "vm", "bare_metal"} <= set(winners)
    assert None in winners, "one example shows conflicting needs"
    for example in EXAMPLE_FILES:
        assert example.read_text().lstrip().startswith("#"), f"{example.name} has no explanatory comment"

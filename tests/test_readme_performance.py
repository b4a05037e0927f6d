"""The README's Performance section states the rule count and the answer size its figures were measured
with: both drift as the rules change, so both are checked against today's (the timings themselves are
the benchmark's to measure, not a test's)."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from deploy_advisor.engine.rulefiles import load_ruleset

ROOT = Path(__file__).resolve().parent.parent


def performance_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Performance")
    return text[start: text.index("\n## ", start + 1)]


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_batch", ROOT / "benchmarks" / "bench_batch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stated_rule_count_is_todays():
    stated = re.search(r"the shipped rule set\s+\(([\d,]+) rules,\s+([\d,]+) criteria\)", performance_section())
    assert stated, "the Performance section names the rule set it measured"
    ruleset = load_ruleset()
    assert (int(stated[1].replace(",", "")), int(stated[2].replace(",", ""))) == \
           (len(ruleset.rules), len(ruleset.catalogue.criteria))


def test_the_stated_answer_size_is_todays(tmp_path):
    """The benchmark's own measure: the first 1,000 answers of its seeded corpus, as the command line writes them."""
    stated = re.search(r"answers\s+of\s+([\d,]+)\s+bytes\s+on\s+average", performance_section())
    assert stated, "the Performance section gives the measured answer size"
    bench = bench_module()
    corpus = bench.write_corpus(tmp_path / "w.jsonl", load_ruleset(), bench.POOL, 2024)
    measured = bench.answer_pool(corpus, tmp_path / "pool.jsonl").stat().st_size / bench.POOL
    # the source path in each answer is the temporary folder's: a few bytes either way
    assert abs(measured - int(stated[1].replace(",", ""))) <= 0.03 * measured, measured

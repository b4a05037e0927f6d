"""Nothing a file says can crash, hang or run code: third-party YAML and arbitrary bytes only ever
give a result or one of the project's own errors."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RULES, SHARED
from deploy_advisor.engine.errors import AdvisorError, InputError, RuleError
from deploy_advisor.engine.requirements import Workload, parse_bytes
from deploy_advisor.engine.rulefiles import load_ruleset

CORPUS = SHARED / "corpora" / "yaml-test-suite"
CASES = sorted(CORPUS.rglob("in.yaml")) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CASES, reason=f"the YAML test suite is not at {CORPUS} (it lives in ../shared/, outside the repo)")


@needs_corpus
def test_yaml_test_suite_through_requirement_loader(ruleset):
    kinds = {"answered": 0, "refused": 0}
    for case in CASES:
        for outcome in parse_bytes(case.read_bytes(), str(case), "yaml", ruleset.catalogue):
            assert isinstance(outcome, (Workload, InputError)), case
            kinds["answered" if isinstance(outcome, Workload) else "refused"] += 1
            if isinstance(outcome, InputError):
                assert outcome.first.code and outcome.first.message
    assert kinds["refused"] > 300  # nearly none of them is a requirement file


@needs_corpus
def test_yaml_test_suite_through_rule_loader(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    for shipped in ("criteria.yaml", "options.yaml", "deployment-options.md"):
        shutil.copy(RULES / shipped, folder / shipped)
    target = folder / "case.yaml"
    for case in CASES[::4]:  # a quarter keeps the suite fast; every case goes through the requirement loader
        target.write_bytes(case.read_bytes())
        try:
            load_ruleset(folder)
        except RuleError as error:
            assert all(p.span.file for p in error.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(["yaml", "json", "jsonl"]))
def test_arbitrary_bytes_give_only_our_errors(data, kind):
    from deploy_advisor.engine.rulefiles import load_ruleset as _  # noqa: F401 - imported for parity

    catalogue = _catalogue()
    for outcome in parse_bytes(data, "fuzz", kind, catalogue):
        assert isinstance(outcome, (Workload, InputError))


_yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                          st.sampled_from(["critical", "no", "yes", "linux", "latency", "needs", "~", "*a", "&a", "!!str"]))
_yaml_values = st.recursive(_yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(["needs", "name", "latency", "os_families"])), inner, max_size=4)),
    max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(_yaml_values)
def test_yaml_shaped_documents_give_only_our_errors(value):
    import json

    catalogue = _catalogue()
    for text in (json.dumps(value, default=str), _to_yaml(value)):
        for outcome in parse_bytes(text.encode(), "fuzz.yaml", "yaml", catalogue):
            assert isinstance(outcome, (Workload, InputError))


def _to_yaml(value) -> str:
    from deploy_advisor.engine.yamlio import dump_yaml

    try:
        return dump_yaml(value)
    except Exception:  # values PyYAML cannot write (surrogates): nothing to test
        return ""


_CAT = []


def _catalogue():
    if not _CAT:
        _CAT.append(load_ruleset().catalogue)
    return _CAT[0]


def test_deep_nesting_is_refused_not_recursed(ruleset):
    for text in ("[" * 50_000 + "]" * 50_000, "a:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),
                 '{"a":' * 50_000 + "1" + "}" * 50_000):
        for kind in ("yaml", "json"):
            outcome = parse_bytes(text.encode(), "deep", kind, ruleset.catalogue)[0]
            assert isinstance(outcome, InputError)


def test_python_tags_are_never_constructed(ruleset, tmp_path):
    marker = tmp_path / "pwned"
    text = f"needs: !!python/object/apply:os.system ['touch {marker}']\n"
    outcome = parse_bytes(text.encode(), "evil.yaml", "yaml", ruleset.catalogue)[0]
    assert isinstance(outcome, InputError) and outcome.first.code == "forbidden-tag"
    assert not marker.exists()


def test_rule_file_typo_is_located_with_a_hint(tmp_path):
    from conftest import make_ruleset_dir

    folder = make_ruleset_dir(tmp_path, "rules:\n  - id: x\n    when: {latncy: critical}\n    points: {vm: 1}\n"
                                        "    because: b\n    source: vm-startup\n")
    with pytest.raises(RuleError) as caught:
        load_ruleset(folder)
    assert caught.value.first.format().endswith(
        "mini.yaml:3:12: unknown-criterion: unknown criterion 'latncy' (did you mean 'latency'?)")


def test_api_from_several_threads_gives_correct_answers(advisor):
    from deploy_advisor.engine.reference import fired

    workloads = [{"startup": s, "latency": l} for s in ("instant", "fast", "slow_ok") for l in ("critical", "sensitive", "tolerant")]
    expected = {i: fired(advisor.ruleset, w) for i, w in enumerate(workloads)}
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for round_ in range(30):
                i = (offset + round_) % len(workloads)
                assert advisor.recommend(workloads[i]).fired == expected[i]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_engine_starts_no_background_threads(ruleset):
    from deploy_advisor.engine.api import Advisor

    before = threading.active_count()
    advisor = Advisor(ruleset)
    advisor.recommend({"latency": "critical"})
    assert threading.active_count() == before

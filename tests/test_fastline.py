"""The JSON Lines line read fast (requirements._fast_line: orjson, then one check per answered criterion)
gives exactly what the checked reader gives (jsonload.loads_checked, then workload_from_node), on lines
written as text so that keys may repeat, values may be floats, escapes, synonyms or unknown criteria."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine import requirements
from deploy_advisor.engine.errors import InputError, Span
from deploy_advisor.engine.jsonload import JsonProblem, loads_checked
from deploy_advisor.engine.requirements import Source, Workload, parse_jsonl_line, workload_from_node
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.engine.tree import from_python

CATALOGUE = load_ruleset().catalogue
KNOWN = [c.id for c in CATALOGUE.criteria]
VALUES = sorted({v for c in CATALOGUE.criteria for v in c.value_ids})
scalars = st.one_of(st.sampled_from(VALUES), st.sampled_from(VALUES), st.none(), st.booleans(), st.integers(-2, 2),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4),
                    st.sampled_from(["YES", "true", " critical", "", "a:b", "\u0430", "\ud800", "\x00"]))
values = st.one_of(scalars, st.lists(st.one_of(st.sampled_from(VALUES), scalars), max_size=4),
                   st.lists(st.tuples(st.text(max_size=3), scalars), max_size=2))
needs = st.lists(st.tuples(st.one_of(st.sampled_from(KNOWN), st.sampled_from(KNOWN), st.sampled_from(["latncy", ":"])),
                           values), max_size=8)
keys = st.sampled_from(["name", "needs", "description", "labels", "other"])
documents = st.lists(st.one_of(st.tuples(keys, scalars), st.tuples(st.just("needs"), needs)), max_size=5)


def to_text(value, ascii_: bool, spaced: bool) -> str:
    """JSON of ``value``, a list of (key, value) pairs being written as an object (keys may repeat)."""
    if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
        return "{" + (", " if spaced else ",").join(
            json.dumps(k, ensure_ascii=ascii_) + (": " if spaced else ":") + to_text(v, ascii_, spaced) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_text(v, ascii_, spaced) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_)


def checked(line: str):
    data = loads_checked(line)
    if isinstance(data, JsonProblem):
        return data.code
    return workload_from_node(from_python(data, Span("w.jsonl", 1, 1)), Source("w.jsonl", 1, 1), "w-1", CATALOGUE)


def same(fast, slow) -> bool:
    if isinstance(slow, str):
        return isinstance(fast, InputError) and fast.first.code == slow
    if isinstance(slow, InputError):
        return isinstance(fast, InputError) and [p.code for p in fast.problems] == [p.code for p in slow.problems]
    return fast == slow


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans(), st.booleans())
def test_a_line_reads_the_same_fast_and_checked(document, ascii_, spaced):
    line = to_text(document, ascii_, spaced) if document else "{}"
    assert same(parse_jsonl_line(line, 1, "w.jsonl", "w", CATALOGUE), checked(line))
    fast = requirements._fast_line(line, Source("w.jsonl", 1, 1), "w-1", CATALOGUE)
    assert fast is None or fast == checked(line)


def test_the_fast_line_answers_plain_lines_and_refuses_doubtful_ones():
    """The property above would hold trivially if the fast line never answered: it must, for plain lines,
    and must not for a repeated key, a float, an escape or a synonym (the checked path reads those)."""
    def fast(line: str):
        return requirements._fast_line(line, Source("w.jsonl", 1, 1), "w-1", CATALOGUE)

    plain = fast('{"name": "a", "needs": {"os_families": ["windows", "linux"], "latency": "critical", "kernel": null}}')
    assert isinstance(plain, Workload)
    assert plain.needs == (("latency", "critical"), ("os_families", ("linux", "windows")))
    for doubtful in ('{"name": "a", "needs": {"latency": "critical", "latency": "tolerant"}}',
                     '{"name": "a", "name": "b", "needs": {}}', '{"name": "a", "needs": {"latency": 1.5}}',
                     '{"name": "\\u0061", "needs": {}}', '{"name": "a:b", "needs": {}}',
                     '{"name": "a", "needs": {"containerizable": "true"}}', '{"name": "a", "labels": {}, "needs": {}}'):
        assert fast(doubtful) is None, doubtful

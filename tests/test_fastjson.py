"""The fast JSON reader (orjson, engine/fastjson.py) answers only when it is proven to give what the
checked reader gives: on arbitrary documents, duplicate keys included, jsonload.loads equals
jsonload.loads_checked, problems included."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.fastjson import loads_unique
from deploy_advisor.engine.jsonload import JsonProblem, loads, loads_checked

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 5, max_value=2**70),
                    st.floats(allow_nan=False), st.text(), st.sampled_from(["", ":", "a:b", "\\u", "\ud800"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.lists(st.tuples(st.text(max_size=4) | st.sampled_from(["name", "needs", "description", "a", ":"]), inner),
             max_size=5)), max_leaves=20)


def to_text(value, indent: bool, ascii_: bool) -> str:
    """JSON text of ``value``, where a list of (key, value) pairs is written as an object, keys repeating."""
    if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
        inner = ", " if indent else ","
        return "{" + inner.join(json.dumps(k, ensure_ascii=ascii_) + ":" + to_text(v, indent, ascii_)
                                for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_text(v, indent, ascii_) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_)


def same(a, b) -> bool:
    if isinstance(a, JsonProblem) or isinstance(b, JsonProblem):
        return a == b
    return json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False) and type(a) is type(b)


@settings(max_examples=600, deadline=None)
@given(values, st.booleans(), st.booleans())
def test_fast_equals_checked_on_generated_documents(value, indent, ascii_):
    text = to_text(value, indent, ascii_)
    assert same(loads(text), loads_checked(text))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='{}[]":,\\u0123abtrenulfs.eE+- \n\t\ud800', max_size=40))
def test_fast_equals_checked_on_arbitrary_text(text):
    assert same(loads(text), loads_checked(text))


def test_duplicate_keys_are_never_read_fast():
    for text in ('{"name":"a","name":"b"}', '{"needs":{"latency":"critical","latency":"tolerant"}}',
                 '{"a":1,"\\u0061":2}', '[{"x":1},{"y":{"z":1,"z":2}}]'):
        assert loads_unique(text) is None
        found = loads(text)
        assert isinstance(found, JsonProblem) and found.code == "duplicate-key"


def test_the_common_line_is_read_fast():
    line = '{"name": "w1", "description": "", "needs": {"latency": "critical", "os_families": ["linux"]}}'
    assert loads_unique(line) == json.loads(line)
    assert loads(line) == loads_checked(line)


def test_what_orjson_reads_differently_takes_the_checked_path():
    big = str(2**70)
    assert loads_unique(big) is None and loads(big) == 2**70
    assert loads_unique("[1.5]") is None and loads("[1.5]") == [1.5]
    assert loads_unique('{"a": "x:y"}') is None and loads('{"a": "x:y"}') == {"a": "x:y"}
    assert math.isinf(loads("1e400"))
    assert loads("NaN") != loads("NaN")  # the checked reader's NaN, as before

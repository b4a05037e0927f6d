"""The JSON Lines line read fast (requirements.fast_lines: orjson on the raw bytes, then one check per
answered criterion) gives exactly what the checked reader gives (jsonload.loads_checked, then
workload_from_node), on lines written as text so that keys may repeat, values may be floats, escapes,
synonyms or unknown criteria; and as bytes, which may also be invalid UTF-8, hold NULs, be blank or be
UTF-16: the reader of a unit of lines (inputs._line_outcomes) answers each as the checked sequence does."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine import requirements
from deploy_advisor.engine.batchio.inputs import LinesUnit, unit_outcomes
from deploy_advisor.engine.errors import InputError, Span
from deploy_advisor.engine.jsonload import JsonProblem, loads_checked
from deploy_advisor.engine.model import MANY_CACHE, Catalogue
from deploy_advisor.engine.requirements import Source, Workload, fast_lines, parse_jsonl_line, wide_encoding, workload_from_node
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


def fast(raw: bytes, catalogue: Catalogue = CATALOGUE) -> Workload | None:
    return fast_lines([raw], 1, "w.jsonl", "w", catalogue)[0]


def checked_bytes(raw: bytes):
    """What a raw JSON Lines line reads as, the checked way (None: a line that holds nothing, skipped)."""
    if b"\x00" in raw:
        if wide_encoding(raw):
            return "not-utf8"
        if not raw.strip(b"\x00\r\t "):
            return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not-utf8"
    return None if line.isspace() or not line else checked(line)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents, st.booleans(), st.booleans())
def test_a_line_reads_the_same_fast_and_checked(document, ascii_, spaced):
    line = to_text(document, ascii_, spaced) if document else "{}"
    assert same(parse_jsonl_line(line, 1, "w.jsonl", "w", CATALOGUE), checked(line))
    try:
        raw = line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate written as such: no bytes hold it
        return
    answer = fast(raw)
    assert answer is None or answer == checked(line)


def _damaged(raw: bytes, at: int, junk: bytes) -> bytes:
    at = at % (len(raw) + 1)
    return raw[:at] + junk + raw[at:]


raw_lines = st.one_of(
    st.builds(lambda d, a, s: to_text(d, a, s).encode("utf-8", "surrogatepass"), documents, st.booleans(), st.booleans()),
    st.builds(lambda d, at, junk: _damaged(to_text(d, False, True).encode("utf-8", "surrogatepass"), at, junk),
              documents, st.integers(0, 200), st.sampled_from([b"\xff", b"\x00", b"\xc3", b"\xed\xa0\x80", b"\r", b"\xef\xbb\xbf"])),
    st.builds(lambda d, enc: to_text(d, False, False).encode(enc, "surrogatepass"), documents,
              st.sampled_from(["utf-16-le", "utf-16-be", "utf-16", "utf-32-le"])),
    st.sampled_from([b"", b" ", b"\r", b"\t \r", b"\x00", b"\x00\r", b"{}", b"[]", b"null", b'{"needs": null}']),
    st.binary(max_size=24),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_lines, min_size=1, max_size=3))
def test_raw_lines_read_the_same_fast_and_checked(raws):
    """A unit of raw lines: each answered fast, or else read the checked way (NULs, UTF-16, bytes that
    are not UTF-8, blank lines included), gives what the checked sequence gives for that line."""
    for raw in raws:
        answer = fast(raw)
        assert answer is None or answer == checked_bytes(raw), raw
        outcomes = unit_outcomes(LinesUnit("w.jsonl", 1, [raw], 0), CATALOGUE)
        expected = checked_bytes(raw)
        assert (outcomes == []) if expected is None else (len(outcomes) == 1 and same(outcomes[0], expected)), raw
    together = unit_outcomes(LinesUnit("w.jsonl", 1, list(raws), 0), CATALOGUE)  # numbered from 1 on
    assert len(together) == sum(checked_bytes(raw) is not None for raw in raws)


PLAIN = '{"name": "a", "needs": {"os_families": ["windows", "linux"], "latency": "critical", "kernel": null}}'
DOUBTFUL = ('{"name": "a", "needs": {"latency": "critical", "latency": "tolerant"}}',
            '{"name": "a", "name": "b", "needs": {}}', '{"name": "a", "needs": {"latency": 1.5}}',
            '{"name": "\\u0061", "needs": {}}', '{"name": "a:b", "needs": {}}',
            '{"name": "a", "needs": {"containerizable": "true"}}', '{"name": "a", "labels": {}, "needs": {}}',
            '{"name": "a", "needs": {"os_families": ["linux", "linux"]}}', '{"name": "a", "needs": {"latncy": null}}')


def test_the_fast_line_answers_plain_lines_and_refuses_doubtful_ones():
    """The properties above would hold trivially if the fast line never answered: it must, for plain lines
    (as bytes, and in a unit of lines), and must not for a repeated key, a float, an escape, a synonym, a
    list with a value twice, an unknown criterion (the checked path reads those), nor for bytes that are
    not UTF-8 text, blank lines and NULs."""
    plain = fast(PLAIN.encode())
    assert isinstance(plain, Workload)
    assert plain.needs == (("latency", "critical"), ("os_families", ("linux", "windows")))
    assert plain == checked(PLAIN)
    unnamed = fast(b'{"needs": {"latency": "critical"}}')
    assert isinstance(unnamed, Workload) and unnamed.name == "w-1"
    assert fast_lines([PLAIN.encode(), None, b"", PLAIN.encode()], 7, "w.jsonl", "w", CATALOGUE) == \
        [plain._replace(source=Source("w.jsonl", 7, 7)), None, None, plain._replace(source=Source("w.jsonl", 10, 10))]
    for doubtful in DOUBTFUL:
        assert fast(doubtful.encode()) is None, doubtful
    for raw in (PLAIN.encode() + b"\xff", PLAIN.encode().replace(b"a", b"\x00", 1), PLAIN.encode("utf-16-le"),
                b"", b"  \r", b"\xef\xbb\xbf" + PLAIN.encode()):
        assert fast(raw) is None, raw


def test_the_many_value_lists_remembered_read_as_the_first_time():
    """A many-value list is checked once and then remembered (per catalogue, bounded): the answer from
    memory is the checked one, a bad list is never remembered, and a full memory still answers."""
    catalogue = Catalogue(CATALOGUE.criteria)  # its own, empty memory
    (many,) = [m for m in catalogue.checks.many if m.id == "os_families"]
    line = '{"name": "a", "needs": {"os_families": ["windows", "linux"]}}'
    first, again = fast(line.encode(), catalogue), fast(line.encode(), catalogue)
    assert first == again == checked(line) and len(many.known) == 1
    assert fast(DOUBTFUL[7].encode(), catalogue) is None and len(many.known) == 1
    for i in range(MANY_CACHE - 1):  # fill it up with keys no line writes
        many.known.setdefault(("filler", i), ("os_families", ()))
    other = '{"name": "a", "needs": {"os_families": ["linux"]}}'
    assert fast(other.encode(), catalogue) == checked(other) and len(many.known) == MANY_CACHE


def test_a_line_without_a_name_is_named_the_same_fast_and_checked():
    """The default name is the file's stem and the line number, as the checked path gives it, whatever
    the stem holds (spaces around it included)."""
    raw = b'{"needs": {"latency": "critical"}}'
    for stem in ("w", " w ", "w\x1b"):
        answer = fast_lines([raw], 3, "x.jsonl", stem, CATALOGUE)[0]
        data = loads_checked(raw.decode())
        expected = workload_from_node(from_python(data, Span("x.jsonl", 3, 1)), Source("x.jsonl", 3, 3), f"{stem}-3", CATALOGUE)
        assert answer == expected

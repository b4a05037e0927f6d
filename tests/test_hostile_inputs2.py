"""More hostile input (issue 10, items 3, 4, 6, 7, 20; issue 12): each input an error in its place,
never a crash that loses the answers after it; and the JSON Lines fast path agrees with the checked one."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RULES, make_ruleset_dir
from deploy_advisor.engine.errors import InputError, RuleError
from deploy_advisor.engine.requirements import Source, Workload, parse_bytes, parse_jsonl_line, workload_from_node
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.engine.tree import from_python
from deploy_advisor.engine.errors import Span
from deploy_advisor.main import main

FORMATS = ("text", "json", "yaml", "markdown", "csv", "jsonl")
GOOD_A = '{"name": "a", "needs": {"latency": "critical"}}\n'
GOOD_C = '{"name": "c", "needs": {"startup": "instant"}}\n'
SURROGATE = '{"name": "\\ud83d", "needs": {}}\n'  # what JSON.stringify writes for an emoji cut in half
DEEP = '{"name": "d", "needs": {"latency": ' + '[' * 500 + ']' * 500 + '}}\n'


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("deploy-advisor: ")]


# --- item 3: a lone surrogate -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_is_one_error_and_the_others_are_answered(tmp_path, capsys, fmt):
    path = tmp_path / "batch.jsonl"
    path.write_text(GOOD_A + SURROGATE + GOOD_C, encoding="utf-8")
    code, out, err = run(capsys, "-f", fmt, str(path))
    assert code == 1 and "Traceback" not in err
    assert errors(err) == [f"deploy-advisor: {path}:2:10: invalid-unicode: a lone surrogate (\\ud800-\\udfff): "
                           "half of a character, cut in two (write the whole character, or remove it)"]
    if fmt == "jsonl":  # the error has its line in place, so that answers and inputs stay in step
        answers = [json.loads(line) for line in out.splitlines()]
        assert [a["name"] for a in answers] == ["a", None, "c"] and answers[1]["error"]["code"] == "invalid-unicode"
    else:
        assert ("a" in out or "A" in out) and "c" in out.lower()


def test_a_lone_surrogate_in_a_json_key_or_list_is_refused(ruleset):
    for text in ('{"needs": {"lat\\udc00ency": "critical"}}', '{"needs": {"os_families": ["linux", "\\ud800"]}}'):
        (outcome,) = parse_bytes(text.encode(), "w.json", "json", ruleset.catalogue)
        assert isinstance(outcome, InputError) and outcome.first.code == "invalid-unicode"
        assert outcome.first.span.line == 1 and text[outcome.first.span.column - 1] == '"'


def test_a_lone_surrogate_through_the_api_is_an_input_error(advisor):
    with pytest.raises(InputError) as caught:
        advisor.recommend({"latency": "crit\ud83d"})
    assert caught.value.first.code == "invalid-unicode"


# --- item 4: deep JSON Lines, JSON and API dicts ------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_deep_json_lines_line_is_one_error_whatever_the_jobs(tmp_path, jobs):
    path = tmp_path / "deep.jsonl"
    path.write_text(GOOD_A + DEEP + GOOD_C, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", "-f", "jsonl",
                           "--jobs", jobs, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = errors(done.stderr)
    assert line.startswith(f"deploy-advisor: {path}:2:") and ": too-deep: nesting deeper than 64 levels" in line
    assert [json.loads(answer)["name"] for answer in done.stdout.splitlines()] == ["a", None, "c"]


def test_deep_json_is_too_deep_located_at_the_bracket(ruleset):
    text = '{"needs":' + '{"a":' * 100 + '1' + '}' * 101
    (outcome,) = parse_bytes(text.encode(), "w.json", "json", ruleset.catalogue)
    assert isinstance(outcome, InputError) and outcome.first.code == "too-deep"
    assert text[outcome.first.span.column - 1] == "{"


def test_deep_dicts_through_the_api_are_an_input_error_not_a_recursion_error():
    from deploy_advisor.engine.api import recommend

    deep: object = "critical"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InputError) as caught:
        recommend({"latency": deep})
    assert caught.value.first.code == "wrong-type"


def test_tree_building_does_not_recurse():
    deep: object = 1
    for _ in range(sys.getrecursionlimit() * 3):
        deep = {"a": [deep]}
    node = from_python(deep, Span("x"))
    for _ in range(100):
        node = node.get("a").items[0]
    assert node.is_map


# --- item 6: duplicate keys in JSON ------------------------------------------------------------


def test_duplicate_keys_in_json_lines_are_located(ruleset):
    line = '{"name": "x", "needs": {"latency": "critical", "latency": "tolerant"}}'
    outcome = parse_jsonl_line(line, 7, "w.jsonl", "w", ruleset.catalogue)
    assert isinstance(outcome, InputError)
    assert outcome.first.format() == "w.jsonl:7:48: duplicate-key: duplicate key 'latency' (remove one of the two)"
    assert line[47:56] == '"latency"'


def test_duplicate_keys_in_json_files_are_located(ruleset):
    text = '{\n  "name": "x",\n  "needs": {"startup": "fast"},\n  "name": "y"\n}\n'
    (outcome,) = parse_bytes(text.encode(), "w.json", "json", ruleset.catalogue)
    assert isinstance(outcome, InputError) and outcome.first.format().startswith("w.json:4:3: duplicate-key:")


def test_the_same_key_in_two_objects_is_no_duplicate(ruleset):
    text = '[{"name": "x", "needs": {"latency": "critical"}}, {"name": "y", "needs": {"latency": "critical"}}]'
    outcomes = parse_bytes(text.encode(), "w.json", "json", ruleset.catalogue)
    assert [o.name for o in outcomes if isinstance(o, Workload)] == ["x", "y"]


# --- item 7: bounded reads ---------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_read_no_further_than_the_limit(capsys):
    code, out, err = run(capsys, "--max-bytes", "1000", "/dev/zero")
    assert code == 1 and errors(err) == ["deploy-advisor: /dev/zero: too-large: input is over the limit of 1000 bytes "
                                         "(raise it with --max-bytes)"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_rule_file_linked_to_a_device_is_refused_not_read(tmp_path):
    folder = make_ruleset_dir(tmp_path, "rules: []\n")
    (folder / "criteria.yaml").unlink()
    (folder / "criteria.yaml").symlink_to("/dev/zero")
    with pytest.raises(RuleError) as caught:
        load_ruleset(folder)
    assert caught.value.first.code == "not-a-regular-file"


@pytest.mark.parametrize("value", ["1e11", "100000000000", "-5", "0", "10MB", ""])
def test_max_bytes_must_be_a_sane_whole_number(capsys, value):
    code, out, err = run(capsys, "--max-bytes", value, "-")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "--max-bytes takes a positive number" in err


def test_a_large_max_bytes_on_standard_input_allocates_nothing_up_front(ruleset):
    """1 GiB allowed, 30 bytes sent through a pipe: the read grows with what comes (read(limit) on a
    buffered pipe would allocate the whole limit at once: 100 GB fails at once)."""
    import tracemalloc

    from deploy_advisor.engine.batchio.inputs import read_outcomes

    read_end, write_end = os.pipe()
    os.write(write_end, b"name: w\nneeds: {latency: critical}\n")
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stdin:
        tracemalloc.start()
        try:
            (outcome,) = read_outcomes(["-"], ruleset.catalogue, max_bytes=1 << 30, stdin=stdin)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert isinstance(outcome, Workload) and outcome.name == "w"
    assert peak < 50_000_000


# --- item 20: encodings, confusable keys, the API's errors, control characters ---------------


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", True), ("utf-16-be", False), ("utf-32-le", True),
                                           ("utf-16-le", False), ("utf-32-be", False)])
def test_utf16_and_utf32_are_told_to_be_saved_as_utf8(ruleset, encoding, bom):
    text = "name: x\nneeds: {latency: critical}\n"
    data = (("\ufeff" if bom else "") + text).encode(encoding)
    (outcome,) = parse_bytes(data, "w.yaml", "yaml", ruleset.catalogue)
    assert isinstance(outcome, InputError) and outcome.first.code == "not-utf8"
    assert outcome.first.message == f"{encoding[:6].upper()} text, not UTF-8" and outcome.first.hint == "save the file as UTF-8"


def test_utf16_json_lines_say_so_on_each_line(tmp_path, ruleset):
    from deploy_advisor.engine.batchio.inputs import read_outcomes

    path = tmp_path / "w.jsonl"
    path.write_bytes(("\ufeff" + GOOD_A + GOOD_C).encode("utf-16-le"))
    outcomes = list(read_outcomes([str(path)], ruleset.catalogue))
    assert [(o.first.span.line, o.first.code, o.first.message) for o in outcomes] == \
           [(1, "not-utf8", "UTF-16 text, not UTF-8"), (2, "not-utf8", "UTF-16 text, not UTF-8")]


def test_a_binary_file_is_still_binary(ruleset):
    (outcome,) = parse_bytes(bytes(range(256)) * 4, "w.yaml", "yaml", ruleset.catalogue)
    assert outcome.first.code == "binary"


def test_confusable_keys_are_shown_escaped(ruleset):
    (outcome,) = parse_bytes("needs:\n  l\u0430tency: critical\n".encode(), "w.yaml", "yaml", ruleset.catalogue)
    assert outcome.first.format() == ("w.yaml:2:3: unknown-criterion: unknown criterion 'l\\u0430tency' "
                                      "(did you mean 'latency'?)")
    (outcome,) = parse_bytes("n\u0430me: x\n".encode(), "w.yaml", "yaml", ruleset.catalogue)
    assert "unknown key 'n\\u0430me'" in outcome.first.message


@pytest.mark.parametrize("needs, message", [
    (None, "needs must be a mapping of criteria to values, got None"),
    ("latency", "needs must be a mapping of criteria to values, got 'latency'"),
    (["latency"], "needs must be a mapping of criteria to values, got a list"),
    ({"os_families": {"linux"}}, "'os_families' takes value names, got a set"),
    ({"latency": object()}, "'latency' takes value names, got a object"),
])
def test_the_api_refuses_odd_needs_with_its_documented_error(advisor, needs, message):
    with pytest.raises(InputError) as caught:
        advisor.recommend(needs)
    assert caught.value.first.code == "wrong-type" and caught.value.first.message == message


def test_the_api_takes_back_the_needs_it_gives(advisor):
    """Workload.needs_dict() holds tuples for many-valued criteria: they read as lists."""
    from deploy_advisor.engine.requirements import workload_from_mapping

    workload = workload_from_mapping({"os_families": ["windows", "linux"], "latency": "critical"}, advisor.catalogue)
    assert workload_from_mapping(workload.needs_dict(), advisor.catalogue) == workload
    assert advisor.recommend(workload.needs_dict()).scores == advisor.recommend(workload).scores


@pytest.mark.parametrize("name", ["a\x00b", "a\nb", "esc\x1b[31m", "del\x7f"])
def test_control_characters_in_names_are_refused_on_every_path(ruleset, name):
    line = json.dumps({"name": name, "needs": {"latency": "critical"}})
    for outcome in (parse_jsonl_line(line, 1, "w.jsonl", "w", ruleset.catalogue),
                    parse_bytes(line.encode(), "w.json", "json", ruleset.catalogue)[0]):
        assert isinstance(outcome, InputError) and outcome.first.code == "control-character"
        assert "\x00" not in outcome.first.format() and "\x1b" not in outcome.first.format()


# --- issue 12: the JSON Lines fast path and the checked path agree -----------------------------


def test_an_empty_description_is_no_description_on_both_paths(ruleset):
    line = '{"name":"a","description":"","needs":{"latency":"critical"}}'
    fast = parse_jsonl_line(line, 1, "w.jsonl", "w", ruleset.catalogue)
    (checked,) = parse_bytes(line.encode(), "w.json", "json", ruleset.catalogue)
    assert isinstance(fast, Workload) and isinstance(checked, Workload)
    assert fast.description == checked.description == "" and fast.needs == checked.needs


def test_an_unknown_criterion_with_a_null_value_is_refused_on_both_paths(ruleset):
    line = '{"name":"a","needs":{"latency":"critical","latncy":null}}'
    fast = parse_jsonl_line(line, 1, "w.jsonl", "w", ruleset.catalogue)
    (checked,) = parse_bytes(line.encode(), "w.json", "json", ruleset.catalogue)
    assert isinstance(fast, InputError) and isinstance(checked, InputError)
    assert fast.first.code == checked.first.code == "unknown-criterion"


_CATALOGUE = load_ruleset(RULES).catalogue
_KNOWN = [c.id for c in _CATALOGUE.criteria]
_VALUES = sorted({v for c in _CATALOGUE.criteria for v in c.value_ids} | {"YES", "n", " critical", ""})
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=6),
                     st.sampled_from(_VALUES), st.sampled_from(["\x00", "a\nb", " x ", "\u0430"]))
_values = st.one_of(_scalars, st.lists(st.one_of(st.sampled_from(_VALUES), _scalars), max_size=4),
                    st.dictionaries(st.text(max_size=4), _scalars, max_size=2))
_needs = st.one_of(st.dictionaries(st.one_of(st.sampled_from(_KNOWN), st.sampled_from(["latncy", "x"]), st.text(max_size=5)),
                                   _values, max_size=5), _values)
_documents = st.fixed_dictionaries({}, optional={
    "name": st.one_of(_scalars, st.sampled_from(["a", " b ", "c\x00"])),
    "description": st.one_of(_scalars, st.sampled_from(["", " ", "d"])),
    "needs": _needs,
    "other": _scalars,
})


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_the_fast_path_equals_the_checked_path(document):
    """Any document: the JSON Lines line (fast path when it can) and the checked tree give the same
    workload, or errors with the same codes."""
    line = json.dumps(document)
    fast = parse_jsonl_line(line, 1, "w.jsonl", "w", _CATALOGUE)
    checked = workload_from_node(from_python(json.loads(line), Span("w.jsonl", 1, 1)), Source("w.jsonl", 1, 1),
                                 "w-1", _CATALOGUE)
    assert type(fast) is type(checked)
    if isinstance(fast, Workload):
        assert fast == checked
    else:
        assert [p.code for p in fast.problems] == [p.code for p in checked.problems]
    (as_file,) = parse_bytes(line.encode(), "w.json", "json", _CATALOGUE)  # the same line as a .json file
    assert type(as_file) is type(fast)
    if isinstance(as_file, Workload):
        assert (as_file.name if "name" in document else "w-1", as_file.needs, as_file.description) == \
               (fast.name, fast.needs, fast.description)


def test_the_fast_path_is_taken_for_plain_lines(ruleset):
    """The property above would hold trivially if the fast path never answered: it must, for plain lines."""
    from deploy_advisor.engine import requirements

    line = '{"name":"a","description":"","needs":{"latency":"critical","os_families":["linux"]}}'
    assert requirements.fast_lines([line.encode()], 1, "w", "w", ruleset.catalogue)[0] is not None

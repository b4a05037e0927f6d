"""Requirement files: every mistake is one located, coded, hinted problem; good documents survive."""
from __future__ import annotations

import pytest

from deploy_advisor.engine.errors import InputError
from deploy_advisor.engine.requirements import Workload, parse_bytes, parse_text


def load(text: str, kind: str = "yaml", catalogue=None):
    return parse_text(text, "w.yaml", kind, catalogue)


@pytest.fixture()
def cat(ruleset):
    return ruleset.catalogue


def only_error(outcomes) -> str:
    assert len(outcomes) == 1 and isinstance(outcomes[0], InputError), outcomes
    return outcomes[0].format()


def test_valid_file_keeps_catalogue_order_and_defaults_name(cat):
    [w] = parse_text("needs:\n  startup: instant\n  latency: critical\n", "dir/payments.yaml", "yaml", cat)
    assert isinstance(w, Workload)
    assert w.name == "payments" and w.needs == (("latency", "critical"), ("startup", "instant"))


def test_unknown_criterion_has_did_you_mean(cat):
    assert only_error(parse_text("needs:\n  latncy: critical\n", "w.yaml", "yaml", cat)) == (
        "w.yaml:2:3: unknown-criterion: unknown criterion 'latncy' (did you mean 'latency'?)")


def test_unknown_value_has_did_you_mean(cat):
    assert only_error(parse_text("needs: {startup: instnt}\n", "w.yaml", "yaml", cat)) == (
        "w.yaml:1:18: unknown-value: 'instnt' is not a value of 'startup' (did you mean 'instant'?)")


def test_duplicate_key_names_both_lines(cat):
    assert only_error(parse_text("needs:\n  latency: critical\n  latency: tolerant\n", "w.yaml", "yaml", cat)) == (
        "w.yaml:3:3: duplicate-key: duplicate key 'latency' (first at line 2) (remove one of the two)")


def test_unknown_top_level_key(cat):
    assert only_error(parse_text("name: x\nneeds: {}\nneds: {}\n", "w.yaml", "yaml", cat)).startswith(
        "w.yaml:3:1: unknown-key: unknown key 'neds' in a requirement (did you mean 'needs'?)")


def test_wrong_type_suggests_quoting(cat):
    assert "quote the value" in only_error(parse_text("needs: {startup: 5}\n", "w.yaml", "yaml", cat))


@pytest.mark.parametrize("raw, expected", [("no", "no"), ("yes", "yes"), ("off", "no"), ("on", "yes"),
                                           ("false", "no"), ("true", "yes"), ('"no"', "no")])
def test_norway_problem_for_yes_no_criteria(cat, raw, expected):
    [w] = parse_text(f"needs: {{containerizable: {raw}}}\n", "w.yaml", "yaml", cat)
    assert w.needs == (("containerizable", expected),)


def test_several_documents_each_answered_or_refused_alone(cat):
    outcomes = parse_text("name: a\nneeds: {latency: critical}\n---\nneeds: {latency: nope}\n---\nname: c\n",
                          "w.yaml", "yaml", cat)
    assert [type(o).__name__ for o in outcomes] == ["Workload", "InputError", "Workload"]
    assert outcomes[0].source.document == 1 and outcomes[2].source.document == 3


def test_syntax_error_is_located(cat):
    assert only_error(parse_text("needs: {latency: [critical\n", "w.yaml", "yaml", cat)).startswith("w.yaml:2:1: yaml-syntax:")


def test_json_and_jsonl(cat):
    [w] = parse_text('{"name": "j", "needs": {"os_families": ["windows", "linux"]}}', "w.json", "json", cat)
    assert w.needs == (("os_families", ("linux", "windows")),)
    outcomes = parse_text('{"needs": {"latency": "critical"}}\n\n{"needs": {"latency": 1}}\nnot json\n', "s.jsonl", "jsonl", cat)
    assert isinstance(outcomes[0], Workload) and outcomes[0].name == "s-1"
    assert outcomes[1].first.span.line == 3 and outcomes[1].first.code == "wrong-type"
    assert outcomes[2].first.code == "json-syntax" and outcomes[2].first.span.line == 4


@pytest.mark.parametrize("text, code", [
    ("", "empty"),
    ("a: &a [1]\nb: *a\n", "alias-refused"),
    ("needs: !!python/object/apply:os.system ['true']\n", "forbidden-tag"),
    ("[" * 200 + "]" * 200, "too-deep"),
    ("apiVersion: v1\nkind: Pod\n", "not-a-requirement"),
    ("services:\n  web: {image: nginx}\n", "not-a-requirement"),
    ("needs: {startup: .nan}\n", "wrong-type"),
    ("needs: {startup: 1e999999}\n", "unknown-value"),
    ("- a\n- b\n", "wrong-type"),
    ("needs: {os_families: []}\n", "wrong-type"),
])
def test_hostile_and_odd_inputs_get_clean_errors(cat, text, code):
    outcomes = parse_text(text, "w.yaml", "yaml", cat)
    assert isinstance(outcomes[0], InputError) and outcomes[0].first.code == code, outcomes


@pytest.mark.parametrize("text, named", [
    ("name,latency,density\npayments,critical,high\n", "CSV"),
    ("name\tlatency\tdensity\npayments\tcritical\thigh\n", "TSV"),
])
def test_a_spreadsheet_export_read_as_yaml_names_its_format_and_the_way_in(cat, text, named):
    problem = parse_text(text, "-", "yaml", cat)[0].first
    assert problem.code == "not-a-requirement" and f"looks like {named}" in problem.message
    assert f"--input-format {named.lower()}" in problem.hint


def test_a_text_with_one_comma_is_not_taken_for_csv(cat):
    assert parse_text("hello, world\n", "-", "yaml", cat)[0].first.code == "wrong-type"


def test_bytes_binary_and_bad_utf8(cat):
    assert parse_bytes(b"\x00\x01\x02", "b.yaml", "yaml", cat)[0].first.code == "binary"
    err = parse_bytes(b"needs:\n  latency: \xff\n", "b.yaml", "yaml", cat)[0]
    assert (err.first.code, err.first.span.line, err.first.span.column) == ("not-utf8", 2, 12)
    [w] = parse_bytes("\ufeffneeds: {latency: critical}\n".encode(), "b.yaml", "yaml", cat)
    assert isinstance(w, Workload)


def test_alias_bomb_is_refused_quickly(cat):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    assert parse_text(bomb, "w.yaml", "yaml", cat)[0].first.code == "alias-refused"

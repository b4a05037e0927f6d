"""engine/yamlio.py: YAML read into span-carrying trees, bounded, with nothing constructed."""
from __future__ import annotations

import pytest

from deploy_advisor.engine.errors import InputError, RuleError, Span
from deploy_advisor.engine.yamlio import Limits, dump_yaml, parse_json, parse_yaml


def problems(text: str, limits: Limits = Limits()) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "f.yaml", limits)
    return [p.format() for p in caught.value.problems]


def test_every_node_and_key_keeps_its_span() -> None:
    (doc,) = parse_yaml("name: x\nneeds:\n  os_families: [linux, windows]\n", "f.yaml")
    (key, value), = [(k, v) for k, v in doc.pairs if k.value == "needs"]
    assert key.span == Span("f.yaml", 2, 1) and value.span == Span("f.yaml", 3, 3)
    assert [item.span for item in value.get("os_families").items] == [Span("f.yaml", 3, 17), Span("f.yaml", 3, 24)]


def test_the_norway_problem_is_solvable_from_raw_and_plain() -> None:
    (doc,) = parse_yaml("a: no\nb: 'no'\n", "f.yaml")
    a, b = doc.get("a"), doc.get("b")
    assert (a.value, a.raw, a.plain) == (False, "no", True)
    assert (b.value, b.raw, b.plain) == ("no", "no", False)


def test_duplicate_keys_are_errors_naming_the_first() -> None:
    assert problems("a: 1\na: 2\n") == [
        "f.yaml:2:1: duplicate-key: duplicate key 'a' (first at line 1) (remove one of the two)"]


def test_tags_outside_the_core_schema_are_refused_not_constructed() -> None:
    (found,) = problems("a: !!python/object/apply:os.system [echo hi]\n")
    assert found.startswith("f.yaml:1:4: forbidden-tag: ")


def test_aliases_are_refused_unless_allowed_and_then_bounded() -> None:
    text = "a: &x [1, 2]\nb: *x\n"
    assert problems(text) == ["f.yaml:2:4: alias-refused: YAML aliases (*x) are not allowed here "
                              "(write the value out in full)"]
    (doc,) = parse_yaml(text, "f.yaml", Limits(allow_aliases=True))
    assert doc.to_python() == {"a": [1, 2], "b": [1, 2]}
    # a "billion laughs": each alias counts every node it stands for
    bomb = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 8)}]\n" for i in range(5))
    (found,) = problems(bomb, Limits(allow_aliases=True, max_nodes=10_000))
    assert ": too-large: " in found


def test_depth_and_size_are_bounded() -> None:
    assert problems("a: [[[[1]]]]\n", Limits(max_depth=3))[0].startswith("f.yaml:1:6: too-deep: ")
    assert problems("- 1\n- 2\n- 3\n", Limits(max_nodes=3))[0].startswith("f.yaml:3:3: too-large: ")


def test_syntax_errors_are_located_and_the_error_class_is_the_callers() -> None:
    with pytest.raises(RuleError) as caught:
        parse_yaml("a: [\n", "rules/x.yaml", error=RuleError)
    assert [p.code for p in caught.value.problems] == ["yaml-syntax"]
    assert caught.value.problems[0].span == Span("rules/x.yaml", 2, 1)


def test_documents_are_counted_as_written() -> None:
    assert parse_yaml("", "f.yaml") == []
    assert [d.value for d in parse_yaml("---\n---\n", "f.yaml")] == [None, None]


def test_json_gets_exact_spans_where_it_is_also_yaml() -> None:
    node = parse_json('{"a": [1, 2]}', "f.json")
    assert node.to_python() == {"a": [1, 2]} and node.get("a").span == Span("f.json", 1, 7)


def test_dumped_yaml_reads_back_the_same_and_quotes_what_yaml_would_turn_into_booleans() -> None:
    data = {"a": [1, "no"], "b": None, "c": "yes"}
    text = dump_yaml(data)
    assert "'no'" in text and parse_yaml(text, "f.yaml")[0].to_python() == data

"""JSON Schemas: generated from the catalogue, shipped up to date, and every shipped file valid."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, RULES, ROOT
from deploy_advisor.engine.rulefiles import CATALOGUE_FILE, INVARIANTS_FILE, OPTIONS_FILE, TEST_SUFFIX, load_ruleset
from deploy_advisor.engine.authoring.schema import KINDS, schema_for, schema_text
from deploy_advisor.engine.yamlio import Limits, parse_yaml
from deploy_advisor.main import main
from goldens import HERE, assemble
from minischema import KNOWN, validate

SCHEMAS = ROOT / "docs" / "schemas"
RULE_FILES = sorted(p for p in RULES.glob("*.yaml")
                    if p.name not in (CATALOGUE_FILE, OPTIONS_FILE, INVARIANTS_FILE) and not p.name.endswith(TEST_SUFFIX))
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
TEST_FILES = sorted(RULES.glob(f"*{TEST_SUFFIX}"))
COMMENT = "# yaml-language-server: $schema=../docs/schemas/{}.schema.json"


def documents(path: Path) -> list[object]:
    return [d.to_python() for d in parse_yaml(path.read_text(encoding="utf-8"), path.name, Limits(allow_aliases=True))]


def shipped(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schemas_are_up_to_date(ruleset, kind: str) -> None:
    expected = schema_text(schema_for(kind, ruleset))
    assert (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8") == expected, (
        f"regenerate it: deploy-advisor schema {kind} > docs/schemas/{kind}.schema.json")


@pytest.mark.parametrize("kind", KINDS)
def test_schema_command_prints_the_schema(ruleset, kind: str, capsys) -> None:
    assert main(["schema", kind]) == 0
    assert capsys.readouterr().out == schema_text(schema_for(kind, ruleset))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_shipped_rule_file_is_valid_and_names_its_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == COMMENT.format("rules")
    for document in documents(path):
        assert validate(document, shipped("rules")) == []


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_is_valid_and_names_its_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == COMMENT.format("requirements")
    for document in documents(path):
        assert validate(document, shipped("requirements")) == []


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_every_shipped_test_file_is_valid(path: Path) -> None:
    for document in documents(path):
        assert validate(document, shipped("tests")) == []


def test_the_test_schema_checks_the_scenario_keys(ruleset) -> None:
    schema = schema_for("tests", ruleset)
    case = {"name": "n", "needs": {"latency": "critical"}, "expect": {"winner_in": ["vm", "none"]},
            "source": "https://example.org/guide#part", "note": "why"}
    assert validate({"cases": [case]}, schema) == []
    assert validate({"cases": [{**case, "source": "example.org/guide"}]}, schema) != []
    assert validate({"cases": [{**case, "expect": {"winner_in": []}}]}, schema) != []
    assert validate({"cases": [{**case, "expect": {"winner_in": ["vm", "vm"]}}]}, schema) != []
    assert validate({"cases": [{**case, "expect": {"winner_in": ["mainframe"]}}]}, schema) != []


def _keywords(node: object) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_keywords, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = set(node)
    for key, value in node.items():
        if key in ("properties", "$defs"):
            found |= set().union(*map(_keywords, value.values())) if value else set()
        elif key not in ("enum", "const", "required", "enumDescriptions"):
            found |= _keywords(value)
    return found - {k for k in found if not isinstance(k, str)}


@pytest.mark.parametrize("kind", KINDS)
def test_the_small_validator_knows_every_keyword_used(kind: str) -> None:
    assert _keywords(shipped(kind)) - KNOWN == set()


BAD = HERE / "bad_rules"


@pytest.fixture(scope="module")
def base_schema(tmp_path_factory) -> dict:
    folder = assemble(tmp_path_factory.mktemp("schema") / "rules", BAD / "good.yaml")
    return schema_for("rules", load_ruleset(folder))


@pytest.mark.parametrize("name", ["good", "duplicate_rule", "conflict", "never_holds"])
def test_schema_accepts_well_formed_rule_files(base_schema: dict, name: str) -> None:
    [document] = documents(BAD / f"{name}.yaml")
    assert validate(document, base_schema) == []


@pytest.mark.parametrize("name", ["unknown_key", "unknown_criterion", "unknown_value", "unknown_option",
                                  "missing_because", "missing_source", "unknown_source", "points_range",
                                  "bad_effect", "bad_id", "wrong_type"])
def test_schema_refuses_what_the_loader_refuses(base_schema: dict, name: str) -> None:
    [document] = documents(BAD / f"{name}.yaml")
    assert validate(document, base_schema) != []


def test_requirement_schema_takes_booleans_for_yes_no_and_lists_for_many(ruleset) -> None:
    schema = schema_for("requirements", ruleset)
    assert validate({"needs": {"containerizable": True, "os_families": ["linux"]}}, schema) == []
    assert validate({"needs": {"containerizable": "maybe"}}, schema) != []
    assert validate({"needs": {"os_families": ["linux", "linux"]}}, schema) != []
    assert validate({"needs": {"latncy": "critical"}}, schema) != []


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_valid_draft_2020_12_and_agree_with_jsonschema(kind: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = shipped(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = {"requirements": EXAMPLE_FILES, "tests": TEST_FILES, "invariants": [RULES / "invariants.yaml"],
             "rules": RULE_FILES + [BAD / "unknown_key.yaml", BAD / "bad_effect.yaml"]}[kind]
    for path in files:
        for document in documents(path):
            assert validator.is_valid(document) == (validate(document, schema) == []), path.name

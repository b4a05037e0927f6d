"""JSON Schemas (draft 2020-12) for requirement files, rule files and rule test files, generated from a rule set.

They exist for editors: with the `# yaml-language-server: $schema=...` comment at the top of a file,
an editor completes criterion names, values, options and source anchors, and shows each question's
help. The loaders stay the authority (they check what a schema cannot: ids across files, dead rules);
a schema only has to accept every file the loaders accept, and refuse what it can.
"""
from __future__ import annotations

import json
from typing import Any

from ..model import OPTION_IDS, Catalogue, Criterion, RuleSet
from ..rulefiles import KEBAB_ID, POINTS_RANGE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("requirements", "rules", "tests", "invariants")

Schema = dict[str, Any]


def schema_for(kind: str, ruleset: RuleSet) -> Schema:
    """The schema of one kind of file ('requirements', 'rules', 'tests' or 'invariants') for this rule set."""
    if kind == "requirements":
        return requirements_schema(ruleset.catalogue)
    if kind == "invariants":
        return invariants_schema(ruleset.catalogue)
    return rules_schema(ruleset) if kind == "rules" else tests_schema(ruleset)


def schema_text(schema: Schema) -> str:
    """The schema as the JSON text shipped in docs/schemas/ (stable, so that it can be compared)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# --- requirement files -----------------------------------------------------------------------


def requirements_schema(catalogue: Catalogue) -> Schema:
    return {
        "$schema": DIALECT,
        "title": "deploy-advisor requirement file",
        "description": "A workload: its name, a description, and its answers to the criteria catalogue. "
                       "An unanswered criterion means no preference.",
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "description": "The workload's name (default: the file name)."},
            "description": {"type": ["string", "null"], "description": "What the workload is, in a sentence or two."},
            "labels": {"type": ["object", "null"], "description": "Labels (team, environment, business unit...): "
                       "short texts carried to every output and used by --group-by; never criteria.",
                       "additionalProperties": {"type": ["string", "number"]}},
            "needs": _needs(catalogue),
        },
        "additionalProperties": False,
    }


def _needs(catalogue: Catalogue) -> Schema:
    return {"type": ["object", "null"], "description": "Answers to the criteria; leave a criterion out for no preference.",
            "properties": {c.id: _answer(c) for c in catalogue.criteria}, "additionalProperties": False}


def _answer(criterion: Criterion) -> Schema:
    # Requirement files may write a yes/no criterion as a YAML boolean (`containerizable: true`).
    values = list(criterion.value_ids)
    labels = [_value_text(criterion, v) for v in values]
    if not criterion.many:
        booleans = [True, False] if {"yes", "no"} <= set(values) else []
        notes = ["yes, written as a YAML boolean", "no, written as a YAML boolean"][: len(booleans)]
        return {"description": _question(criterion), "enum": values + booleans + [None],
                "enumDescriptions": labels + notes + ["no preference"]}
    item = {"enum": values, "enumDescriptions": labels}
    return {
        "description": _question(criterion) + " Several values may apply: write a list.",
        "anyOf": [{"type": "array", "items": item, "minItems": 1, "uniqueItems": True}, item, {"type": "null"}],
    }


def _question(criterion: Criterion) -> str:
    return f"{criterion.question} {criterion.help}".strip()


def _value_text(criterion: Criterion, value_id: str) -> str:
    value = criterion.value(value_id)
    return f"{value.label}: {value.help}" if value.help else value.label


# --- rule files ------------------------------------------------------------------------------


def rules_schema(ruleset: RuleSet) -> Schema:
    defs: dict[str, Schema] = {"rule": _rule(ruleset), "points": _points(), "condition": _condition(ruleset.catalogue)}
    defs.update({f"when-{c.id}": _test(c) for c in ruleset.catalogue.criteria})
    return {
        "$schema": DIALECT,
        "title": "deploy-advisor rule file",
        "description": "Rules of one concern: each rule's condition over the criteria, and its points or exclusions.",
        "type": "object",
        "required": ["rules"],
        "properties": {
            "concern": {"type": "string", "description": "What this file is about; free text, one line."},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def _rule(ruleset: RuleSet) -> Schema:
    anchors = sorted(ruleset.anchors)
    options = list(OPTION_IDS)
    option_list = {"type": "array", "items": {"enum": options}, "minItems": 1, "uniqueItems": True}
    return {
        "type": "object",
        "required": ["id", "when", "because", "source"],
        "properties": {
            "id": {"type": "string", "pattern": KEBAB_ID, "description": "Unique kebab-case id across the rule set."},
            "when": {"$ref": "#/$defs/condition", "description": "The condition over the criteria under which the rule fires."},
            "points": {"type": "object", "description": f"Points per option, {POINTS_RANGE[0]}..{POINTS_RANGE[1]}, not 0.",
                       "properties": {o: {"$ref": "#/$defs/points"} for o in options},
                       "additionalProperties": False, "minProperties": 1},
            "exclude": {"description": "Options that cannot serve the need at all.",
                        "anyOf": [option_list, {"enum": options}]},
            "because": {"type": "string", "minLength": 1, "description": "One or two sentences about the need."},
            "source": {"enum": anchors, "enumDescriptions": [ruleset.anchor_titles.get(a, a) for a in anchors],
                       "description": f"An anchor of {ruleset.reference}."},
            "advice": {"type": "object", "required": ["option", "text"], "additionalProperties": False,
                       "properties": {"option": {"enum": options}, "text": {"type": "string", "minLength": 1},
                                      "because": {"type": "string", "minLength": 1,
                                                  "description": "Why the advice holds; the rule's own because when left out."},
                                      "source": {"enum": anchors, "enumDescriptions": [ruleset.anchor_titles.get(a, a) for a in anchors],
                                                 "description": f"The advice's anchor of {ruleset.reference}; the rule's own source when left out."},
                                      "required": {"type": "boolean",
                                                   "description": "True when the option meets the need only with this placement: a result it wins is labelled qualified."}},
                       "description": "A qualified placement shown when that option wins or ranks second."},
        },
        "additionalProperties": False,
        "oneOf": [{"required": ["points"]}, {"required": ["exclude"]}],
    }


def _points() -> Schema:
    low, high = POINTS_RANGE
    return {"type": "integer", "minimum": low, "maximum": high, "not": {"const": 0}}


def _condition(catalogue: Catalogue) -> Schema:
    nested = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}
    properties: Schema = {
        "all": {**nested, "description": "Every condition holds."},
        "any": {**nested, "description": "At least one condition holds."},
        "not": {"$ref": "#/$defs/condition", "description": "The condition does not hold."},
    }
    properties.update({c.id: {"$ref": f"#/$defs/when-{c.id}"} for c in catalogue.criteria})
    return {"type": "object", "minProperties": 1, "properties": properties, "additionalProperties": False}


def _test(criterion: Criterion) -> Schema:
    values = list(criterion.value_ids)
    one = {"enum": values, "enumDescriptions": [_value_text(criterion, v) for v in values]}
    several = {"type": "array", "items": one, "minItems": 1, "uniqueItems": True}
    if not criterion.many:
        return {"description": _question(criterion) + " A list means any of these.", "anyOf": [one, several]}
    return {
        "description": _question(criterion) + " A list means any of these; or use any:, all: or count_at_least:.",
        "anyOf": [one, several, _only("any", several), _only("all", several),
                  _only("count_at_least", {"type": "integer", "minimum": 1, "maximum": len(values)})],
    }


def _only(key: str, schema: Schema) -> Schema:
    return {"type": "object", "required": [key], "properties": {key: schema}, "additionalProperties": False}


# --- rule test files -------------------------------------------------------------------------


def tests_schema(ruleset: RuleSet) -> Schema:
    options = list(OPTION_IDS)
    # Rule ids by their shape, not an enum: the schema would go stale with every rule added (the loader checks ids).
    rule_ids = {"type": "array", "items": {"type": "string", "pattern": KEBAB_ID}, "minItems": 1, "uniqueItems": True}
    expect = {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "description": "What must hold of the result; every key is optional, all given must hold.",
        "properties": {
            "winner": {"enum": options + ["none"], "description": "The recommendation (none: every option is excluded)."},
            "winner_in": {"type": "array", "items": {"enum": options + ["none"]}, "minItems": 1, "uniqueItems": True,
                          "description": "The recommendation is one of these (several where the guidance allows several)."},
            "first": {"enum": options, "description": "The option ranked first."},
            "last": {"enum": options, "description": "The option ranked last."},
            "fires": {**rule_ids, "description": "Rules that must fire."},
            "not_fires": {**rule_ids, "description": "Rules that must not fire."},
            "excluded": {"type": "array", "items": {"enum": options}, "uniqueItems": True,
                         "description": "Exactly the options that must be excluded."},
        },
    }
    case = {
        "type": "object", "required": ["name", "needs", "expect"], "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "description": "What the case shows; unique in its file."},
            "needs": _needs(ruleset.catalogue),
            "expect": {"$ref": "#/$defs/expect"},
            "source": {"type": "string", "pattern": r"^https?://[^\s/]+\S*$",
                       "description": "The URL of the public guidance the case comes from; a case with a source is a scenario."},
            "note": {"type": "string", "minLength": 1, "description": "Why these expectations: what the guidance says."},
            "disputed": {"type": "string", "minLength": 1,
                         "description": "A scenario the rules answer differently on purpose: why. Reported, not a failure."},
        },
    }
    return {
        "$schema": DIALECT,
        "title": "deploy-advisor rule test file",
        "description": "Test cases run by `deploy-advisor test`: a workload's needs and what must hold of its result.",
        "type": "object",
        "required": ["cases"],
        "properties": {"cases": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/case"}}},
        "additionalProperties": False,
        "$defs": {"case": case, "expect": expect},
    }


# --- invariants.yaml -------------------------------------------------------------------------


def invariants_schema(catalogue: Catalogue) -> Schema:
    """invariants.yaml: each invariant's id, sentence and one kind; conditions as in rule files."""
    options = {"type": "array", "items": {"enum": list(OPTION_IDS)}, "minItems": 1, "uniqueItems": True}
    one_value = [c for c in catalogue.criteria if not c.many]
    monotone = {
        "type": "object", "required": ["criterion", "order"], "additionalProperties": False,
        "description": "Along `order` (lax to strict), a winner in `keeps` stays in it, and a winner outside "
                       "`never_toward` never moves into it.",
        "properties": {
            "criterion": {"enum": [c.id for c in one_value], "description": "A one-value criterion."},
            "order": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True,
                      "description": "Values of the criterion, lax first."},
            "keeps": {**options, "description": "A winner in this set at a laxer answer stays in it."},
            "never_toward": {**options, "description": "A winner outside this set never moves into it."},
        },
        "anyOf": [{"required": ["keeps"]}, {"required": ["never_toward"]}],
    }
    never = {
        "type": "object", "required": ["when", "winner"], "additionalProperties": False,
        "description": "Whenever `when` holds, the recommendation is none of `winner`.",
        "properties": {"when": {"$ref": "#/$defs/condition"},
                       "winner": {**options, "description": "Options never recommended under the condition."}},
    }
    single = {
        "type": "object", "required": ["max_points_without_basis"], "additionalProperties": False,
        "description": "Every workload with one answer, whose rules exclude nothing and carry at most this many "
                       "points each, names no winner (or a tie).",
        "properties": {"max_points_without_basis": {"type": "integer", "minimum": 1, "maximum": POINTS_RANGE[1]}},
    }
    invariant = {
        "type": "object", "required": ["id", "says"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": KEBAB_ID, "description": "Unique kebab-case id."},
            "says": {"type": "string", "minLength": 1, "description": "The invariant in one sentence, shown with violations."},
            "monotone": {"$ref": "#/$defs/monotone"},
            "never": {"$ref": "#/$defs/never"},
            "single_answer": {"$ref": "#/$defs/single_answer"},
        },
        "oneOf": [{"required": ["monotone"]}, {"required": ["never"]}, {"required": ["single_answer"]}],
    }
    defs: dict[str, Schema] = {"invariant": invariant, "monotone": monotone, "never": never,
                               "single_answer": single, "condition": _condition(catalogue)}
    defs.update({f"when-{c.id}": _test(c) for c in catalogue.criteria})
    return {
        "$schema": DIALECT,
        "title": "deploy-advisor invariants file",
        "description": "What must hold for every workload; `deploy-advisor check` verifies it over the answer space.",
        "type": "object",
        "properties": {"invariants": {"type": "array", "items": {"$ref": "#/$defs/invariant"}}},
        "additionalProperties": False,
        "$defs": defs,
    }

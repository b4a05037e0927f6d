"""A small JSON Schema validator: just the keywords our generated schemas use.

The project does not depend on `jsonschema`; this keeps the shipped files checked everywhere, and
tests cross-check it against `jsonschema` where that is installed.
"""
from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]


def validate(instance: Any, schema: Schema, root: Schema | None = None, path: str = "$") -> list[str]:
    """Every violation found, as 'path: what'; an empty list means valid."""
    root = schema if root is None else root
    if "$ref" in schema:
        return validate(instance, _resolve(schema["$ref"], root), root, path)
    errors: list[str] = []
    for keyword, check in _CHECKS.items():
        if keyword in schema:
            errors += check(instance, schema, root, path)
    return errors


def _resolve(ref: str, root: Schema) -> Schema:
    assert ref.startswith("#/"), f"only local references are supported, got {ref}"
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _is_type(value: Any, name: str) -> bool:
    return {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }[name](value)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return type(a) is type(b) and a == b if isinstance(a, (dict, list)) else a == b


def _type(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    names = s["type"] if isinstance(s["type"], list) else [s["type"]]
    return [] if any(_is_type(v, n) for n in names) else [f"{p}: not of type {s['type']}"]


def _enum(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [] if any(_same(v, e) for e in s["enum"]) else [f"{p}: {v!r} is not one of {s['enum']}"]


def _const(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [] if _same(v, s["const"]) else [f"{p}: {v!r} is not {s['const']!r}"]


def _properties(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    if not isinstance(v, dict):
        return []
    return [e for k, sub in s["properties"].items() if k in v for e in validate(v[k], sub, r, f"{p}.{k}")]


def _additional(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    if not isinstance(v, dict):
        return []
    extra = [k for k in v if k not in s.get("properties", {})]
    if s["additionalProperties"] is False:
        return [f"{p}: unexpected property {k!r}" for k in extra]
    return [e for k in extra for e in validate(v[k], s["additionalProperties"], r, f"{p}.{k}")]


def _required(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: missing {k!r}" for k in s["required"] if isinstance(v, dict) and k not in v]


def _min_properties(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: fewer than {s['minProperties']} properties"] if isinstance(v, dict) and len(v) < s["minProperties"] else []


def _items(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [e for i, item in enumerate(v) for e in validate(item, s["items"], r, f"{p}[{i}]")] if isinstance(v, list) else []


def _min_items(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: fewer than {s['minItems']} items"] if isinstance(v, list) and len(v) < s["minItems"] else []


def _unique(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    if not isinstance(v, list) or not s["uniqueItems"]:
        return []
    return [f"{p}: items are not unique"] if any(_same(a, b) for i, a in enumerate(v) for b in v[i + 1:]) else []


def _minimum(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: {v} < {s['minimum']}"] if _is_type(v, "number") and v < s["minimum"] else []


def _maximum(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: {v} > {s['maximum']}"] if _is_type(v, "number") and v > s["maximum"] else []


def _min_length(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: shorter than {s['minLength']}"] if isinstance(v, str) and len(v) < s["minLength"] else []


def _pattern(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [f"{p}: {v!r} does not match {s['pattern']}"] if isinstance(v, str) and not re.search(s["pattern"], v) else []


def _not(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [] if validate(v, s["not"], r, p) else [f"{p}: must not match {s['not']}"]


def _any_of(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    return [] if any(not validate(v, sub, r, p) for sub in s["anyOf"]) else [f"{p}: matches none of anyOf"]


def _one_of(v: Any, s: Schema, r: Schema, p: str) -> list[str]:
    passed = sum(1 for sub in s["oneOf"] if not validate(v, sub, r, p))
    return [] if passed == 1 else [f"{p}: matches {passed} of oneOf, not exactly one"]


_CHECKS = {
    "type": _type, "enum": _enum, "const": _const, "properties": _properties, "additionalProperties": _additional,
    "required": _required, "minProperties": _min_properties, "items": _items, "minItems": _min_items,
    "uniqueItems": _unique, "minimum": _minimum, "maximum": _maximum, "minLength": _min_length,
    "pattern": _pattern, "not": _not, "anyOf": _any_of, "oneOf": _one_of,
}
KNOWN = set(_CHECKS) | {"$ref", "$schema", "$defs", "title", "description", "enumDescriptions"}

"""Rules of the code base that no single module's tests can see."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PRODUCT = [p for folder in ("engine", "cli", "wizard") for p in sorted((ROOT / folder).rglob("*.py"))]


def id_keyed_globals(source: str) -> list[str]:
    """Module-level names used as a mapping keyed by id(): ``CACHE[id(x)]``, ``CACHE.get(id(x))``...
    An id is reused once its object dies, so such a cache answers for the wrong object; state of a rule
    set belongs to the rule set (RuleSet.derived) or to the object that owns it."""
    tree = ast.parse(source)
    module_names = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}

    def is_id_call(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "id"

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and is_id_call(node.slice):
            found.append(node.value.id)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
              and node.func.attr in ("get", "setdefault", "pop", "__contains__") and node.args and is_id_call(node.args[0])):
            found.append(node.func.value.id)
        elif isinstance(node, ast.Compare) and is_id_call(node.left) and any(isinstance(o, (ast.In, ast.NotIn)) for o in node.ops):
            found += [c.id for c in node.comparators if isinstance(c, ast.Name)]
    return sorted(set(found) & module_names)


def test_the_check_finds_a_module_level_cache_keyed_by_id() -> None:
    sample = "_CACHE = {}\n\ndef get(x):\n    if id(x) not in _CACHE:\n        _CACHE[id(x)] = x\n    return _CACHE.get(id(x))\n"
    assert id_keyed_globals(sample) == ["_CACHE"]
    assert id_keyed_globals("def f(x):\n    seen = {}\n    seen[id(x)] = 1\n") == []  # local: dies with the call


def test_no_module_level_cache_is_keyed_by_id() -> None:
    assert PRODUCT and all(isinstance(p, Path) for p in PRODUCT)
    found = {p.relative_to(ROOT).as_posix(): names for p in PRODUCT if (names := id_keyed_globals(p.read_text()))}
    assert found == {}

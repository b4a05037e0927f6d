"""The compiler is a pure function: its output is pinned by golden dicts, no engine needed."""
from __future__ import annotations

import json
import os

from conftest import ROOT, make_ruleset_dir
from deploy_advisor.engine.compile import compile_condition, compile_ruleset, dnf_terms, encode_fact, fact_layout
from deploy_advisor.engine.model import All, AnyOf, CountAtLeast, Has, Is, Not
from deploy_advisor.engine.rulefiles import load_ruleset

MINI = """\
concern: compiler golden
rules:
  - id: one-value
    when: {latency: critical}
    points: {bare_metal: 3, vm: -1}
    because: Equal.
    source: bare-metal-low-latency
  - id: one-of-and-not
    when: {startup: [instant, fast], not: {containerizable: "no"}}
    points: {container: 2}
    because: One of, and not.
    source: container-startup
  - id: many-any-all-count
    when:
      any:
        - os_families: {all: [linux, windows]}
        - os_families: other
        - os_families: {count_at_least: 2}
    exclude: [bare_metal]
    because: Many-value tests.
    source: bare-metal-no-multi-os
  - id: negated-groups
    when: {not: {any: [{kernel: custom_required}, {os_families: [windows, other]}]}}
    points: {container: 1}
    because: De Morgan.
    source: container-shares-host-kernel
"""

GOLDEN = ROOT / "tests" / "golden" / "compile" / "mini.json"


def test_compiled_definitions_match_golden(tmp_path):
    ruleset = load_ruleset(make_ruleset_dir(tmp_path, MINI))
    got = compile_ruleset(ruleset, cap=100)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(GOLDEN.read_text())


def test_compile_is_pure(tmp_path):
    ruleset = load_ruleset(make_ruleset_dir(tmp_path, MINI))
    assert compile_ruleset(ruleset) == compile_ruleset(ruleset)


def test_negation_is_pushed_to_the_tests(tmp_path):
    # slots of MINI: latency, os_families (a bit mask of linux, windows, other), kernel, startup, containerizable
    layout = fact_layout(load_ruleset(make_ruleset_dir(tmp_path, MINI)))
    cond = Not(All((Is("latency", ("critical",)), AnyOf((Has("os_families", ("linux", "windows"), "all"),)))))
    assert compile_condition(cond, layout) == ("w[123_].*", "w.[012456].*")
    assert compile_condition(Not(CountAtLeast("os_families", 2)), layout) == ("w.[0124].*",)


def test_dnf_terms_counts_alternatives():
    assert dnf_terms(Is("latency", ("critical", "sensitive"))) == 2
    assert dnf_terms(Not(Is("latency", ("critical", "sensitive")))) == 1
    assert dnf_terms(All((Is("latency", ("a", "b")), Has("os_families", ("x", "y"))))) == 4


def test_facts_are_packed_strings_with_unanswered_marked(tmp_path):
    layout = fact_layout(load_ruleset(make_ruleset_dir(tmp_path, MINI)))
    assert encode_fact({"latency": "critical", "os_families": ("linux",)}, layout) == {"v": "w01___"}
    assert encode_fact({"os_families": ("windows", "other"), "containerizable": "no"}, layout) == {"v": "w_6__1"}

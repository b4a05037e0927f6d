"""Every figure the README states about the shipped rules, checked against the rules as they are now:
a rule added or changed fails here until the README says the new figures (or stops giving them)."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import ROOT
from deploy_advisor.engine.answerspace import AnswerSpace
from deploy_advisor.engine.authoring.regions import NO_BASIS, TIE, evaluate, find_regions, kind_of, small_workloads
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.wizard.questions import questionnaire

README = (ROOT / "README.md").read_text(encoding="utf-8")


def figure(pattern: str) -> tuple[int, ...]:
    """The numbers a README sentence gives (commas allowed), found by a pattern with one group each."""
    found = re.search(pattern, " ".join(README.split()))  # sentences wrap: match across line breaks
    assert found, f"the README no longer says {pattern!r}: update this test with it"
    return tuple(int(g.replace(",", "")) for g in found.groups())


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


@pytest.fixture(scope="module")
def regions(ruleset):
    return find_regions(ruleset, AnswerSpace(ruleset.catalogue))


@pytest.fixture(scope="module")
def small(ruleset):
    """Each workload answering one or two criteria, with its undecided kind and the rules it fires."""
    return [(needs, kind_of(result), result.fired)
            for needs in small_workloads(AnswerSpace(ruleset.catalogue))
            for result in [evaluate(ruleset, needs)]]


def test_the_position_shown_by_the_wizard(ruleset):
    assert figure(r"where you are \(`\[\d+/(\d+)\]`\)") == (len(questionnaire(ruleset.catalogue)),)


def test_the_undecided_regions_summary_is_what_check_prints(regions):
    block = README.split("\nundecided regions: ", 1)[1].split("\n```", 1)[0]
    assert " ".join(block.split()) == regions.describe()


def test_the_no_basis_figures(small, regions):
    singles = [(needs, fired) for needs, kind, fired in small if kind == NO_BASIS and len(needs) == 1]
    light = [needs for needs, fired in singles if fired]
    criteria = {c for needs in light for c in needs}
    assert figure(r"(\d+) single answers of (\d+) criteria fire only light rules") == (len(light), len(criteria))
    assert figure(r"most one point \([^)]*\); (\d+) more fire no rule at all") == (regions.silent,)
    assert regions.silent == len(singles) - len(light)
    no_basis = [fired for _, kind, fired in small if kind == NO_BASIS]
    assert figure(r"Of the ([\d,]+), (\d+) fire no rule and (\d+) light rules only") == \
        (len(no_basis), sum(not f for f in no_basis), sum(bool(f) for f in no_basis))


def test_the_tie_figures(small, regions):
    ties = Counter(len(needs) for needs, kind, _ in small if kind == TIE)
    single, pairs = figure(r"(\d+) single answers tie on their own .*?and (\d+) pairs of answers, each decided alone")
    assert single == ties[1] == sum(1 for p in regions.patterns if p.kind == TIE and len(p.needs) == 1)
    assert pairs == sum(1 for p in regions.patterns if p.kind == TIE and len(p.needs) == 2)
    tied = dict(regions.sampled)[TIE]
    assert figure(r"Over the whole space about (\d+)% of workloads tie") == (round(100 * tied / regions.sample.workloads),)
    assert dict(regions.sampled)[NO_BASIS] == 0  # "none has no basis"


def test_how_it_works_shows_every_package_and_engine_module():
    """The layout drawn in "How it works" names every engine module and sub-package, and pyproject.toml
    lists every package folder: a module added or moved fails here until both say where it is."""
    section = README[README.index("## How it works"):]
    engine = ROOT / "engine"
    folders = sorted(p.parent for p in engine.rglob("__init__.py") if "__pycache__" not in p.parts)
    for folder in folders[1:]:
        assert f"{folder.relative_to(engine).as_posix()}/" in section, folder
    for module in sorted(p for f in folders if f.name != "render" for p in f.glob("*.py") if p.name != "__init__.py"):
        assert f"{module.stem}.py" in section or f"`{module.stem}`" in section, module
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for folder in folders:
        assert '"deploy_advisor.' + ".".join(("engine", *folder.relative_to(engine).parts)) + '"' in pyproject, folder

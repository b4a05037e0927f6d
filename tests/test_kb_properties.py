"""Sanity properties of the shipped knowledge base, over generated workloads.

A stricter need never helps an option that the documented properties (options.yaml, the reference
page) say is weaker at it: it never raises that option's score, nor lifts it out of exclusion. And
every option wins for some workload, so no option is dead weight.
"""
from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.nearmiss import every_answer

from strategies import needs, workload

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (criterion, its answers from the least to the most demanding, the option documented as weaker at it,
#  the anchor that documents it)
STRICTER = [
    ("isolation", ("process", "strong", "dedicated_hardware"), "container", "container-process-isolation"),
    ("startup", ("slow_ok", "fast", "instant"), "vm", "vm-startup"),
    ("latency", ("tolerant", "sensitive", "critical"), "vm", "vm-own-kernel-and-os"),
    ("performance", ("standard", "high", "maximum"), "vm", "vm-efficiency"),
    ("resources", ("abundant", "normal", "constrained"), "vm", "vm-full-os-overhead"),
    ("portability", ("low", "medium", "high"), "bare_metal", "bare-metal-portability"),
    ("backup_migration", ("none", "useful", "critical"), "bare_metal", "bare-metal-hard-backup-migration"),
    ("kernel", ("host_shared_ok", "custom_required"), "container", "container-no-own-kernel"),
    ("hardware_access", ("none", "devices", "full_control"), "container", "container-shares-host-kernel"),
]



def _never_helped(lenient, strict, option: str, what: str) -> None:
    before, after = lenient.placement(option), strict.placement(option)
    assert after.score <= before.score, f"{what} raised {option} from {before.score} to {after.score}"
    assert after.excluded or not before.excluded, f"{what} lifted {option} out of exclusion"


def test_the_orders_name_real_answers_and_anchors(ruleset):
    for criterion, order, option, anchor in STRICTER:
        assert set(order) <= set(ruleset.catalogue[criterion].value_ids) and option in ruleset.option_ids
        assert anchor in ruleset.anchors


@pytest.mark.parametrize("criterion, order, option, anchor", STRICTER, ids=[f"{s[0]}-{s[2]}" for s in STRICTER])
def test_a_stricter_need_never_helps_the_option_documented_as_weaker(ruleset, advisor, criterion, order, option, anchor):
    catalogue = ruleset.catalogue

    @SETTINGS
    @given(needs(catalogue))
    def check(answers):
        results = advisor.evaluate([workload({**answers, criterion: value}, catalogue) for value in order])
        for (lenient, strict), (low, high) in zip(zip(results, results[1:]), zip(order, order[1:])):
            _never_helped(lenient, strict, option, f"{criterion} {low} -> {high}")

    check()


def test_needing_more_os_families_never_helps_bare_metal(ruleset, advisor):
    catalogue = ruleset.catalogue
    families = catalogue["os_families"].value_ids
    subsets = st.lists(st.sampled_from(families), unique=True).map(lambda vs: tuple(f for f in families if f in vs))

    @SETTINGS
    @given(needs(catalogue), subsets, subsets)
    def check(answers, fewer, extra):
        more = tuple(f for f in families if f in fewer or f in extra)
        base = {k: v for k, v in answers.items() if k != "os_families"}
        lenient, strict = advisor.evaluate([workload({**base, "os_families": fewer} if fewer else base, catalogue),
                                            workload({**base, "os_families": more} if more else base, catalogue)])
        _never_helped(lenient, strict, "bare_metal", f"os_families {list(fewer)} -> {list(more)}")

    check()


def test_every_option_wins_for_some_workload_of_one_or_two_answers(ruleset, advisor):
    catalogue = ruleset.catalogue
    singles = [{c.id: a} for c in catalogue.criteria for a in every_answer(c)]
    pairs = [{**x, **y} for x, y in combinations(singles, 2) if x.keys() != y.keys()]
    workloads = [{}] + singles + pairs
    results = advisor.evaluate([workload(w, catalogue) for w in workloads])
    winners = {r.recommendation: w for r, w in zip(results, workloads) if r.recommendation and not r.tied}
    assert sorted(winners) == sorted(ruleset.option_ids), f"options that never win outright: {set(ruleset.option_ids) - set(winners)}"

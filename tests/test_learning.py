"""Learning a group's sub-profile from its tested sets (evaluate.Evaluator._learn): durable-rules is asked
about each set of criteria some rules test, once per distinct answer to it, and a sub-profile fires the
union of what its parts fire. Proved here against durable-rules asked about each whole sub-profile, on
a generated corpus, and shown to ask far fewer facts."""
from __future__ import annotations

import random

import pytest

from deploy_advisor.engine.evaluate import Evaluator
from deploy_advisor.engine.groups import partition, profile_needs
from deploy_advisor.engine.reference import ReferenceEvaluator
from deploy_advisor.engine.rulefiles import load_ruleset


def corpus(ruleset, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        needs = {}
        for criterion in ruleset.catalogue.criteria:
            if rng.random() < 0.2:
                continue
            values = criterion.value_ids
            needs[criterion.id] = tuple(v for v in values if rng.random() < 0.4) or (rng.choice(values),) \
                if criterion.many else rng.choice(values)
        out.append(needs)
    return out


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


def test_every_tested_set_holds_its_rules_once(ruleset):
    for group in partition(ruleset).groups:
        listed = [rule for _, rules in group.tests for rule in rules]
        assert sorted(listed) == sorted(group.rules)
        assert all(at == tuple(sorted(set(at))) and all(0 <= i < len(group.criteria) for i in at) for at, _ in group.tests)


def test_a_sub_profile_learned_by_parts_is_what_durable_says_of_it_whole(ruleset):
    engine = Evaluator(ruleset)
    needs = corpus(ruleset, 3000, 14)
    parts = engine.fired_parts(needs)
    assert engine.fired(needs) == ReferenceEvaluator(ruleset).fired(needs)
    learned = [(index, key, fired) for index, (criteria, _, memo) in enumerate(engine._groups) for key, fired in memo.items()]
    assert len(learned) > 500
    whole = engine._fired_whole([profile_needs(engine._groups[i][0], key) for i, key, _ in learned])
    for (index, key, fired), said in zip(learned, whole):
        assert fired == said & engine._groups[index][1], (engine._groups[index][0], key)
    asked = sum(len(memo) for tests in engine._tests for _, _, memo in tests)
    assert asked < len(learned), (asked, len(learned))  # the point: fewer durable facts than sub-profiles
    assert all(len(memo) <= unit.space for (_, _, memo), unit in zip(engine._groups, engine.units))
    kept = {id(fired) for _, _, fired in learned}
    assert all(id(p) in kept for row in parts for p in row)  # every workload shares the remembered objects

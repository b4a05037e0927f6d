"""JSON Lines answers assembled from pre-encoded parts (render/assemble.py) are byte for byte the
answers of the slow path, jsonl_line(build_result(...)), for many generated workloads, names, labels
and sources, on the shipped rules and on generated rule sets."""
from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.api import Advisor, Evaluated
from deploy_advisor.engine.compile import dnf_terms
from deploy_advisor.engine.render.assemble import Assembler
from deploy_advisor.engine.render.jsonl import jsonl_line
from deploy_advisor.engine.requirements import Source, Workload
from deploy_advisor.engine.result import build_result

from strategies import conditions, needs
from test_groups import random_needs

texts = st.text(min_size=1, max_size=12)
sources = st.builds(Source, texts, st.one_of(st.none(), st.integers(0, 10**6)), st.integers(0, 10**6))
labels = st.lists(st.tuples(texts, st.text(max_size=8)), max_size=3).map(tuple)


def workload_of(answers: dict, catalogue, name="w", source=Source("<test>"), labels=()) -> Workload:
    ordered = tuple((c.id, answers[c.id]) for c in catalogue.criteria if c.id in answers)
    return Workload(name, ordered, source, "", labels)


def assert_same_lines(advisor: Advisor, assembler: Assembler, workloads: list[Workload]) -> None:
    for answer in advisor.evaluated(workloads):
        assert isinstance(answer, Evaluated)
        slow = jsonl_line(build_result(advisor.ruleset, answer.workload, answer.fired()))
        assert assembler.line(answer.workload, answer.parts) == slow
        assert jsonl_line(answer.result(advisor.ruleset)) == slow


def test_assembled_lines_equal_the_slow_path_on_a_generated_corpus(ruleset, advisor):
    assembler = Assembler(ruleset)
    assert assembler.fast
    corpus = [workload_of(n, ruleset.catalogue, f"w{i}", Source("c.jsonl", i, i)) for i, n in
              enumerate(random_needs(ruleset.catalogue, 2000, seed=21), 1)]
    assert_same_lines(advisor, assembler, corpus)
    assert_same_lines(advisor, assembler, corpus[:300])  # again, from the caches


def test_assembled_lines_equal_the_slow_path_on_hypothesis_workloads(ruleset, advisor):
    assembler = Assembler(ruleset)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(needs(ruleset.catalogue), texts, sources, labels)
    def check(answers, name, source, labelled):
        assert_same_lines(advisor, assembler, [workload_of(answers, ruleset.catalogue, name, source, labelled)])

    check()


def test_whole_evaluation_and_the_reference_assemble_alike(ruleset):
    corpus = [workload_of(n, ruleset.catalogue) for n in random_needs(ruleset.catalogue, 300, seed=4)]
    assembler = Assembler(ruleset)
    from deploy_advisor.engine.evaluate import Evaluator

    whole = Advisor(ruleset)
    whole.evaluator = Evaluator(ruleset, grouped=False)
    for advisor in (whole, Advisor(ruleset, engine="reference")):
        assert_same_lines(advisor, assembler, corpus)


def test_generated_rule_sets_assemble_alike(ruleset):
    """Random conditions, points and exclusions (ties, no basis, conflicts, qualified advice)."""
    template = next(r for r in ruleset.rules if r.advice is not None)
    options = ruleset.option_ids
    rule_parts = st.tuples(conditions(ruleset.catalogue),
                           st.lists(st.tuples(st.sampled_from(options), st.integers(-4, 4).filter(bool)), max_size=3,
                                    unique_by=lambda p: p[0]),
                           st.lists(st.sampled_from(options), max_size=2, unique=True),
                           st.booleans(), st.sampled_from(options), st.booleans())

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(rule_parts, min_size=1, max_size=8), st.lists(needs(ruleset.catalogue), min_size=1, max_size=20))
    def check(specs, many):
        rules = []
        for i, (when, points, exclude, advised, option, required) in enumerate(specs):
            if dnf_terms(when) > 8:
                continue
            advice = template.advice._replace(option=option, required=required) if advised else None
            rules.append(template._replace(id=f"r-{i}", when=when, advice=advice,
                                             points=tuple(sorted(points, key=lambda p: options.index(p[0]))),
                                             exclude=tuple(exclude)))
        if not rules:
            return
        generated = ruleset._replace(rules=tuple(rules))  # derived starts empty (init=False)
        assert_same_lines(Advisor(generated), Assembler(generated), [workload_of(n, generated.catalogue) for n in many])

    check()

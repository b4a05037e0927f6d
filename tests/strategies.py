"""Hypothesis strategies over the criteria catalogue: workloads (needs) and rule conditions."""
from __future__ import annotations

from hypothesis import strategies as st

from deploy_advisor.engine.model import All, AnyOf, Catalogue, CountAtLeast, Has, Is, Not
from deploy_advisor.engine.requirements import Source, Workload


def needs(catalogue: Catalogue) -> st.SearchStrategy[dict]:
    """Any valid answers: each criterion unanswered or answered with allowed values."""
    parts = {}
    for criterion in catalogue.criteria:
        if criterion.many:
            value = st.lists(st.sampled_from(criterion.value_ids), min_size=1, unique=True).map(
                lambda vs, c=criterion: tuple(v for v in c.value_ids if v in vs))
        else:
            value = st.sampled_from(criterion.value_ids)
        parts[criterion.id] = st.one_of(st.none(), value)
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def leaf(catalogue: Catalogue) -> st.SearchStrategy:
    def for_criterion(criterion):
        values = st.lists(st.sampled_from(criterion.value_ids), min_size=1, max_size=3, unique=True).map(tuple)
        if criterion.many:
            return st.one_of(
                st.builds(Has, st.just(criterion.id), values, st.sampled_from(["any", "all"])),
                st.builds(CountAtLeast, st.just(criterion.id), st.integers(1, len(criterion.value_ids))),
            )
        return st.builds(Is, st.just(criterion.id), values)

    return st.sampled_from(catalogue.criteria).flatmap(for_criterion)


def conditions(catalogue: Catalogue) -> st.SearchStrategy:
    return st.recursive(
        leaf(catalogue),
        lambda inner: st.one_of(
            st.builds(Not, inner),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: All(tuple(xs))),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
        ),
        max_leaves=5,
    )


def workload(answers: dict, catalogue: Catalogue) -> Workload:
    """A workload with these answers, in catalogue order (as the loaders build it)."""
    ordered = tuple((c.id, answers[c.id]) for c in catalogue.criteria if c.id in answers)
    return Workload("w", ordered, Source("<test>"))

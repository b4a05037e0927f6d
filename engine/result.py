"""Score, rank and explain: from the rules that fired to a justified result (data, not text)."""
from __future__ import annotations

from typing import Any

from .conditions import criteria_in
from .model import NeedPairs, Rule, RuleSet
from .nearmiss import NearMiss
from .records import NamedTuple
from .requirements import Source, Workload


# The records here are typed, immutable NamedTuples rather than frozen dataclasses: a command answering
# one file creates these six classes at every start, and a dataclass costs about 1 ms to create (its
# methods are compiled from source then), a NamedTuple a quarter of that (benchmarks/bench_startup.py).
# They are read by name only, like the dataclasses they replace; changes go through ``_replace``.


class Reason(NamedTuple):
    """One rule's say about one option: points for or against, or an exclusion (points None)."""

    rule: str
    option: str
    points: int | None
    because: str
    source: str
    file: str
    line: int

    @property
    def excludes(self) -> bool:
        return self.points is None

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "option": self.option, "points": self.points, "because": self.because,
                "source": self.source, "file": self.file, "line": self.line}


class AdviceNote(NamedTuple):
    """A qualified placement for an option that wins or ranks second, from a rule that fired."""

    rule: str
    option: str
    text: str
    because: str
    source: str
    file: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "option": self.option, "text": self.text, "because": self.because,
                "source": self.source, "file": self.file, "line": self.line}


class Placement(NamedTuple):
    option: str
    label: str
    score: int
    excluded: bool
    rank: int


class Change(NamedTuple):
    """Answering ``changes`` (criterion -> new answer) instead would make ``winner`` the recommendation."""

    changes: NeedPairs
    winner: str

    def as_dict(self) -> dict[str, Any]:
        return {"changes": {c: list(v) if isinstance(v, tuple) else v for c, v in self.changes},
                "winner": self.winner}


class Insight(NamedTuple):
    """What would change a result, and which rules nearly fired: only on request (see insight.Explainer)."""

    changes: tuple[Change, ...]  # one criterion first, then two; each minimal (no part of it suffices)
    near_misses: tuple[NearMiss, ...]
    sampled: tuple[str, ...] = ()  # criteria whose answers were searched by a seeded sample, not all


class Result(NamedTuple):
    name: str
    source: Source
    needs: tuple[tuple[str, Any], ...]
    recommendation: str | None
    ranking: tuple[Placement, ...]
    reasons: tuple[Reason, ...]  # points reasons, strongest first
    exclusions: tuple[Reason, ...]
    margin: int | None
    tied: tuple[str, ...]  # options sharing the top score with the winner (empty when no tie)
    conflicts: tuple[str, ...] = ()  # when every option is excluded: the rules responsible
    description: str = ""
    fired: frozenset[str] = frozenset()
    advice: tuple[AdviceNote, ...] = ()  # for the winner first, then for the runner-up
    insight: Insight | None = None  # only when asked for (see insight.Explainer): it costs a search
    confidence: str | None = None  # see confidence_of(): clear, close, qualified, tie or no_basis
    qualified_by: tuple[str, ...] = ()  # rules whose required advice the winner must follow
    deciders: tuple[str, ...] = ()  # for a tie or no basis: unanswered criteria that would decide it
    labels: tuple[tuple[str, str], ...] = ()  # the workload's labels, carried to every output

    @property
    def scores(self) -> dict[str, int]:
        return {p.option: p.score for p in self.ranking}

    def excluded(self) -> dict[str, tuple[Reason, ...]]:
        out: dict[str, tuple[Reason, ...]] = {}
        for reason in self.exclusions:
            out[reason.option] = out.get(reason.option, ()) + (reason,)
        return out

    def reasons_for(self, option: str) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.option == option)

    def placement(self, option: str) -> Placement:
        return next(p for p in self.ranking if p.option == option)


# Confidence labels. A "strong" rule carries STRONG points or more: a lead of STRONG or less can be
# undone by one strong answer, so it is only ``close``. A "light" rule carries at most LIGHT points.
CLEAR, CLOSE, TIE, QUALIFIED, NO_BASIS = "clear", "close", "tie", "qualified", "no_basis"
STRONG = 3
LIGHT = 1
VIOLATED = -2  # a fired rule this much (or more) against the winner is a stated need it serves poorly
DECIDERS_SHOWN = 3


def build_result(ruleset: RuleSet, workload: Workload, fired: frozenset[str]) -> Result:
    """Turn the set of fired rules into a ranked, explained result."""
    table = _table(ruleset)
    rules = [r for r in ruleset.rules if r.id in fired]  # rule-file order (ids may repeat in a broken set)
    reasons = tuple(sorted((reason for r in rules for reason in table.reasons[r.id][0]), key=_strength))
    exclusions = tuple(reason for r in rules for reason in table.reasons[r.id][1])
    excluded = {r.option for r in exclusions}
    scores = dict.fromkeys(table.options, 0)
    for reason in reasons:
        if reason.option in scores:
            scores[reason.option] += reason.points or 0
    order = table.tie_order
    ranked = sorted(table.options, key=lambda o: (o in excluded, -scores[o], order[o]))
    ranking = tuple(Placement(o, table.labels[o], scores[o], o in excluded, i + 1) for i, o in enumerate(ranked))
    eligible = [p for p in ranking if not p.excluded]
    winner = eligible[0].option if eligible else None
    margin = eligible[0].score - eligible[1].score if len(eligible) > 1 else None
    tied = tuple(p.option for p in eligible if p.score == eligible[0].score) if margin == 0 else ()
    conflicts = tuple(dict.fromkeys(r.rule for r in exclusions)) if not eligible else ()
    basis = bool(exclusions) or any(abs(r.points or 0) > LIGHT for r in reasons) or (margin or 0) > LIGHT
    if winner is not None and not basis:
        winner = None  # one light lean (or nothing) is no basis for naming a winner
    qualified_by = _qualifications(rules, winner)
    label = confidence_of(winner, eligible, margin, tied, reasons, qualified_by)
    advice = _advice(ruleset, rules, [p.option for p in eligible[:2]])
    deciders = _deciders(table, workload) if label in (TIE, NO_BASIS) else ()
    return Result(name=workload.name, source=workload.source, needs=workload.needs, recommendation=winner,
                  ranking=ranking, reasons=reasons, exclusions=exclusions, margin=margin, tied=tied,
                  conflicts=conflicts, description=workload.description, fired=frozenset(fired), advice=advice,
                  confidence=label, qualified_by=qualified_by, deciders=deciders, labels=workload.labels)


def confidence_of(winner: str | None, eligible: list[Placement], margin: int | None, tied: tuple[str, ...],
                  reasons: tuple[Reason, ...], qualified_by: tuple[str, ...]) -> str | None:
    """How firm the answer is.

    ``no_basis``: nothing but one light lean spoke, so no winner is named. ``tie``: the tie-break order
    picked the winner. ``qualified``: the winner meets a stated need only with the placement its
    advice names. ``clear``: no stated need counts strongly against the winner and its lead needs more
    than one strong rule to undo (or it is the only option left). ``close`` otherwise.
    """
    if winner is None:
        return NO_BASIS if eligible else None
    if tied:
        return TIE
    if qualified_by:
        return QUALIFIED
    violated = any(r.option == winner and (r.points or 0) <= VIOLATED for r in reasons)
    if not violated and (margin is None or margin > STRONG):
        return CLEAR
    return CLOSE


def _qualifications(fired: list[Rule], winner: str | None) -> tuple[str, ...]:
    return tuple(r.id for r in fired if r.advice is not None and r.advice.required and r.advice.option == winner)


def _deciders(table: "_Table", workload: Workload) -> tuple[str, ...]:
    """The unanswered criteria whose rules weigh most: the questions that would decide a tie."""
    answered = {c for c, _ in workload.needs}
    open_ = [c for c in table.weights if c not in answered]
    return tuple(sorted(open_, key=lambda c: -table.weights[c])[:DECIDERS_SHOWN])


def _advice(ruleset: RuleSet, fired: list[Rule], top_two: list[str]) -> tuple[AdviceNote, ...]:
    """The advice of fired rules for the first two eligible options; advice left without its own
    because or source rests on its rule's."""
    notes = [AdviceNote(r.id, r.advice.option, r.advice.text, r.advice.because or r.because,
                        ruleset.cite(r.advice.source or r.source), r.file, r.line)
             for r in fired if r.advice is not None and r.advice.option in top_two]
    return tuple(sorted(notes, key=lambda n: (top_two.index(n.option), n.rule)))


class _Table(NamedTuple):
    """What every result of one rule set shares, worked out once: each rule's points reasons and
    exclusions (the same in every result), the options, their labels and tie-break order. Building
    these for every workload was a good part of a large batch's time."""

    reasons: dict[str, tuple[tuple[Reason, ...], tuple[Reason, ...]]]
    options: tuple[str, ...]
    labels: dict[str, str]
    tie_order: dict[str, int]
    weights: dict[str, int]  # criterion -> the most points any one rule that tests it gives (catalogue order)


def _table(ruleset: RuleSet) -> _Table:
    """The rule set's table, made on first use and kept by the rule set itself (``RuleSet.derived``)."""
    return ruleset.worked_out("result-table", _make_table)


def _make_table(ruleset: RuleSet) -> _Table:
    reasons = {r.id: (tuple(_reason(ruleset, r, o, p) for o, p in r.points),
                      tuple(_reason(ruleset, r, o, None) for o in r.exclude)) for r in ruleset.rules}
    table = _Table(reasons, ruleset.option_ids, {o.id: o.label for o in ruleset.options},
                   {o: i for i, o in enumerate(ruleset.tie_break)}, _weights(ruleset))
    return table


def _weights(ruleset: RuleSet) -> dict[str, int]:
    weights = {c.id: 0 for c in ruleset.catalogue.criteria}
    for rule in ruleset.rules:
        strength = max([abs(p) for _, p in rule.points], default=0)
        for criterion in criteria_in(rule.when):
            weights[criterion] = max(weights.get(criterion, 0), strength)
    return {c: w for c, w in weights.items() if w}


def _reason(ruleset: RuleSet, rule: Rule, option: str, points: int | None) -> Reason:
    return Reason(rule.id, option, points, rule.because, ruleset.cite(rule.source), rule.file, rule.line)


def _strength(reason: Reason) -> tuple[int, str, str]:
    return (-abs(reason.points or 0), reason.rule, reason.option)

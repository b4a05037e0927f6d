"""Insight as sentences, shared by the text and Markdown renderers: what would change the answer, and
the near misses. What would change it is said in words (criteria as words, values by their labels, sets
of a many-value criterion grouped by what they include); near misses keep the names of requirement
files, so they say what to write."""
from __future__ import annotations

from ..result import Change, Insight
from itertools import combinations

from ..model import Catalogue, Criterion, NeedValue, Rule, RuleSet
from ..nearmiss import NearMiss, either

MAX_WAYS = 5  # alternatives spelled out per option; the JSON form lists them all


def change_sentences(insight: Insight, ruleset: RuleSet, has_winner: bool = True) -> list[str]:
    """One sentence per option that some change would make win, smallest changes first."""
    by_winner: dict[str, list[Change]] = {}
    for change in insight.changes:
        by_winner.setdefault(change.winner, []).append(change)
    sampled = [f"(Searched a seeded sample of the answers to {', '.join(insight.sampled)}, which has too many "
               "to try them all: other changes may exist.)"] if insight.sampled else []
    if not by_winner:
        what = "change the recommendation" if has_winner else "make any option fit"
        return [f"No change of one answer, or of two, would {what}.", *sampled]
    return [_winner_sentence(ruleset.option(w).label, ways, ruleset.catalogue) for w, ways in by_winner.items()] + sampled


def _winner_sentence(label: str, ways: list[Change], catalogue: Catalogue) -> str:
    items = _grouped_singles([c for c in ways if len(c.changes) == 1], catalogue)
    items += [(_pair(c, catalogue), 1) for c in ways if len(c.changes) > 1]
    shown = ", or ".join(f"if {text}" for text, _ in items[:MAX_WAYS])
    hidden = sum(count for _, count in items[MAX_WAYS:])
    return f"{label} would win {shown}" + (f" (and {hidden} more ways)" if hidden else "") + "."


def _grouped_singles(singles: list[Change], catalogue: Catalogue) -> list[tuple[str, int]]:
    """One item per criterion: 'workload type were Microservices, Web application or Batch jobs'; the
    sets of a many-value criterion as what they include when that covers them: 'os families included
    Windows or Other' for the six sets that hold windows or other."""
    values: dict[str, list[NeedValue]] = {}
    for change in singles:
        (criterion, value), = change.changes
        values.setdefault(criterion, []).append(value)
    return [(_criterion_change(catalogue[c], vs), 1) for c, vs in values.items()]


def _criterion_change(criterion: Criterion, values: list[NeedValue]) -> str:
    words = _words(criterion.id)
    included = _included(criterion, values) if criterion.many else None
    if included:
        return f"{words} included {either([criterion.value(v).label for v in included])}"
    return f"{words} were {either([_label(criterion, v) for v in values])}"


def _included(criterion: Criterion, sets: list[NeedValue]) -> list[str]:
    """The values v whose every set holding v is among ``sets``, when those sets are all of ``sets``."""
    given = {frozenset(s) for s in sets if isinstance(s, tuple)}
    ids = criterion.value_ids
    if not ids or 2 ** (len(ids) - 1) > len(given):
        return []  # a value is held by 2^(n-1) sets: fewer given sets cannot hold them all (no power set built)
    every = [frozenset(c) for n in range(1, len(ids) + 1) for c in combinations(ids, n)]
    chosen = [v for v in ids if all(s in given for s in every if v in s)]
    covered = {s for s in every if any(v in s for v in chosen)}
    return chosen if chosen and covered == given else []


def _pair(change: Change, catalogue: Catalogue) -> str:
    """'startup were Slow is fine and density Low'."""
    (first, value), *rest = change.changes
    head = f"{_words(first)} were {_label(catalogue[first], value)}"
    return " and ".join([head] + [f"{_words(c)} {_label(catalogue[c], v)}" for c, v in rest])


def _words(criterion_id: str) -> str:
    return criterion_id.replace("_", " ")


def _label(criterion: Criterion, value: NeedValue) -> str:
    """A value by its label; a set as '[Linux, Windows]'."""
    if isinstance(value, tuple):
        return "[" + ", ".join(criterion.value(v).label for v in value) + "]"
    return criterion.value(value).label


def _value(value: NeedValue) -> str:
    """A value as written in a requirement file: `strong`, or `[linux, windows]` for a set."""
    return f"[{', '.join(value)}]" if isinstance(value, tuple) else value



def near_miss_sentences(insight: Insight, ruleset: RuleSet) -> list[str]:
    """One sentence per rule that failed on a single part of its condition."""
    return [_near_miss_sentence(m, ruleset.rule(m.rule), ruleset) for m in insight.near_misses]


def _near_miss_sentence(miss: NearMiss, rule: Rule, ruleset: RuleSet) -> str:
    answered = "you did not answer it" if miss.answered is None else f"you answered {_value(miss.answered)}"
    return (f"{miss.rule} ({effect(rule, ruleset)}) failed only on \"{miss.part}\" ({answered}); "
            f"{miss.criterion}: {_value(miss.answer)} would make it fire.")


def effect(rule: Rule, ruleset: RuleSet) -> str:
    """What a rule does, briefly: '+2 Bare metal, -1 Virtual machine', 'excludes Container'."""
    parts = [f"{points:+d} {ruleset.option(option).label}" for option, points in rule.points]
    parts += [f"excludes {ruleset.option(option).label}" for option in rule.exclude]
    if rule.advice is not None:
        parts.append(f"advice for {ruleset.option(rule.advice.option).label}")
    return ", ".join(parts)

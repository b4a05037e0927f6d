"""Insight as sentences, shared by the text and Markdown renderers: what would change the answer, and
the near misses. Criterion and value names are those of requirement files, so a sentence says what to
write."""
from __future__ import annotations

from ..insight import Change, Insight
from ..model import Rule, RuleSet
from ..nearmiss import NearMiss, either
from ..requirements import NeedValue

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
    return [_winner_sentence(ruleset.option(w).label, ways) for w, ways in by_winner.items()] + sampled


def _winner_sentence(label: str, ways: list[Change]) -> str:
    items = _grouped_singles([c for c in ways if len(c.changes) == 1])
    items += [(_pair(c), 1) for c in ways if len(c.changes) > 1]
    shown = ", or ".join(f"if {text}" for text, _ in items[:MAX_WAYS])
    hidden = sum(count for _, count in items[MAX_WAYS:])
    return f"{label} would win {shown}" + (f" (and {hidden} more ways)" if hidden else "") + "."


def _grouped_singles(singles: list[Change]) -> list[tuple[str, int]]:
    """One item per criterion: 'workload_type were microservices, web_app or batch_jobs'."""
    values: dict[str, list[str]] = {}
    for change in singles:
        (criterion, value), = change.changes
        values.setdefault(criterion, []).append(_value(value))
    return [(f"{criterion} were {either(vs)}", len(vs)) for criterion, vs in values.items()]


def _pair(change: Change) -> str:
    """'startup were slow_ok and density low'."""
    (first, value), *rest = change.changes
    return " and ".join([f"{first} were {_value(value)}"] + [f"{c} {_value(v)}" for c, v in rest])


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

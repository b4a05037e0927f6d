"""A portfolio at a glance: the summary block at the top of the text and Markdown forms (counts per
option and confidence, close calls, errors), and with ``--group-by LABEL`` the same counts per
value of a label. Every answer is first reduced to a small :class:`Tally`, so that the writer keeps
a few words per workload, not the answers."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from ..errors import InputError
from ..insight import confidence
from ..model import RuleSet
from ..records import NamedTuple
from ..result import CLEAR, CLOSE, NO_BASIS, QUALIFIED, TIE, Result
from .markdown import escape

NO_FIT = "no_fit"
ERROR = "error"
NONE_GROUP = "(none)"  # workloads without the label
CONFIDENCES = (CLEAR, CLOSE, QUALIFIED, TIE)
CLOSE_CALLS = (CLOSE, TIE)  # one strong answer, or the tie-break order, decides them


class Tally(NamedTuple):
    outcome: str  # an option id, NO_FIT, NO_BASIS or ERROR
    confidence: str  # clear | close | qualified | tie; "" otherwise
    group: str  # the --group-by label's value (NONE_GROUP without it); "" for an error or no grouping


def tally(answer: Result | InputError, group_by: str | None = None) -> Tally:
    if isinstance(answer, InputError):
        return Tally(ERROR, "", "")
    label = confidence(answer) or ""
    if answer.recommendation is not None:
        outcome = answer.recommendation
    else:
        outcome = NO_BASIS if label == NO_BASIS else NO_FIT
    group = dict(answer.labels).get(group_by, NONE_GROUP) if group_by else ""
    return Tally(outcome, label if answer.recommendation is not None else "", group)


class Counts(NamedTuple):
    workloads: int
    outcomes: Counter
    confidences: Counter  # (outcome, confidence) -> count
    errors: int

    @property
    def close_calls(self) -> int:
        return sum(n for (_, c), n in self.confidences.items() if c in CLOSE_CALLS)


def count(tallies: Iterable[Tally]) -> Counts:
    items = list(tallies)
    outcomes = Counter(t.outcome for t in items)
    return Counts(len(items), outcomes, Counter((t.outcome, t.confidence) for t in items if t.confidence),
                  outcomes.get(ERROR, 0))


def _outcome_rows(counts: Counts, ruleset: RuleSet) -> list[tuple[str, int, str]]:
    """(label, count, detail) per option in options.yaml order, then no fit and no basis."""
    rows = []
    for option in ruleset.options:
        detail = ", ".join(f"{c} {counts.confidences[(option.id, c)]}" for c in CONFIDENCES
                           if counts.confidences[(option.id, c)])
        rows.append((option.label, counts.outcomes.get(option.id, 0), detail))
    rows.append(("No fit", counts.outcomes.get(NO_FIT, 0), "every option excluded by conflicting needs"))
    rows.append(("No basis", counts.outcomes.get(NO_BASIS, 0), "too little answered to prefer an option"))
    return rows


def _headline(counts: Counts) -> str:
    answered = counts.workloads - counts.errors
    errors = f", {counts.errors} error{'s' * (counts.errors != 1)}" if counts.errors else ""
    return f"{counts.workloads:,} workloads: {answered:,} answered{errors}"


def summary_text(tallies: Iterable[Tally], ruleset: RuleSet) -> str:
    counts = count(tallies)
    rows = _outcome_rows(counts, ruleset) + [("Close calls", counts.close_calls, "close or tie: one strong answer could change them")]
    if counts.errors:
        rows.append(("Errors", counts.errors, "inputs that could not be read; see standard error"))
    width = max(len(r[0]) for r in rows)
    digits = max(len(f"{r[1]:,}") for r in rows)
    lines = [f"Summary: {_headline(counts)}"]
    lines += [f"  {label:<{width}}  {n:>{digits},}" + (f"  ({detail})" if detail and n else "") for label, n, detail in rows]
    return "\n".join(lines) + "\n"


def summary_markdown(tallies: Iterable[Tally], ruleset: RuleSet) -> str:
    counts = count(tallies)
    rows = _outcome_rows(counts, ruleset) + [("Close calls", counts.close_calls, "close or tie")]
    if counts.errors:
        rows.append(("Errors", counts.errors, "inputs that could not be read"))
    lines = [f"**Summary:** {_headline(counts)}", "", "| Outcome | Workloads | Confidence |", "|---|---:|---|"]
    lines += [f"| {escape(label)} | {n:,} | {escape(detail) if n else ''} |" for label, n, detail in rows]
    return "\n".join(lines) + "\n"


def _group_table(tallies: list[Tally], ruleset: RuleSet) -> tuple[list[str], list[list[str]]]:
    headings = ["workloads", *(o.label for o in ruleset.options), "no fit", "no basis", *CONFIDENCES]
    groups: dict[str, list[Tally]] = {}
    for t in tallies:
        if t.outcome != ERROR:
            groups.setdefault(t.group, []).append(t)
    body = []
    for group in sorted(groups, key=lambda g: (g == NONE_GROUP, g.casefold())):
        counts = count(groups[group])
        by_confidence = Counter(t.confidence for t in groups[group] if t.confidence)
        body.append([group, str(counts.workloads), *(str(counts.outcomes.get(o.id, 0)) for o in ruleset.options),
                     str(counts.outcomes.get(NO_FIT, 0)), str(counts.outcomes.get(NO_BASIS, 0)),
                     *(str(by_confidence.get(c, 0)) for c in CONFIDENCES)])
    return headings, body


def groups_text(tallies: Iterable[Tally], ruleset: RuleSet, key: str) -> str:
    headings, body = _group_table(list(tallies), ruleset)
    table = [[key.upper(), *(h.upper() for h in headings)], *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [f"By {key} (errors not counted):"]
    lines += ["  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
              for row in table]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def groups_markdown(tallies: Iterable[Tally], ruleset: RuleSet, key: str) -> str:
    headings, body = _group_table(list(tallies), ruleset)
    lines = [f"**By {escape(key)}** (errors not counted)", "",
             "| " + " | ".join([escape(key), *map(escape, headings)]) + " |",
             "|---|" + "---:|" * len(headings)]
    lines += ["| " + " | ".join([escape(row[0]), *row[1:]]) + " |" for row in body]
    return "\n".join(lines) + "\n"

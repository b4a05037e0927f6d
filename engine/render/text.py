"""The human text form: the recommendation, how firm it is, and its strongest reasons first, then why
not each other option, then the sources cited. With insight: what would change it, and near misses."""
from __future__ import annotations

from ..insight import confidence
from ..labels import labels_text
from ..model import RuleSet
from ..result import AdviceNote, Reason, Result
from .safe import printable
from .sentences import change_sentences, near_miss_sentences
from .style import _POINTS, PLAIN, Style, wrap_lines

SOURCES_HOW = "  (to read one: deploy-advisor source ANCHOR, e.g. deploy-advisor source {example})"


def render_result(result: Result, ruleset: RuleSet, style: Style = PLAIN) -> str:
    """The justification, wrapped to ``style.width`` with hanging indents, coloured if ``style`` says."""
    cites: dict[str, int] = {}
    lines = [_headline(result, ruleset), ""]
    if result.description:
        lines += [f"  {result.description}", ""]
    if result.labels:
        lines += [f"  Labels: {labels_text(result.labels)}", ""]
    lines += _ranking(result)
    lines += _advice_lines(result, ruleset, cites)
    lines += _change_lines(result, ruleset)
    lines += _why_lines(result, ruleset, cites)
    lines += _near_miss_lines(result, ruleset)
    if cites:  # no empty section: with nothing cited, the why section has said that nothing spoke
        example = next(iter(cites)).split("#", 1)[-1]
        lines += ["", "Sources:"] + _source_lines(cites, ruleset) + [SOURCES_HOW.format(example=example)]
    lines = [printable(line) for line in lines]  # a name or description is user text
    return "\n".join(_coloured(wrap_lines(lines, style.columns), result, style)) + "\n"


def _coloured(lines: list[str], result: Result, style: Style) -> list[str]:
    """Colour after wrapping (escape codes take no columns): the winner in the headline, points in
    favour green and against red, exclusions red."""
    if not style.color:
        return lines
    out = []
    for index, line in enumerate(lines):
        points = _POINTS.match(line)
        if index == 0 and result.recommendation:
            label = result.placement(result.recommendation).label
            line = line.replace(label, style.paint(label, "winner"), 1)
        elif points:
            token = points.group(2).rstrip()
            role = "for" if token.startswith("+") else "against"
            line = points.group(1) + style.paint(token, role) + line[len(points.group(1)) + len(token):]
        elif line.lstrip().startswith("excluded:"):
            line = line.replace("excluded:", style.paint("excluded:", "excluded"), 1)
        out.append(line)
    return out


def _why_lines(result: Result, ruleset: RuleSet, cites: dict[str, int]) -> list[str]:
    if not result.reasons and not result.exclusions:
        deciders = _deciders_text(result).removeprefix("; ")
        return ["", "Why:", "  No rule spoke for or against any option" + (f": {deciders}." if deciders else ".")]
    lines: list[str] = []
    if result.recommendation:
        lines += ["", f"Why {_label(ruleset, result.recommendation)}:"]
        lines += _reason_lines(result.reasons_for(result.recommendation), cites) or ["  no rule spoke for or against it"]
    for placement in result.ranking:
        if placement.option == result.recommendation:
            continue
        lines += ["", _why_not_title(result, placement.option, ruleset)]
        if placement.excluded:
            lines += [f"  excluded: {r.because} [{_cite(r, cites)}]" for r in result.excluded()[placement.option]]
        reasons = _reason_lines(result.reasons_for(placement.option), cites, against_first=True)
        lines += reasons or ([] if placement.excluded else ["  no rule spoke for or against it"])
    return lines


def _change_lines(result: Result, ruleset: RuleSet) -> list[str]:
    if result.insight is None:
        return []
    sentences = change_sentences(result.insight, ruleset, result.recommendation is not None)
    return ["", "What would change it:"] + [f"  {s}" for s in sentences]


def _near_miss_lines(result: Result, ruleset: RuleSet) -> list[str]:
    if result.insight is None or not result.insight.near_misses:
        return []
    sentences = near_miss_sentences(result.insight, ruleset)
    return ["", "Near misses (rules that one answer would have fired):"] + [f"  {s}" for s in sentences]


def _source_lines(cites: dict[str, int], ruleset: RuleSet) -> list[str]:
    lines = []
    for source, number in sorted(cites.items(), key=lambda item: item[1]):
        title = ruleset.anchor_titles.get(source.split("#", 1)[-1], "")
        lines.append(f"  [{number}] {source}" + (f" ({title})" if title else ""))
    return lines


def _headline(result: Result, ruleset: RuleSet) -> str:
    if result.recommendation is None and result.conflicts:
        return f"{result.name}: no option fits: every option is excluded by conflicting needs ({', '.join(result.conflicts)})"
    if result.recommendation is None:
        return f"{result.name}: no basis for a preference: {_no_basis_detail(result, ruleset)}"
    winner = result.placement(result.recommendation)
    if result.qualified_by:
        head = f"{result.name}: {winner.label}, qualified: only as the advice below says (score {winner.score}"
    else:
        head = f"{result.name}: {winner.label} ({confidence(result)}: score {winner.score}"
    if result.tied:
        others = ", ".join(_label(ruleset, o) for o in result.tied if o != result.recommendation)
        return head + f", tied with {others}; the tie-break order picks {winner.label})" + _deciders_text(result)
    if result.margin is None:
        return head + ", the only option not excluded)"
    runner = next(p for p in result.ranking if p.option != result.recommendation and not p.excluded)
    return head + f", {result.margin} ahead of {runner.label})"


def _no_basis_detail(result: Result, ruleset: RuleSet) -> str:
    if result.reasons:
        lean = result.ranking[0]
        detail = f"only one light lean spoke (towards {lean.label})"
    else:
        detail = "no rule spoke for or against any option"
    return detail + _deciders_text(result)


def _deciders_text(result: Result) -> str:
    if not result.deciders:
        return ""
    return "; answering " + _or_list([f"'{c}'" for c in result.deciders]) + " would decide it"


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _ranking(result: Result) -> list[str]:
    width = max(len(p.label) for p in result.ranking)
    out = ["Ranking:"]
    for p in result.ranking:
        note = "  excluded" if p.excluded else ""
        out.append(f"  {p.rank}. {p.label:<{width}}  {p.score:>3}{note}")
    return out


def _advice_lines(result: Result, ruleset: RuleSet, cites: dict[str, int]) -> list[str]:
    """Qualified placements for the winner and the runner-up, each with its own reason and source."""
    out: list[str] = []
    for note in result.advice:
        role = "recommended" if note.option == result.recommendation else "runner-up"
        if note.option == result.recommendation and note.rule in result.qualified_by:
            role = "recommended, required"
        out += [f"  For {_label(ruleset, note.option)} ({role}): {note.text} [{_cite(note, cites)}]",
                f"    because: {note.because}"]
    return ["", "Advice:"] + out if out else []


def _why_not_title(result: Result, option: str, ruleset: RuleSet) -> str:
    placement = result.placement(option)
    if placement.excluded:
        return f"Why not {placement.label} (excluded):"
    if result.recommendation is None:
        return f"{placement.label}:"
    gap = result.placement(result.recommendation).score - placement.score
    return f"Why not {placement.label} ({placement.score}, {gap} behind):"


def _reason_lines(reasons: tuple[Reason, ...], cites: dict[str, int], against_first: bool = False) -> list[str]:
    ordered = sorted(reasons, key=lambda r: ((r.points or 0) if against_first else -(r.points or 0), r.rule))
    return [f"  {r.points:+d}  {r.because} [{_cite(r, cites)}]" for r in ordered]


def _cite(reason: Reason | AdviceNote, cites: dict[str, int]) -> int:
    return _cite_source(reason.source, cites)


def _cite_source(source: str, cites: dict[str, int]) -> int:
    return cites.setdefault(source, len(cites) + 1)


def _label(ruleset: RuleSet, option: str) -> str:
    return ruleset.option(option).label

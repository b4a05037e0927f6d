"""One row per answer for the tabular formats (the text summary, Markdown, CSV): the workload, the
recommendation, each option's score, the margin, the excluded options and the strongest reason."""
from __future__ import annotations

from ..errors import InputError
from ..insight import confidence
from ..model import RuleSet
from ..records import NamedTuple
from ..result import Result
from .safe import printable
from .style import DEFAULT_WIDTH, ellipsis

ERROR = "error"
NO_FIT = "none (conflicting needs)"
NO_BASIS = "none (no basis)"


class Row(NamedTuple):
    name: str
    source: str
    recommendation: str  # the option id; "" for an error or when every option is excluded
    label: str  # the option's label, NO_FIT or ERROR
    scores: tuple[tuple[str, int], ...]  # every option, in the order of options.yaml; () for an error
    margin: int | None
    confidence: str | None
    excluded: tuple[str, ...]
    top_reason: str
    error: str = ""  # "file:line:column: code: message" for an input that could not be read
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def margin_text(self) -> str:
        """The margin with its confidence label, as the text and Markdown tables show it."""
        if self.error or not self.recommendation:
            return "-"
        if self.margin is None:
            return "only option"  # every other option is excluded
        return f"{self.margin} ({self.confidence})"


def summary_row(answer: Result | InputError, ruleset: RuleSet) -> Row:
    if isinstance(answer, InputError):
        return _error_row(answer)
    order = {o: i for i, o in enumerate(ruleset.option_ids)}
    scores = tuple(sorted(answer.scores.items(), key=lambda item: order[item[0]]))
    excluded = tuple(p.option for p in answer.ranking if p.excluded)
    label = ruleset.option(answer.recommendation).label if answer.recommendation else \
        NO_FIT if answer.conflicts else NO_BASIS
    return Row(printable(answer.name), printable(str(answer.source)), answer.recommendation or "", label, scores,
               answer.margin, confidence(answer), excluded, printable(top_reason(answer, ruleset)),
               labels=answer.labels)


def _error_row(error: InputError) -> Row:
    first = error.first
    more = f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else ""
    where = f"{first.span.file}:{first.span.line}" if first.span.line else first.span.file
    return Row(printable(where), printable(first.span.file), "", ERROR, (), None, None, (),
               printable(f"{first.code}: {first.message}{more}"), first.format())


def top_reason(result: Result, ruleset: RuleSet) -> str:
    """Why the winner won, in one sentence: its strongest reason for it; failing that, why the others
    are out; with no winner, that every option is excluded."""
    if result.recommendation is None and result.conflicts:
        return "every option is excluded by conflicting needs: " + ", ".join(result.conflicts)
    if result.recommendation is None:
        deciders = ", ".join(result.deciders)
        return "no basis for a preference" + (f"; answer {deciders} to decide" if deciders else "")
    favours = [r for r in result.reasons_for(result.recommendation) if (r.points or 0) > 0]
    if favours:
        return min(favours, key=lambda r: (-(r.points or 0), r.rule)).because
    if result.exclusions:
        return result.exclusions[0].because
    return f"no rule favours any option; the tie-break order picks {ruleset.option(result.recommendation).label}"


def clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with '...' when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3].rstrip() + "..."


TEXT_HEADINGS = ("WORKLOAD", "RECOMMENDATION", "MARGIN", "TOP REASON")
TEXT_NAME_WIDTH = 40
TEXT_REASON_WIDTH = 90


def text_cells(row: Row) -> tuple[str, str, str, str]:
    """The four cells of a row of the text summary, each on one line and clipped (a file name from
    the left, where its last part is)."""
    name = clip_left(row.name, TEXT_NAME_WIDTH) if row.error else clip(row.name, TEXT_NAME_WIDTH)
    return (name, row.label, row.margin_text, clip(row.top_reason, TEXT_REASON_WIDTH))


def clip_left(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else "..." + flat[len(flat) - width + 3:]


MIN_REASON_WIDTH = 20
MIN_NAME_WIDTH = 12


def text_table(cells: list[tuple[str, str, str, str]], width: int = DEFAULT_WIDTH) -> str:
    """The text summary: one aligned line per workload under a heading line, fitted to ``width``
    columns by cutting the reason (the last column) with an ellipsis; never below a readable reason."""
    widths = [max(len(c[i]) for c in [TEXT_HEADINGS, *cells]) for i in range(3)]
    # Too narrow for a readable reason: the workload column gives way first (its names end in '…').
    widths[0] = max(min(widths[0], width - widths[1] - widths[2] - 6 - MIN_REASON_WIDTH), MIN_NAME_WIDTH)
    room = max(width - sum(widths) - 2 * len(widths), MIN_REASON_WIDTH)
    lines = []
    for row in [TEXT_HEADINGS, *cells]:
        name = ellipsis(row[0], widths[0]).ljust(widths[0])
        lines.append("  ".join([name] + [c.ljust(w) for c, w in zip(row[1:3], widths[1:])]) + "  "
                     + ellipsis(row[3], room))
    return "\n".join(line.rstrip() for line in lines) + "\n"

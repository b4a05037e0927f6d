"""`recommend --format html`: the whole portfolio as one self-contained page.

The page opens offline, from disk or from an e-mail attachment: its CSS, charts (inline SVG) and the
little JavaScript that sorts and filters the table are all inside it, and nothing is fetched. Without
JavaScript it still reads top to bottom; printed, it makes a clean PDF.

Like every format, it renders each answer where the answer was evaluated (``html_piece``: a few
escaped HTML strings and the compact facts the summary needs), so that memory stays bounded over
100,000 workloads: the writer counts the facts as they come, keeps the rows and the detail views in
a spooled temporary file, and renders the page around them at the end.

This is the one module that imports Jinja2 (autoescaping on: every name, reason and file name from
the user or a rule file is shown as text, never run).
"""
from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping, TextIO

import jinja2
from markupsafe import Markup

from ..errors import InputError
from ..model import RuleSet
from ..result import CLEAR, STRONG, Result
from .writer import Answer, Writer
from .sentences import change_sentences, near_miss_sentences
from .summary import top_reason


# What the file holds (the page says so): every workload is a row of the table; up to DETAILS_ALL
# workloads each has a detail view, and beyond that only the results that are not clear do, the
# first DETAILS_BEYOND of them in input order. Chosen by measurement (benchmarks/bench_report.py):
# a detail view of a well-answered workload is ~13 KB and a few ms to render, a row ~0.4 KB and
# 0.25 ms, so 100,000 workloads make ~56 MB in about the time of the JSON Lines output (the JSON
# of the same answers is 1.3 GB); every detail view would make 1.3 GB and take minutes more.
DETAILS_ALL = 1000
DETAILS_BEYOND = 1000
TOP = 10  # rules, exclusions and advice notes listed in the summary
PAGE = 1000  # table rows shown at first (and per "show more"); report.js and report.css say the same
SPOOL_BYTES = 8 << 20
CONFIDENCES = ("clear", "close", "qualified", "tie", "no_basis", "conflict")
MARGIN_BUCKETS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10+", "only option")
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class ErrorFact:
    location: str  # file:line:column
    code: str
    message: str
    hint: str
    more: int  # further problems in the same input


@dataclass(frozen=True)
class Facts:
    """What the portfolio summary needs from one answer: small, so 100,000 of them cost little."""

    option: str  # the recommendation; "" for none or an error
    confidence: str  # one of CONFIDENCES, or "error"
    margin_bucket: str  # one of MARGIN_BUCKETS, or "" without a recommendation
    decided_by: str  # the rule behind the top reason; "" when none
    excluded: tuple[tuple[str, str], ...]  # (rule, option)
    advice: tuple[tuple[str, str, bool], ...]  # (rule, option, required)
    error: ErrorFact | None = None


@dataclass(frozen=True)
class Piece:
    """One answer rendered: its table row in three parts (the writer adds the link to the detail
    view when the file keeps one) and its detail view."""

    facts: Facts
    attrs: str  # the row's data attributes, for filtering and sorting
    name: str  # the name cell's content
    cells: str  # the other cells
    detail: str


# --- one answer, where it was evaluated ------------------------------------------------------


class Renderer:
    """Renders answers to pieces in one process. Detail views cost most of the time (a few ms each),
    so only those the file may keep are rendered: while this process has seen fewer than DETAILS_ALL
    answers, or fewer than DETAILS_BEYOND unclear ones. An answer's place in the whole run is never
    below its place among this process's answers, so every detail view the writer keeps is rendered,
    whatever --jobs says (a few more are rendered than kept, and dropped)."""

    def __init__(self, ruleset: RuleSet, explain: bool) -> None:
        self.ruleset = ruleset
        self.explain = explain
        self.seen = 0
        self.unclear = 0

    def piece(self, answer: Answer) -> Piece:
        piece = html_piece(answer, self.ruleset, self.explain, self._wants_detail(answer))
        self.seen += 1
        self.unclear += piece.facts.confidence not in (CLEAR, "error")
        return piece

    def _wants_detail(self, answer: Answer) -> bool:
        if isinstance(answer, InputError):
            return False
        unclear = answer.confidence != CLEAR
        return self.seen < DETAILS_ALL or (unclear and self.unclear < DETAILS_BEYOND)


def html_piece(answer: Answer, ruleset: RuleSet, explain: bool, detail: bool = True) -> Piece:
    env = environment()
    if isinstance(answer, InputError):
        facts = _error_facts(answer)
        context: dict[str, Any] = {"error": facts.error, "source": answer.first.span.file}
    else:
        facts = _result_facts(answer)
        context = {"error": None, "source": "", "result": answer, "facts": facts, "labels": _labels(answer),
                   "label": _option_label(answer, ruleset), "reason": top_reason(answer, ruleset)}
    row = env.get_template("row.html.j2").module  # type: ignore[attr-defined]
    text = _detail(answer, ruleset, explain, facts) if detail and isinstance(answer, Result) else ""
    return Piece(facts, str(row.attrs(**context)), str(row.name(**context)), str(row.cells(**context)), text)


def _result_facts(result: Result) -> Facts:
    conflict = result.recommendation is None and bool(result.conflicts)
    return Facts(option=result.recommendation or "",
                 confidence="conflict" if conflict else (result.confidence or "no_basis"),
                 margin_bucket=_margin_bucket(result),
                 decided_by=_decided_by(result),
                 excluded=tuple((r.rule, r.option) for r in result.exclusions),
                 advice=tuple((a.rule, a.option, a.rule in result.qualified_by and a.option == result.recommendation)
                              for a in result.advice))


def _error_facts(error: InputError) -> Facts:
    first = error.first
    span = first.span
    where = ":".join([span.file] + [str(n) for n in (span.line, span.column) if n])
    fact = ErrorFact(where, first.code, first.message, first.hint, len(error.problems) - 1)
    return Facts("", "error", "", "", (), (), fact)


def _margin_bucket(result: Result) -> str:
    if result.recommendation is None:
        return ""
    if result.margin is None:
        return "only option"
    return str(result.margin) if result.margin < 10 else "10+"


def _decided_by(result: Result) -> str:
    """The rule that did most for the winner (the one behind the top reason), or the first exclusion
    when the winner is the only option left; "" with no winner."""
    if result.recommendation is None:
        return ""
    favours = [r for r in result.reasons_for(result.recommendation) if (r.points or 0) > 0]
    if favours:
        return min(favours, key=lambda r: (-(r.points or 0), r.rule)).rule
    return result.exclusions[0].rule if result.exclusions else ""


def _labels(result: Result) -> tuple[tuple[str, str], ...]:
    """The workload's labels (team, environment...), when the input gave any."""
    labels = getattr(result, "labels", None)
    if not labels:
        return ()
    items = labels.items() if isinstance(labels, Mapping) else labels
    return tuple((str(k), ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)) for k, v in items)


def _option_label(result: Result, ruleset: RuleSet) -> str:
    if result.recommendation:
        return ruleset.option(result.recommendation).label
    return "none (conflicting needs)" if result.conflicts else "none (no basis)"


def _detail(result: Result, ruleset: RuleSet, explain: bool, facts: Facts) -> str:
    cites: dict[str, int] = {}

    def cite(source: str) -> int:
        return cites.setdefault(source, len(cites) + 1)

    options = [_option_view(result, p, cite) for p in result.ranking]
    advice = [{"note": a, "label": ruleset.option(a.option).label, "cite": cite(a.source),
               "required": a.rule in result.qualified_by and a.option == result.recommendation,
               "winner": a.option == result.recommendation} for a in result.advice]
    insight = result.insight if explain else None
    changes = change_sentences(insight, ruleset, result.recommendation is not None) if insight is not None else None
    misses = near_miss_sentences(insight, ruleset) if insight is not None else None
    sources = [(n, s, ruleset.anchor_titles.get(s.split("#", 1)[-1], "")) for s, n in cites.items()]
    template = environment().get_template("detail.html.j2")
    return template.render(result=result, facts=facts, label=_option_label(result, ruleset), labels=_labels(result),
                           bars=score_bars(result), options=options, advice=advice, changes=changes,
                           misses=misses, sources=sources, explain=explain,
                           tied=[ruleset.option(o).label for o in result.tied if o != result.recommendation])


def _option_view(result: Result, placement: Any, cite: Any) -> dict[str, Any]:
    reasons = sorted(result.reasons_for(placement.option), key=lambda r: (-(r.points or 0), r.rule))
    return {"placement": placement,
            "winner": placement.option == result.recommendation,
            "gap": (result.placement(result.recommendation).score - placement.score) if result.recommendation else None,
            "for": [(r, cite(r.source)) for r in reasons if (r.points or 0) > 0],
            "against": [(r, cite(r.source)) for r in reversed(reasons) if (r.points or 0) < 0],
            "excluded": [(r, cite(r.source)) for r in result.excluded().get(placement.option, ())]}


# --- charts (inline SVG, geometry here, drawing in the templates) -----------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    y: float
    width: float
    height: float
    value: int
    css: str  # a class naming its colour
    title: str = ""


def score_bars(result: Result) -> dict[str, Any]:
    """One horizontal bar per option, from a zero line (scores may be negative)."""
    scores = [p.score for p in result.ranking]
    low, high = min(0, *scores), max(0, *scores)
    span = max(high - low, 1)
    width, left = 260.0, 0.0
    zero = left + width * (-low) / span
    bars = []
    for i, p in enumerate(result.ranking):
        length = width * abs(p.score) / span
        x = zero if p.score >= 0 else zero - length
        css = "excl" if p.excluded else ("win" if p.option == result.recommendation else "other")
        bars.append(Bar(p.label, x, i * 22.0, max(length, 1.0), 16.0, p.score, css))
    return {"bars": bars, "zero": zero, "width": width, "height": len(bars) * 22.0}


def stacked_chart(counts: Counter, options: list[tuple[str, str]]) -> dict[str, Any]:
    """Recommendations per option (and 'none'), each bar split by confidence."""
    rows = options + [("", "none")]
    totals = {o: sum(counts[(o, c)] for c in CONFIDENCES) for o, _ in rows}
    most = max(totals.values(), default=0) or 1
    width = 420.0
    bars = []
    for i, (option, label) in enumerate(rows):
        x = 0.0
        for conf in CONFIDENCES:
            n = counts[(option, conf)]
            if not n:
                continue
            w = width * n / most
            bars.append(Bar(label, x, i * 30.0, w, 22.0, n, f"c-{conf}", f"{label}: {n} {conf}"))
            x += w
    return {"bars": bars, "rows": [(label, totals[o], i * 30.0) for i, (o, label) in enumerate(rows)],
            "width": width, "height": len(rows) * 30.0}


def margin_chart(margins: Counter) -> dict[str, Any]:
    """The margin distribution: one column per bucket; the close calls (margin STRONG or less) stand out."""
    most = max(margins.values(), default=0) or 1
    height, step = 120.0, 40.0
    bars = []
    for i, bucket in enumerate(MARGIN_BUCKETS):
        n = margins[bucket]
        h = height * n / most
        close = bucket.isdigit() and int(bucket) <= STRONG
        css = "m-tie" if bucket == "0" else ("m-close" if close else "m-clear")
        bars.append(Bar(bucket, i * step, height - h, step - 8, max(h, 0.0), n, css,
                        f"margin {bucket}: {n}" + (" (a tie)" if bucket == "0" else " (a close call)" if close else "")))
    return {"bars": bars, "width": step * len(MARGIN_BUCKETS), "height": height}


def count_bars(items: list[tuple[str, int]]) -> list[tuple[str, int, float]]:
    """(label, count, percent of the largest) for a ranked list drawn as CSS-free SVG bars."""
    most = max((n for _, n in items), default=0) or 1
    return [(label, n, 100.0 * n / most) for label, n in items]


# --- the writer, in the process that owns the output -----------------------------------------


class HtmlWriter(Writer):
    """Counts the facts, spools the rows and detail views, and writes the page at the end."""

    def __init__(self, out: TextIO, ruleset: RuleSet, explain: bool) -> None:
        super().__init__(out)
        self.ruleset = ruleset
        self.explain = explain
        self.count = 0
        self.by_option: Counter = Counter()
        self.margins: Counter = Counter()
        self.deciders: Counter = Counter()
        self.exclusions: Counter = Counter()
        self.advice: Counter = Counter()
        self.required: Counter = Counter()
        self.errors: list[ErrorFact] = []
        self.any_labels = False
        # rows and detail views wait in temporary files: memory for a few MB, disk beyond
        self._rows_file = tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
        self._details_file = tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8", newline="")
        self._row_sizes = array("q")  # three sizes a row: attrs, name, cells
        self._details: list[tuple[int, int, bool]] = []  # (row, size, clear) of the detail views kept so far
        self._kept_beyond = 0

    def add(self, piece: Piece) -> None:
        facts = piece.facts
        self._count(facts)
        self.any_labels = self.any_labels or 'data-l="1"' in piece.attrs
        self._rows_file.write(piece.attrs + piece.name + piece.cells)
        self._row_sizes.extend((len(piece.attrs), len(piece.name), len(piece.cells)))
        clear = facts.confidence in (CLEAR, "error")
        keep = piece.detail and (self.count < DETAILS_ALL or (not clear and self._kept_beyond < DETAILS_BEYOND))
        if keep:
            self._kept_beyond += not clear
            self._details_file.write(piece.detail)
            self._details.append((self.count, len(piece.detail), clear))
        self.count += 1

    def _count(self, facts: Facts) -> None:
        if facts.error is not None:
            self.errors.append(facts.error)
            return
        self.by_option[(facts.option, facts.confidence)] += 1
        if facts.margin_bucket:
            self.margins[facts.margin_bucket] += 1
        if facts.decided_by:
            self.deciders[facts.decided_by] += 1
        for pair in dict.fromkeys(facts.excluded):
            self.exclusions[pair] += 1
        for rule, option, required in facts.advice:
            self.advice[(rule, option)] += 1
            self.required[(rule, option)] += required

    def close(self) -> None:
        try:
            self._write()
        finally:
            self._rows_file.close()
            self._details_file.close()

    def _write(self) -> None:
        beyond = self.count > DETAILS_ALL
        shown = {row for row, _, clear in self._details if not (beyond and clear)}
        template = environment().get_template("report.html.j2")
        for text in template.generate(**self._context(shown), rows=self._rows(shown), details=self._read_details(shown)):
            self.out.write(text)

    def _context(self, shown: set[int]) -> dict[str, Any]:
        ruleset = self.ruleset
        options = [(o.id, o.label) for o in ruleset.options]
        labels = dict(options)
        answered = self.count - len(self.errors)
        confidences = Counter()
        for (_, conf), n in self.by_option.items():
            confidences[conf] += n
        return {
            "date": report_date(),
            "rules_path": ruleset.root,
            "shipped": _is_shipped(ruleset.root),
            "version": _version(),
            "fingerprint": fingerprint(ruleset.root),
            "count": self.count, "answered": answered, "errors": self.errors,
            "confidences": [(c, confidences[c]) for c in CONFIDENCES],
            "options": options,
            "stacked": stacked_chart(self.by_option, options),
            "margins": margin_chart(self.margins),
            "close_calls": sum(self.margins[b] for b in MARGIN_BUCKETS[: STRONG + 1]),
            "deciders": count_bars(self.deciders.most_common(TOP)),
            "exclusions": count_bars([(f"{rule} excludes {labels.get(o, o)}", n)
                                      for (rule, o), n in self.exclusions.most_common(TOP)]),
            "advice": [(rule, labels.get(o, o), _advice_text(ruleset, rule), n, self.required[(rule, o)])
                       for (rule, o), n in self.advice.most_common()],
            "any_labels": self.any_labels,
            "shown": len(shown), "page": PAGE, "details_all": DETAILS_ALL, "details_beyond": DETAILS_BEYOND,
            "explain": self.explain,
            **assets(),
        }

    def _rows(self, shown: set[int]) -> Iterator[dict[str, Any]]:
        self._rows_file.seek(0)
        read = self._rows_file.read
        for row in range(self.count):
            a, n, c = self._row_sizes[3 * row: 3 * row + 3]
            yield {"i": row, "attrs": Markup(read(a)), "name": Markup(read(n)), "cells": Markup(read(c)),
                   "linked": row in shown}

    def _read_details(self, shown: set[int]) -> Iterator[dict[str, Any]]:
        self._details_file.seek(0)
        for row, size, _ in self._details:
            text = self._details_file.read(size)
            if row in shown:
                yield {"i": row, "html": Markup(text)}


def _advice_text(ruleset: RuleSet, rule_id: str) -> str:
    try:
        advice = ruleset.rule(rule_id).advice
    except StopIteration:
        return ""
    return advice.text if advice is not None else ""


def _is_shipped(root: str) -> bool:
    from ..rulefiles import shipped_rules_dir

    try:
        return Path(root).resolve() == shipped_rules_dir().resolve()
    except OSError:
        return False


def _version() -> str:
    from deploy_advisor import __version__  # the package's own version (deploy_advisor/__init__.py)

    return __version__


def report_date() -> str:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible reports)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def fingerprint(root: str) -> str:
    """sha256 over the rule set's files (name and content, in name order): two reports made with the
    same rules show the same fingerprint, wherever the folder was."""
    from ..rulefiles import CATALOGUE_FILE, OPTIONS_FILE, REFERENCE_FILE, rule_files

    folder = Path(root)
    digest = hashlib.sha256()
    try:
        files = sorted({folder / CATALOGUE_FILE, folder / OPTIONS_FILE, folder / REFERENCE_FILE, *rule_files(folder)})
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError as exc:
        return f"unavailable ({exc.strerror})"
    return digest.hexdigest()


@lru_cache(maxsize=1)
def assets() -> dict[str, Any]:
    """The style sheet and script, inlined as they are (not templates), and the script's hash for
    the page's Content-Security-Policy: no other script can run, injected or not."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return {"css": Markup(css), "script": Markup(script), "script_hash": f"sha256-{digest}"}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates, autoescaped; undefined names fail loudly instead of rendering as nothing."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              auto_reload=False)  # templates ship with the package: no stat per render

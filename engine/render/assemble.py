"""JSON Lines answers assembled from parts encoded once: the hot path of large batches.

An answer is mostly the reasons, advice and exclusions of the rules that fired, each the same text in
every answer it appears in; what differs between answers is which of them, the scores and the
ranking they add up to, and the workload's own name, source, labels and needs. So each rule's
fragments are encoded once per rule set, each group's fired rules (an evaluate.Parts member, shared by
every workload with the same sub-profile) are summed up once into a :class:`_Part`, and each line is
joined from those, without building a Result. The rules for ranking, winner, confidence, advice and
deciders are result.build_result's, restated on the parts: tests/test_assemble.py proves the lines
byte for byte equal to ``jsonl_line(build_result(...))``, and the goldens pin both.

Rule sets this restating does not cover (a repeated rule id, an option outside the options or the
tie-break order) take the long way, through build_result.
"""
from __future__ import annotations

import json
from functools import reduce
from itertools import chain
from operator import or_
from typing import Any, NamedTuple

from ..model import RuleSet
from ..result import (CLEAR, CLOSE, DECIDERS_SHOWN, LIGHT, NO_BASIS, QUALIFIED, STRONG, TIE, VIOLATED, _table,
                      build_result)
from .data import _exclusion

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_text = json.encoder.encode_basestring  # a str as JSON (ensure_ascii=False), as _compact writes it
CACHE_LIMIT = 4_096  # entries kept per cache of an assembler; emptied when full
# Parts are the dear ones to remake (their rules' fragments, sorted): 11,000 distinct ones met in 100,000
# generated workloads; a smaller limit emptied them every few thousand lines (17% slower end to end).
PART_LIMIT = 32_768


def _number(value: Any) -> str:
    return str(value) if type(value) is int else _compact(value)  # str(int) is what json writes


class _Part(NamedTuple):
    """What one group's fired rules add to an answer."""

    points: tuple[int, ...]  # per option, in option order
    excluded: int  # bit i: option i is excluded
    exclusions: tuple[tuple[int, int, int, str, str], ...]  # (rule index, position, option, rule id, fragment)
    ranks: tuple[int, ...]  # of its points reasons, in the order of all reasons (see Assembler.__init__)
    strong: bool  # a reason of more than LIGHT points
    violated: int  # bit i: a reason of VIOLATED points or worse against option i
    advice: tuple[tuple[int, str, int, bool, str], ...]  # (rule index, rule id, option, required, fragment)


class _Standing(NamedTuple):
    """What the scores and the excluded options decide, the same for every answer that has them."""

    order: tuple[int, ...]  # option indices, ranked
    eligible: tuple[int, ...]
    margin: int | None
    tied: str  # JSON list
    ranking: str  # '"ranking":[...],"scores":{...}'


class Assembler:
    """One rule set's JSON Lines answers, from a workload and its fired rules per group."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        table = _table(ruleset)
        self.table = table
        options = table.options
        self.options = options
        self.index = {o: i for i, o in enumerate(options)}
        ids = [r.id for r in ruleset.rules]
        named = {o for r in ruleset.rules for o in chain((o for o, _ in r.points), r.exclude,
                                                         [r.advice.option] if r.advice else [])}
        self.fast = len(set(ids)) == len(ids) and named <= set(options) and set(options) <= set(table.tie_order)
        self.rules = {r.id: (i, r) for i, r in enumerate(ruleset.rules)}
        # every points reason of the rule set, in build_result's order: strength, then rule and option,
        # then rule-file order (its sort is stable over the reasons listed in rule order)
        listed = [(reason, i, k) for i, r in enumerate(ruleset.rules) for k, reason in enumerate(table.reasons[r.id][0])]
        listed.sort(key=lambda x: (-abs(x[0].points or 0), x[0].rule, x[0].option, x[1], x[2]))
        self.fragments = [_compact(reason.as_dict()) for reason, _, _ in listed]
        self.rank = {(i, k): n for n, (_, i, k) in enumerate(listed)}
        self.keys = [_text(o) for o in options]
        self.tie_rank = [table.tie_order.get(o, 0) for o in options]  # used only when self.fast: all are there
        self.option_json = [f'{{"option":{_text(o)},"score":' for o in options]
        self._parts: dict[frozenset[str], _Part] = {}
        self._standings: dict[tuple[tuple[int, ...], int], _Standing] = {}
        self._needs: dict[tuple[str, Any], str] = {}
        self._exclusions: dict[tuple[tuple[int, int, int, str, str], ...], str] = {}
        self._files: dict[str, str] = {}  # a source file's name, as the start of its JSON object

    # --- per group ---------------------------------------------------------------------------

    def _part(self, fired: frozenset[str]) -> _Part:
        found = self._parts.get(fired)
        if found is None:
            if len(self._parts) >= PART_LIMIT:
                self._parts.clear()
            found = self._parts[fired] = self._make_part(fired)
        return found

    def _make_part(self, fired: frozenset[str]) -> _Part:
        table, index, ruleset = self.table, self.index, self.ruleset
        points = [0] * len(self.options)
        excluded = violated = 0
        exclusions, ranks, advice = [], [], []
        strong = False
        for i, rule in sorted((self.rules[r] for r in fired if r in self.rules), key=lambda x: x[0]):
            reasons, excluding = table.reasons[rule.id]
            for k, reason in enumerate(reasons):
                points[index[reason.option]] += reason.points or 0
                ranks.append(self.rank[(i, k)])
                strong = strong or abs(reason.points or 0) > LIGHT
                if (reason.points or 0) <= VIOLATED:
                    violated |= 1 << index[reason.option]
            for k, reason in enumerate(excluding):
                excluded |= 1 << index[reason.option]
                exclusions.append((i, k, index[reason.option], rule.id, _compact(_exclusion(reason.as_dict()))))
            if rule.advice is not None:
                note = {"rule": rule.id, "option": rule.advice.option, "text": rule.advice.text,
                        "because": rule.advice.because or rule.because,
                        "source": ruleset.cite(rule.advice.source or rule.source), "file": rule.file, "line": rule.line}
                advice.append((i, rule.id, index[rule.advice.option], rule.advice.required, _compact(note)))
        return _Part(tuple(points), excluded, tuple(exclusions), tuple(ranks), strong, violated, tuple(advice))

    def _standing(self, scores: tuple[int, ...], excluded: int) -> _Standing:
        key = (scores, excluded)
        found = self._standings.get(key)
        if found is not None:
            return found
        if len(self._standings) >= CACHE_LIMIT:
            self._standings.clear()
        # excluded last, then by score, then by the tie-break order (the index keeps sorted's stable order)
        order = tuple([k[3] for k in sorted([(excluded >> i & 1, -scores[i], self.tie_rank[i], i) for i in range(len(scores))])])
        eligible = tuple(i for i in order if not excluded >> i & 1)
        margin = scores[eligible[0]] - scores[eligible[1]] if len(eligible) > 1 else None
        tied = [self.options[i] for i in eligible if scores[i] == scores[eligible[0]]] if margin == 0 else []
        ranking = ",".join(f'{self.option_json[i]}{scores[i]},"excluded":{"true" if excluded >> i & 1 else "false"}}}'
                           for i in order)
        listed = ",".join(f"{self.keys[i]}:{scores[i]}" for i in order)
        found = self._standings[key] = _Standing(order, eligible, margin, _compact(tied) if tied else "[]",
                                                 f'"ranking":[{ranking}],"scores":{{{listed}}}')
        return found

    # --- per answer --------------------------------------------------------------------------

    def line(self, workload: Any, parts: tuple[frozenset[str], ...], end: str = "") -> str:
        """The JSON Lines answer for a workload and its fired rules per group, followed by ``end`` (a
        newline, for a JSON Lines piece: joined in rather than added to a 10 KB string)."""
        if not self.fast:
            from .jsonl import jsonl_line

            return jsonl_line(build_result(self.ruleset, workload, frozenset().union(*parts))) + end
        made = list(map(self._parts.get, parts))
        if None in made:
            made = [m if m is not None else self._part(p) for m, p in zip(made, parts)]
        # the parts' fields side by side (see _Part), each summed up by C-level builtins
        points, excluded_by, exclusions_by, ranks_by, strong_by, violated_by, advice_by = zip(*made)
        scores = tuple(map(sum, zip(*points))) if len(made) > 1 else points[0]
        excluded, violated, strong = reduce(or_, excluded_by), reduce(or_, violated_by), True in strong_by
        standing = self._standing(scores, excluded)
        eligible, margin = standing.eligible, standing.margin
        exclusions = tuple(sorted(chain.from_iterable(exclusions_by)))
        basis = bool(exclusions) or strong or (margin or 0) > LIGHT
        winner = eligible[0] if eligible and basis else None
        advice = list(chain.from_iterable(advice_by)) if eligible else []
        qualified = [rule for _, rule, option, required, _ in sorted(advice) if required and option == winner] \
            if advice else []
        if winner is None:
            label = NO_BASIS if eligible else None
        elif margin == 0:
            label = TIE
        elif qualified:
            label = QUALIFIED
        else:
            label = CLEAR if not violated >> winner & 1 and (margin is None or margin > STRONG) else CLOSE
        top = eligible[:2]
        notes = sorted([(top.index(option), rule, fragment) for _, rule, option, _, fragment in advice if option in top]) \
            if advice else ()
        reasons = ",".join(map(self.fragments.__getitem__, sorted(chain.from_iterable(ranks_by))))
        return "".join((
            '{"name":', _text(workload.name), ',"source":', self._source(workload.source),
            ',"labels":', _compact(dict(workload.labels)) if workload.labels else "{}",
            ',"recommendation":', "null" if winner is None else self.keys[winner],
            ",", standing.ranking, ',"excluded":', self._excluded(exclusions) if exclusions else "{}",
            ',"margin":', "null" if margin is None else str(margin),
            ',"confidence":', "null" if label is None else f'"{label}"',
            ',"qualified_by":', _compact(qualified) if qualified else "[]", ',"deciders":', self._deciders(workload, label),
            ',"tied":', standing.tied,
            ',"conflicts":', _compact(list(dict.fromkeys(e[3] for e in exclusions))) if not eligible else "[]",
            ',"reasons":[', reasons, '],"needs":', self._needs_json(workload.needs),
            ',"advice":[', ",".join([n[2] for n in notes]), '],"what_would_change":null,"near_misses":null}', end))

    def _excluded(self, exclusions: tuple[tuple[int, int, int, str, str], ...]) -> str:
        """The "excluded" object: the same for every answer with the same exclusions (the shipped rules
        make about 150 combinations of them), so made once for each."""
        found = self._exclusions.get(exclusions)
        if found is None:
            if len(self._exclusions) >= CACHE_LIMIT:
                self._exclusions.clear()
            found = self._exclusions[exclusions] = self._make_excluded(exclusions)
        return found

    def _make_excluded(self, exclusions: tuple[tuple[int, int, int, str, str], ...]) -> str:
        if not exclusions:
            return "{}"
        by: dict[int, list[str]] = {}
        for _, _, option, _, fragment in exclusions:
            by.setdefault(option, []).append(fragment)
        return "{" + ",".join(f"{self.keys[o]}:[{','.join(fs)}]" for o, fs in by.items()) + "}"

    def _deciders(self, workload: Any, label: str | None) -> str:
        if label not in (TIE, NO_BASIS):
            return "[]"
        weights = self.table.weights
        answered = {c for c, _ in workload.needs}
        open_ = [c for c in weights if c not in answered]
        return _compact(sorted(open_, key=lambda c: -weights[c])[:DECIDERS_SHOWN])

    def _source(self, source: Any) -> str:
        head = self._files.get(source.file)
        if head is None:
            if len(self._files) >= CACHE_LIMIT:
                self._files.clear()
            head = self._files[source.file] = '{"file":' + _text(source.file)
        document, line = source.document, source.line
        if type(document) is int and type(line) is int and line:  # a JSON Lines line: the common case
            return f'{head},"document":{document},"line":{line}}}'
        out = head
        if document is not None:
            out += ',"document":' + _number(document)
        if line:
            out += ',"line":' + _number(line)
        return out + "}"

    def _needs_json(self, needs: tuple[tuple[str, Any], ...]) -> str:
        cache = self._needs
        pieces = list(map(cache.get, needs))
        if None in pieces:
            for at, found in enumerate(pieces):
                if found is None:
                    if len(cache) >= CACHE_LIMIT:
                        cache.clear()
                    criterion, value = needs[at]
                    pieces[at] = cache[needs[at]] = _text(criterion) + ":" + _compact(
                        list(value) if isinstance(value, tuple) else value)
        return "{" + ",".join(pieces) + "}"

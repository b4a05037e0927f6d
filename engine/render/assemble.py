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
tie-break order, points that are not whole numbers) take the long way, through build_result.
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


def _texts(values: "list[str] | tuple[str, ...]") -> str:
    """A list of str as JSON, as _compact writes it (a fifth of its time)."""
    return "[" + ",".join(map(_text, values)) + "]"
CACHE_LIMIT = 4_096  # entries kept per cache of an assembler; emptied when full
# Parts are the dear ones to remake (their rules' parts, summed): 11,500 distinct ones met in 100,000
# generated workloads; a smaller limit emptied them every few thousand lines (17% slower end to end).
PART_LIMIT = 32_768


def _number(value: Any) -> str:
    return str(value) if type(value) is int else _compact(value)  # str(int) is what json writes


class _Part(NamedTuple):
    """What one unit's fired rules add to an answer (a unit: a group, or a pack of small groups, see
    evaluate.Evaluator.units), in the shapes the line sums fastest: every workload that shares the unit's
    sub-profile shares it, so an answer adds up a handful of these (five for the shipped rules)."""

    points: int  # per option i, its points shifted left by i * Assembler.width (digits may be negative)
    flags: int  # OR-able bits: see STRONG_BIT and the layout above it
    exclusions: tuple[tuple[int, int, int, str, str], ...]  # (rule index, position, option, rule id, fragment)
    advice: tuple[tuple[int, str, int, bool, str], ...]  # (rule index, rule id, option, required, fragment)


class _Standing(NamedTuple):
    """What the scores and the excluded options decide, the same for every answer that has them."""

    eligible: tuple[int, ...]  # option indices, ranked, excluded ones left out
    margin: int | None
    tied: str  # JSON list
    ranking: str  # '"ranking":[...],"scores":{...}'


# An answer's flags (see _Part.flags), from bit 0 up, for n options: n bits "option i is excluded", n bits
# "a reason of VIOLATED points or worse against option i", one "a reason of more than LIGHT points", one
# "some exclusion", one "some advice", then one bit per points reason of the rule set, by its rank in
# build_result's order of reasons (Assembler.fragments). OR-ing a handful of parts' flags is one C call.
STRONG_BIT, EXCLUSIONS_BIT, ADVICE_BIT, RANKS_AT = 0, 1, 2, 3  # after the 2n option bits
CHUNK = 8  # reasons per lookup table: a byte of the rank bits indexes a table of 256 joined fragments


class Assembler:
    """One rule set's JSON Lines answers, from a workload and its fired rules per unit (see _Part)."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        table = _table(ruleset)
        self.table = table
        options = table.options
        self.options = options
        n = len(options)
        self.index = {o: i for i, o in enumerate(options)}
        ids = [r.id for r in ruleset.rules]
        named = {o for r in ruleset.rules for o in chain((o for o, _ in r.points), r.exclude,
                                                         [r.advice.option] if r.advice else [])}
        whole = all(type(p) is int for r in ruleset.rules for _, p in r.points)  # scores are written with %d
        self.fast = (len(set(ids)) == len(ids) and named <= set(options) and set(options) <= set(table.tie_order)
                     and whole)
        self.rules = {r.id: (i, r) for i, r in enumerate(ruleset.rules)}
        # every points reason of the rule set, in build_result's order: strength, then rule and option,
        # then rule-file order (its sort is stable over the reasons listed in rule order)
        listed = [(reason, i, k) for i, r in enumerate(ruleset.rules) for k, reason in enumerate(table.reasons[r.id][0])]
        listed.sort(key=lambda x: (-abs(x[0].points or 0), x[0].rule, x[0].option, x[1], x[2]))
        self.fragments = [_compact(reason.as_dict()) for reason, _, _ in listed]
        self.rank = {(i, k): n for n, (_, i, k) in enumerate(listed)}
        # scores travel packed in one int, a digit of `width` bits per option: a part's digits may be
        # negative, so the sum starts from `bias` (every digit raised by `bound`, more than any score's size)
        bound = 1 + sum(abs(reason.points or 0) for reason, _, _ in listed)
        self.width = (2 * bound).bit_length()
        self.bound = bound
        self.shifts = [i * self.width for i in range(n)]
        self.bias = sum(bound << shift for shift in self.shifts)
        self.flag_at = 2 * n  # STRONG_BIT and the rest are counted from here
        self.ranks_at = 2 * n + RANKS_AT
        self.chunk_count = (len(listed) + CHUNK - 1) // CHUNK
        self.keys = [_text(o) for o in options]
        self.tie_rank = [table.tie_order.get(o, 0) for o in options]  # used only when self.fast: all are there
        self.option_json = [f'{{"option":{_text(o)},"score":' for o in options]
        self._parts: dict[frozenset[str], _Part] = {}
        self._rule_parts: list[_Part | None] = [None] * len(ruleset.rules)  # see _rule_part
        self._standings: dict[int, _Standing] = {}
        self._layouts: dict[tuple[tuple[int, ...], int], tuple[tuple[int, ...], str]] = {}  # see _layout
        # per byte of the rank bits, the fragments its bits stand for, comma-separated ("" for none)
        self._chunks: list[list[str | None]] = [[""] + [None] * 255 for _ in range(self.chunk_count)]
        self._needs: dict[tuple[str, Any], str] = {}
        self._advice: dict[tuple[Any, ...], tuple[str, str]] = {}  # see _advised
        self._exclusions: dict[tuple[tuple[int, int, int, str, str], ...], str] = {}
        self._files: dict[str, str] = {}  # a source file's name, as the start of its JSON object

    # --- per unit ----------------------------------------------------------------------------

    def _part(self, fired: frozenset[str]) -> _Part:
        found = self._parts.get(fired)
        if found is None:
            if len(self._parts) >= PART_LIMIT:
                self._parts.clear()
            found = self._parts[fired] = self._make_part(fired)
        return found

    def _make_part(self, fired: frozenset[str]) -> _Part:
        """A group's part: its rules' own parts (see _rule_part) summed up, in rule-file order."""
        rules = self._rule_parts
        made = [rules[i] if rules[i] is not None else self._rule_part(i, rule)
                for i, rule in sorted(self.rules[r] for r in fired if r in self.rules)] if fired else []
        if len(made) == 1:
            return made[0]
        return _Part(sum(m.points for m in made), reduce(or_, (m.flags for m in made), 0),
                     tuple(chain.from_iterable(m.exclusions for m in made)), tuple(chain.from_iterable(m.advice for m in made)))

    def _rule_part(self, i: int, rule: Any) -> _Part:
        """What rule ``i`` adds to an answer, encoded once: a group's part is the sum of its rules'."""
        table, index, ruleset, at = self.table, self.index, self.ruleset, self.flag_at
        points = flags = 0
        exclusions, advice = [], []
        reasons, excluding = table.reasons[rule.id]
        for k, reason in enumerate(reasons):
            option = index[reason.option]
            points += (reason.points or 0) << (option * self.width)
            flags |= 1 << (self.ranks_at + self.rank[(i, k)])
            if abs(reason.points or 0) > LIGHT:
                flags |= 1 << (at + STRONG_BIT)
            if (reason.points or 0) <= VIOLATED:
                flags |= 1 << (len(self.options) + option)
        for k, reason in enumerate(excluding):
            flags |= 1 << index[reason.option] | 1 << (at + EXCLUSIONS_BIT)
            exclusions.append((i, k, index[reason.option], rule.id, _compact(_exclusion(reason.as_dict()))))
        if rule.advice is not None:
            note = {"rule": rule.id, "option": rule.advice.option, "text": rule.advice.text,
                    "because": rule.advice.because or rule.because,
                    "source": ruleset.cite(rule.advice.source or rule.source), "file": rule.file, "line": rule.line}
            flags |= 1 << (at + ADVICE_BIT)
            advice.append((i, rule.id, index[rule.advice.option], rule.advice.required, _compact(note)))
        made = self._rule_parts[i] = _Part(points, flags, tuple(exclusions), tuple(advice))
        return made

    def _standing(self, total: int, excluded: int) -> _Standing:
        """The ranking for packed scores ``total`` (bias included) and the excluded options' bits."""
        key = total << len(self.options) | excluded
        found = self._standings.get(key)
        if found is not None:
            return found
        if len(self._standings) >= CACHE_LIMIT:
            self._standings.clear()
        mask, bound = (1 << self.width) - 1, self.bound
        scores = [(total >> shift & mask) - bound for shift in self.shifts]
        # excluded last, then by score, then by the tie-break order (the index keeps sorted's stable order)
        order = tuple([k[3] for k in sorted([(excluded >> i & 1, -score, self.tie_rank[i], i)
                                             for i, score in enumerate(scores)])])
        layout = self._layouts.get((order, excluded))
        if layout is None:
            layout = self._layouts[(order, excluded)] = self._layout(order, excluded)
        eligible, template = layout
        margin = scores[eligible[0]] - scores[eligible[1]] if len(eligible) > 1 else None
        tied = [self.options[i] for i in eligible if scores[i] == scores[eligible[0]]] if margin == 0 else ()
        ranked = [scores[i] for i in order]
        found = self._standings[key] = _Standing(eligible, margin, _texts(tied) if tied else "[]",
                                                 template % (*ranked, *ranked))
        return found

    def _layout(self, order: tuple[int, ...], excluded: int) -> tuple[tuple[int, ...], str]:
        """The eligible options of a ranking, and its '"ranking":[...],"scores":{...}' with a %d for each
        score, in order, twice: a few dozen of these (orders and excluded options) serve every answer."""
        ranking = ",".join(f'{self.option_json[i].replace("%", "%%")}%d,"excluded":'
                           f'{"true" if excluded >> i & 1 else "false"}}}' for i in order)
        listed = ",".join(f'{self.keys[i].replace("%", "%%")}:%d' for i in order)
        return tuple(i for i in order if not excluded >> i & 1), f'"ranking":[{ranking}],"scores":{{{listed}}}'

    def _reasons(self, ranks: int) -> str:
        """The points reasons whose rank bits are set, in rank order, comma-separated: a byte of the bits
        at a time, each byte's fragments joined once (the shipped rules' 98 reasons make 13 tables)."""
        octets = ranks.to_bytes(self.chunk_count, "little")
        pieces = list(map(list.__getitem__, self._chunks, octets))
        if None in pieces:
            for c, octet in enumerate(octets):
                if pieces[c] is None:
                    pieces[c] = self._chunks[c][octet] = ",".join(
                        self.fragments[c * CHUNK + b] for b in range(CHUNK) if octet >> b & 1)
        return ",".join(filter(None, pieces))  # a byte with no bit set stands for "", left out

    # --- per answer --------------------------------------------------------------------------

    def line(self, workload: Any, parts: tuple[frozenset[str], ...], end: str = "") -> str:
        """The JSON Lines answer for a workload and its fired rules per unit, followed by ``end`` (a
        newline, for a JSON Lines piece: joined in rather than added to a 10 KB string)."""
        if not self.fast:
            from .jsonl import jsonl_line

            return jsonl_line(build_result(self.ruleset, workload, frozenset().union(*parts))) + end
        made = list(map(self._parts.get, parts))
        if None in made:
            made = [m if m is not None else self._part(p) for m, p in zip(made, parts)]
        # the parts' fields side by side (see _Part), each summed up by a C-level builtin
        points, flags_by, exclusions_by, advice_by = zip(*made)
        flags = reduce(or_, flags_by)
        n, at = len(self.options), self.flag_at
        standing = self._standing(sum(points, self.bias), flags & ((1 << n) - 1))
        eligible, margin = standing.eligible, standing.margin
        exclusions = tuple(sorted(chain.from_iterable(exclusions_by))) if flags >> (at + EXCLUSIONS_BIT) & 1 else ()
        basis = bool(exclusions) or flags >> (at + STRONG_BIT) & 1 or (margin or 0) > LIGHT
        winner = eligible[0] if eligible and basis else None
        if eligible and flags >> (at + ADVICE_BIT) & 1:
            qualified, notes = self._advised(advice_by, winner, eligible[:2])
        else:
            qualified, notes = "[]", ""
        if winner is None:
            label = NO_BASIS if eligible else None
        elif margin == 0:
            label = TIE
        elif qualified != "[]":
            label = QUALIFIED
        else:
            label = CLEAR if not flags >> (n + winner) & 1 and (margin is None or margin > STRONG) else CLOSE
        return "".join((
            '{"name":', _text(workload.name), ',"source":', self._source(workload.source),
            ',"labels":', _compact(dict(workload.labels)) if workload.labels else "{}",
            ',"recommendation":', "null" if winner is None else self.keys[winner],
            ",", standing.ranking, ',"excluded":', self._excluded(exclusions) if exclusions else "{}",
            ',"margin":', "null" if margin is None else str(margin),
            ',"confidence":', "null" if label is None else f'"{label}"',
            ',"qualified_by":', qualified, ',"deciders":', self._deciders(workload, label),
            ',"tied":', standing.tied,
            ',"conflicts":', _texts(list(dict.fromkeys(e[3] for e in exclusions))) if not eligible else "[]",
            ',"reasons":[', self._reasons(flags >> self.ranks_at), '],"needs":', self._needs_json(workload.needs),
            ',"advice":[', notes, '],"what_would_change":null,"near_misses":null}', end))

    def _advised(self, advice_by: tuple[tuple[tuple[int, str, int, bool, str], ...], ...], winner: int | None,
                 top: tuple[int, ...]) -> tuple[str, str]:
        """The "qualified_by" list (JSON) and the "advice" notes (JSON, without brackets) of the parts'
        advice for this winner and these first two options: the same for every answer that has them (half
        the answers of a random corpus meet a combination met among the last few thousand)."""
        key = (advice_by, winner, top)
        found = self._advice.get(key)
        if found is None:
            if len(self._advice) >= CACHE_LIMIT:
                self._advice.clear()
            advice = sorted(chain.from_iterable(advice_by))  # rule-file order
            qualified = [rule for _, rule, option, required, _ in advice if required and option == winner]
            notes = sorted([(top.index(option), rule, fragment) for _, rule, option, _, fragment in advice if option in top])
            found = self._advice[key] = (_texts(qualified) if qualified else "[]", ",".join([n[2] for n in notes]))
        return found

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
        try:
            return "{" + ",".join(map(cache.__getitem__, needs)) + "}"
        except KeyError:  # a need not met before: encoded once
            pass
        pieces = []
        for need in needs:
            piece = cache.get(need)
            if piece is None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                piece = cache[need] = self._need(need)
            pieces.append(piece)
        return "{" + ",".join(pieces) + "}"

    @staticmethod
    def _need(need: tuple[str, Any]) -> str:
        criterion, value = need
        return _text(criterion) + ":" + _compact(list(value) if isinstance(value, tuple) else value)

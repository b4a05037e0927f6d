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
from operator import and_, itemgetter, lshift, or_, sub
from typing import Any

from ..model import RuleSet
from ..records import NamedTuple
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
    """What one unit's fired rules add to an answer (a unit: a group, a cluster of a large one, or a pack, see
    evaluate.Evaluator.units), in the shapes the line sums fastest: every workload that shares the unit's
    sub-profile shares it, so an answer adds up a handful of these (seven for the shipped rules)."""

    points: int  # per option i, its points shifted left by i * Assembler.width (digits may be negative)
    flags: int  # OR-able bits: see the layout below


_points, _flags = itemgetter(0), itemgetter(1)  # a _Part's fields, for map


# An answer's flags (see _Part.flags), from bit 0 up, for n options: n bits "option i is excluded", n bits
# "a reason of VIOLATED points or worse against option i", one "a reason of more than LIGHT points", then
# one bit per exclusion of the rule set (in rule-file order), one per rule with advice (rule-file order),
# and one per points reason, by its rank in build_result's order of reasons (Assembler.fragments). So
# every set an answer is made from (its reasons, exclusions, advice) is an int, OR-ed by one C call, and
# the text of a set is found by that int, or a byte of it (see _reasons), never by hashing tuples.
STRONG_BIT = 0  # after the 2n option bits
CHUNK = 8  # reasons per lookup table: a byte of the rank bits indexes a table of 256 joined fragments
_UNMADE = object()  # a table entry not made yet: true, so kept by filter(None, ...), and no str, so join fails


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
        whole = all(type(p) is int for r in ruleset.rules for _, p in r.points)  # scores are written with %s
        self.fast = (len(set(ids)) == len(ids) and named <= set(options) and set(options) <= set(table.tie_order)
                     and whole)
        self._needs: dict[tuple[str, Any], str] = {}
        self._files: dict[str, str] = {}  # a source file's name, as the start of its JSON object
        if self.fast:  # what follows assumes it (every option indexed, ids distinct)
            self._lay_out(ruleset)

    def _lay_out(self, ruleset: RuleSet) -> None:
        """The bits of the flags (see STRONG_BIT), the fragments they stand for, and the packed scores."""
        table, index, n = self.table, self.index, len(self.options)
        self.rules = {r.id: (i, r) for i, r in enumerate(ruleset.rules)}
        # every points reason of the rule set, in build_result's order: strength, then rule and option,
        # then rule-file order (its sort is stable over the reasons listed in rule order)
        listed = [(reason, i, k) for i, r in enumerate(ruleset.rules) for k, reason in enumerate(table.reasons[r.id][0])]
        listed.sort(key=lambda x: (-abs(x[0].points or 0), x[0].rule, x[0].option, x[1], x[2]))
        self.fragments = [_compact(reason.as_dict()) for reason, _, _ in listed]
        self.rank = {(i, k): rank for rank, (_, i, k) in enumerate(listed)}
        # exclusions and advice in rule-file order: the order build_result lists them in
        excluding = [(i, k, reason) for i, r in enumerate(ruleset.rules) for k, reason in enumerate(table.reasons[r.id][1])]
        self.exclusion_bit = {(i, k): e for e, (i, k, _) in enumerate(excluding)}
        self.exclusions = [(index[reason.option], reason.rule, _compact(_exclusion(reason.as_dict())))
                           for _, _, reason in excluding]
        advised = [(i, r) for i, r in enumerate(ruleset.rules) if r.advice is not None]
        self.advice_bit = {i: a for a, (i, _) in enumerate(advised)}
        self.advice_ids = [r.id for _, r in advised]
        self.advice_notes = [_compact({"rule": r.id, "option": r.advice.option, "text": r.advice.text,
                                       "because": r.advice.because or r.because,
                                       "source": ruleset.cite(r.advice.source or r.source), "file": r.file,
                                       "line": r.line})
                             for _, r in advised]
        # per option, the advice bits naming it, and those whose advice it must follow (see _advised)
        self.advising = [sum(1 << a for a, (_, r) in enumerate(advised) if r.advice.option == o) for o in self.options]
        self.requiring = [sum(1 << a for a, (_, r) in enumerate(advised) if r.advice.option == o and r.advice.required)
                          for o in self.options]
        self.excluded_mask = (1 << n) - 1
        self.strong = 1 << (2 * n + STRONG_BIT)
        self.exclusions_at, self.exclusions_mask = 2 * n + 1, (1 << len(excluding)) - 1
        self.advice_at, self.advice_mask = self.exclusions_at + len(excluding), (1 << len(advised)) - 1
        self.ranks_at = self.advice_at + len(advised)
        self.chunk_count = (len(listed) + CHUNK - 1) // CHUNK
        # scores travel packed in one int, a digit of `width` bits per option: a part's digits may be
        # negative, so the sum starts from `bias` (every digit raised by `bound`, more than any score's size)
        bound = 1 + sum(abs(reason.points or 0) for reason, _, _ in listed)
        self.width = (2 * bound).bit_length()
        self.shifts = [i * self.width for i in range(n)]
        self.digit_mask = (1 << self.width) - 1
        self.bias = sum(bound << shift for shift in self.shifts)
        self.score_texts = [str(digit - bound) for digit in range(1 << self.width)]  # a digit as its score
        # a ranking is sorted as ints, one per option, whose fields from the top are: excluded, the score
        # (subtracted from the largest digit: higher first), the tie-break rank, the option's index
        at = n.bit_length()
        self.index_masks = [(1 << at) - 1] * n
        ties = [table.tie_order[o] << at | i for i, o in enumerate(self.options)]
        self.score_at = [at + max(ties).bit_length()] * n
        top = (1 << self.width) - 1 << self.score_at[0]
        self.sort_bases = [[(excluded >> i & 1) << (self.score_at[0] + self.width) | top | tie
                            for i, tie in enumerate(ties)] for excluded in range(1 << n)]
        self.keys = [_text(o) for o in self.options]
        self.option_json = [f'{{"option":{_text(o)},"score":' for o in self.options]
        self._parts: dict[frozenset[str], _Part] = {}
        self._by_id: dict[str, _Part] = {}  # rule id -> its part (see _rule_part)
        self._layouts: dict[tuple[tuple[int, ...], int], tuple[tuple[int, ...], str]] = {}  # see _layout
        # per byte of the rank bits, the fragments its bits stand for, comma-separated ("" for none)
        self._chunks: list[list[Any]] = [[""] + [_UNMADE] * 255 for _ in range(self.chunk_count)]
        self._notes: dict[int, tuple[int, ...]] = {0: ()}  # see _noted
        self._qualified: dict[int, str] = {}
        self._excluded: dict[int, tuple[str, str]] = {}  # see _exclusions

    # --- per unit ----------------------------------------------------------------------------

    def _part(self, fired: frozenset[str]) -> _Part:
        found = self._parts.get(fired)
        if found is None:
            if len(self._parts) >= PART_LIMIT:
                self._parts.clear()
            found = self._parts[fired] = self._make_part(fired)
        return found

    def _make_part(self, fired: frozenset[str]) -> _Part:
        """A group's part: its rules' own parts (see _rule_part) summed up. A 100,000-workload batch makes
        about 11,500 of these, so the rules' parts are found by id, all at once."""
        by_id = self._by_id
        try:
            made = list(map(by_id.__getitem__, fired))
        except KeyError:  # a rule met for the first time (or not of this rule set: it adds nothing)
            made = [by_id[r] if r in by_id else self._rule_part(*self.rules[r]) for r in fired if r in self.rules]
        if len(made) == 1:
            return made[0]
        return _Part(sum(map(_points, made)), reduce(or_, map(_flags, made), 0))

    def _rule_part(self, i: int, rule: Any) -> _Part:
        """What rule ``i`` adds to an answer, worked out once: a group's part is the sum of its rules'."""
        index = self.index
        points = flags = 0
        reasons, excluding = self.table.reasons[rule.id]
        for k, reason in enumerate(reasons):
            option = index[reason.option]
            points += (reason.points or 0) << (option * self.width)
            flags |= 1 << (self.ranks_at + self.rank[(i, k)])
            if abs(reason.points or 0) > LIGHT:
                flags |= self.strong
            if (reason.points or 0) <= VIOLATED:
                flags |= 1 << (len(self.options) + option)
        for k, reason in enumerate(excluding):
            flags |= 1 << index[reason.option] | 1 << (self.exclusions_at + self.exclusion_bit[(i, k)])
        if rule.advice is not None:
            flags |= 1 << (self.advice_at + self.advice_bit[i])
        made = self._by_id[rule.id] = _Part(points, flags)
        return made

    def _layout(self, order: tuple[int, ...], excluded: int) -> tuple[tuple[int, ...], str]:
        """The eligible options of a ranking, and its '"ranking":[...],"scores":{...}' with a %s for each
        score, in order, twice: a few dozen of these (orders and excluded options) serve every answer."""
        ranking = ",".join(f'{self.option_json[i].replace("%", "%%")}%s,"excluded":'
                           f'{"true" if excluded >> i & 1 else "false"}}}' for i in order)
        listed = ",".join(f'{self.keys[i].replace("%", "%%")}:%s' for i in order)
        made = self._layouts[(order, excluded)] = (tuple(i for i in order if not excluded >> i & 1),
                                                    f'"ranking":[{ranking}],"scores":{{{listed}}}')
        return made

    def _reasons(self, ranks: int) -> str:
        """The points reasons whose rank bits are set, in rank order, comma-separated: a byte of the bits
        at a time, each byte's fragments joined once (the shipped rules' 98 reasons make 13 tables)."""
        octets = ranks.to_bytes(self.chunk_count, "little")
        for c, octet in enumerate(octets):
            if self._chunks[c][octet] is _UNMADE:
                self._chunks[c][octet] = ",".join(self.fragments[c * CHUNK + b] for b in range(CHUNK) if octet >> b & 1)
        return ",".join(filter(None, map(list.__getitem__, self._chunks, octets)))  # "" (no bit set) left out

    # --- per answer --------------------------------------------------------------------------

    def line(self, workload: Any, parts: tuple[frozenset[str], ...], end: str = "") -> str:
        """The JSON Lines answer for a workload and its fired rules per unit, followed by ``end`` (a
        newline, for a JSON Lines piece: joined in rather than added to a 10 KB string).

        The common case of each piece is worked out in this one frame, and a helper called only when a
        table lacks an entry: a call costs about as much as a dict lookup and a piece, and this is the
        hot path of large batches (an answer used to make a dozen calls)."""
        if not self.fast:
            from .jsonl import jsonl_line

            return jsonl_line(build_result(self.ruleset, workload, frozenset().union(*parts))) + end
        # the parts' fields side by side (see _Part), each summed up by a C-level builtin
        try:
            points, flags_by = zip(*map(self._parts.__getitem__, parts))
        except KeyError:  # a part not made yet
            points, flags_by = zip(*map(self._part, parts))
        flags = reduce(or_, flags_by)
        total, excluded = sum(points, self.bias), flags & self.excluded_mask
        # The ranking, from the digits of the packed scores (each a score plus the bias): sorted as ints
        # whose fields are excluded, score, tie-break rank and index (see _lay_out), as build_result ranks.
        # Not cached: a third of a random corpus's answers have scores no other answer has.
        mask = self.digit_mask
        digits = [total >> shift & mask for shift in self.shifts]
        order = tuple(map(and_, sorted(map(sub, self.sort_bases[excluded], map(lshift, digits, self.score_at))),
                          self.index_masks))
        eligible, template = self._layouts.get((order, excluded)) or self._layout(order, excluded)
        if len(eligible) > 1:
            margin = digits[eligible[0]] - digits[eligible[1]]
            tied = _texts([self.options[i] for i in eligible if digits[i] == digits[eligible[0]]]) if margin == 0 else "[]"
        else:
            margin, tied = None, "[]"
        ranked = [self.score_texts[digits[i]] for i in order]
        excluding = flags >> self.exclusions_at & self.exclusions_mask
        basis = excluding or flags & self.strong or (margin or 0) > LIGHT
        winner = eligible[0] if eligible and basis else None
        advised = flags >> self.advice_at & self.advice_mask
        qualified, notes = self._advised(advised, winner, eligible) if eligible and advised else ("[]", "")
        if winner is None:
            label = NO_BASIS if eligible else None
        elif margin == 0:
            label = TIE
        elif qualified != "[]":
            label = QUALIFIED
        else:
            label = CLEAR if not flags >> (len(self.options) + winner) & 1 and (margin is None or margin > STRONG) else CLOSE
        excluded_json, conflicts = self._exclusions(excluding) if excluding else ("{}", "[]")
        try:  # the tables of reasons (see _reasons) and needs (see _needs_json), when they have the entries
            reasons = ",".join(filter(None, map(list.__getitem__, self._chunks,
                                                (flags >> self.ranks_at).to_bytes(self.chunk_count, "little"))))
        except TypeError:
            reasons = self._reasons(flags >> self.ranks_at)
        try:
            needs = "{" + ",".join(map(self._needs.__getitem__, workload.needs)) + "}"
        except KeyError:
            needs = self._needs_json(workload.needs)
        source = workload.source
        head, document, number = self._files.get(source.file), source.document, source.line
        if head is not None and type(document) is int and type(number) is int and number:  # a JSON Lines line
            source_json = f'{head},"document":{document},"line":{number}}}'
        else:
            source_json = self._source(source)
        return "".join((
            '{"name":', _text(workload.name), ',"source":', source_json,
            ',"labels":', _compact(dict(workload.labels)) if workload.labels else "{}",
            ',"recommendation":', "null" if winner is None else self.keys[winner],
            ",", template % (*ranked, *ranked), ',"excluded":', excluded_json,
            ',"margin":', "null" if margin is None else str(margin),
            ',"confidence":', "null" if label is None else f'"{label}"',
            ',"qualified_by":', qualified,
            ',"deciders":', self._deciders(workload) if label == TIE or label == NO_BASIS else "[]",
            ',"tied":', tied, ',"conflicts":', "[]" if eligible else conflicts,
            ',"reasons":[', reasons, '],"needs":', needs,
            ',"advice":[', notes, '],"what_would_change":null,"near_misses":null}', end))

    def _advised(self, advised: int, winner: int | None, eligible: tuple[int, ...]) -> tuple[str, str]:
        """The "qualified_by" list (JSON) and the "advice" notes (JSON, without brackets), for the bits of
        the fired rules with advice (see STRONG_BIT): the notes naming the first two eligible options, in
        that order, then by rule id; the required advice naming the winner, in rule-file order."""
        noted = self._noted(advised & self.advising[eligible[0]])
        if len(eligible) > 1:
            noted += self._noted(advised & self.advising[eligible[1]])
        notes = ",".join(map(self.advice_notes.__getitem__, noted))
        required = advised & self.requiring[winner] if winner is not None else 0
        if not required:
            return "[]", notes
        found = self._qualified.get(required)
        if found is None:
            if len(self._qualified) >= CACHE_LIMIT:
                self._qualified.clear()
            found = self._qualified[required] = _texts([self.advice_ids[a] for a in _bits(required)])
        return found, notes

    def _noted(self, advised: int) -> tuple[int, ...]:
        """The advice bits set in ``advised`` (all naming one option), by rule id. Kept as indices, the
        notes joined on each line: the joined notes of each set met (1,600 sets in 100,000 random
        workloads, 2 KB each) were most of what an assembler's memory grew by."""
        found = self._notes.get(advised)
        if found is None:
            if len(self._notes) >= CACHE_LIMIT:
                self._notes.clear()
            found = self._notes[advised] = tuple(sorted(_bits(advised), key=self.advice_ids.__getitem__))
        return found

    def _exclusions(self, excluding: int) -> tuple[str, str]:
        """The "excluded" object and the "conflicts" list (its rules' ids) of these exclusion bits: the
        same for every answer with the same exclusions (the shipped rules make about 150 combinations)."""
        found = self._excluded.get(excluding)
        if found is None:
            if len(self._excluded) >= CACHE_LIMIT:
                self._excluded.clear()
            chosen = [self.exclusions[e] for e in _bits(excluding)]
            by: dict[int, list[str]] = {}
            for option, _, fragment in chosen:
                by.setdefault(option, []).append(fragment)
            found = self._excluded[excluding] = (
                "{" + ",".join(f"{self.keys[o]}:[{','.join(fs)}]" for o, fs in by.items()) + "}",
                _texts(list(dict.fromkeys(rule for _, rule, _ in chosen))))
        return found

    def _deciders(self, workload: Any) -> str:
        """The unanswered criteria that weigh most (an answer that is a tie or has no basis lists them)."""
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
        """The "needs" object when some need is not in the table yet (line() looks the others up itself):
        each need encoded once."""
        cache = self._needs
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


def _bits(mask: int) -> list[int]:
    """The positions of the bits set in ``mask``, lowest first."""
    return [b for b in range(mask.bit_length()) if mask >> b & 1]

"""JSON Lines cut into units a read at a time (inputs.line_units) give exactly what the obvious
line-at-a-time reading gives: the same lines, numbers, sizes, FLUSH markers and over-long lines,
however the stream happens to be cut into reads."""
from __future__ import annotations

import os
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploy_advisor.engine.batchio.inputs import BOM, FLUSH, LinesUnit, line_units

FLUSHED = "FLUSH"


class PausingStream:
    """A byte stream whose reads return the given pieces, one each; after a piece marked as a pause,
    ``select`` on its file descriptor says it would block (a real, empty pipe), else that it is ready
    (a real pipe with a byte waiting), as a producer that stops for a while would look."""

    def __init__(self, pieces: list[bytes], pauses: list[bool]) -> None:
        self.pieces, self.pauses, self.at = pieces, pauses, 0
        self.ready_r, self.ready_w = os.pipe()
        os.write(self.ready_w, b"x")
        self.idle_r, self.idle_w = os.pipe()
        self.paused = False

    def read1(self, size: int = -1) -> bytes:
        if self.at == len(self.pieces):
            self.paused = False  # end of stream: a real pipe is readable (end-of-file) now
            return b""
        piece, self.paused = self.pieces[self.at], self.pauses[self.at]
        self.at += 1
        return piece

    def fileno(self) -> int:
        return self.idle_r if self.paused else self.ready_r

    def close(self) -> None:
        for fd in (self.ready_r, self.ready_w, self.idle_r, self.idle_w):
            os.close(fd)


def reference(pieces: list[bytes], pauses: list[bool], max_bytes: int, per: int) -> list:
    """The obvious algorithm: after each piece, every line its newlines complete, over-long ones None;
    units of ``per`` lines, cut short where the stream pauses (then FLUSH); the last line even
    without a newline. A byte order mark is dropped when the first read starts with it (as reading
    always has: a mark cut across two reads is kept)."""
    out: list = []
    run: list[bytes | None] = []
    number = 1
    text = b""
    pieces = list(pieces)
    if pieces and pieces[0].startswith(BOM):
        pieces[0] = pieces[0][len(BOM):]

    def cut(lines: list[bytes | None]) -> None:
        nonlocal number
        for start in range(0, len(lines), per):
            part = lines[start:start + per]
            size = sum(len(line) + 1 if line is not None else max_bytes for line in part)
            out.append((number, part, size))
            number += len(part)

    for piece, pause in zip(pieces, pauses):
        text += piece
        *complete, text = text.split(b"\n")
        run += [None if len(line) > max_bytes else line for line in complete]
        if pause:
            cut(run)
            run = []
            out.append(FLUSHED)
    if text:
        run.append(None if len(text) > max_bytes else text)
    cut(run)
    return out


def observed(units: list) -> list:
    return [FLUSHED if unit is FLUSH else (unit.first, unit.lines, unit.size) for unit in units]


line = st.one_of(
    st.binary(max_size=12).map(lambda raw: raw.replace(b"\n", b"")),
    st.sampled_from([b"", b"\r", b" ", b'{"name": "a"}', b'{"name": "a"}\r', b"\xff\xfe", BOM, b"\x00"]),
    st.integers(10, 60).map(lambda n: b"y" * n),  # often over max_bytes
)


@st.composite
def streams(draw) -> tuple[list[bytes], list[bool], bool]:
    lines = draw(st.lists(line, max_size=40))
    data = (BOM if draw(st.booleans()) else b"") + b"\n".join(lines) + (b"\n" if draw(st.booleans()) else b"")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=30))  # anything at all, newlines and a late mark included
    sizes = draw(st.lists(st.integers(1, 25), min_size=1, max_size=8))
    pieces, at = [], 0
    while at < len(data):
        size = sizes[len(pieces) % len(sizes)]
        pieces.append(data[at:at + size])
        at += size
    pauses = draw(st.lists(st.booleans(), min_size=len(pieces), max_size=len(pieces)))
    return pieces, pauses, draw(st.booleans())


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(), st.integers(0, 40), st.integers(1, 7))
def test_units_are_the_lines_a_line_at_a_time_reading_gives(stream, max_bytes, per):
    pieces, pauses, with_head = stream
    if with_head and pieces and not pieces[0].removeprefix(BOM):
        pauses = [False, *pauses[1:]]  # a head that was only the mark: nothing was read, nothing to answer yet
    expected = reference(pieces, pauses, max_bytes, per)
    source = PausingStream(pieces[1:] if with_head and pieces else pieces, pauses[1:] if with_head and pieces else pauses)
    if with_head and pieces:  # standard input: the first read was made to sniff it
        source.paused = pauses[0]
        head = pieces[0]
    else:
        head = b""
    try:
        got = list(line_units(source, "s.jsonl", max_bytes, head=head, interactive=True, lines_per_unit=per))
    finally:
        source.close()
    assert observed(got) == expected
    for unit in got:
        if unit is not FLUSH:  # as a worker process gets it (--jobs)
            assert pickle.loads(pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL)) == unit


def test_a_unit_goes_to_another_process_as_one_block_unless_a_line_is_over_the_limit():
    data = b"a\r\nbb\n" + b"x" * 50 + b"\nc\n\nd"
    got = list(line_units(PausingStream([data], [False]), "s.jsonl", 10, lines_per_unit=2))
    assert [(u.first, u.lines, u.size) for u in got] == [(1, [b"a\r", b"bb"], 6), (3, [None, b"c"], 12), (5, [b"", b"d"], 3)]
    plain, long, last = (pickle.dumps(u, protocol=pickle.HIGHEST_PROTOCOL) for u in got)
    assert b"a\r\nbb" in plain and b"\nd" in last  # one bytes object each: one copy, no memo entry per line
    assert [pickle.loads(p) for p in (plain, long, last)] == got


@pytest.mark.parametrize("lines", [[b"{}", None], [b""], [b"a", b"", b"b"], [b"a\r", b"\xff"]])
def test_units_made_otherwise_survive_pickling_as_they_are(lines):
    unit = LinesUnit("s.jsonl", 3, lines, 9)
    assert pickle.loads(pickle.dumps(unit)) == unit


def test_a_line_that_holds_a_newline_is_refused_rather_than_changed_on_the_way():
    with pytest.raises(ValueError, match="2 lines from line 3 came back as 3"):
        pickle.loads(pickle.dumps(LinesUnit("s.jsonl", 3, [b"a\nb", b"c"], 9)))

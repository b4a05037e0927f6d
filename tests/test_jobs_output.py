"""--jobs N writes the same bytes as --jobs 1, whatever the format, the destination and its encoding.

Workers hand back each task's answers as one bytes object of UTF-8 (batch.Context.run), which the parent
writes straight onto the output's binary buffer when that is the same thing (streams.write_encoded);
for formats that are their answers and nothing else (JSON Lines, YAML) on a file or a pipe, the
workers write those bytes to the output themselves, in input order (batch.Outlet).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from deploy_advisor.engine.batchio.batch import Context, Options, Task
from deploy_advisor.engine.batchio.inputs import LinesUnit
from deploy_advisor.engine.streams import IOV_MAX, write_all, write_encoded, write_pieces

from conftest import EXAMPLES

NEEDS = ({"latency": "critical", "kernel": "custom_required"}, {"startup": "instant"}, {"os_families": ["windows", "linux"]},
         {"hardware_access": "gpu"}, {})


def _corpus(folder: Path, count: int = 1600) -> Path:
    """JSON Lines with names in several scripts, a few broken lines, and enough lines for several tasks."""
    path = folder / "corpus.jsonl"
    lines = []
    for n in range(count):
        if n % 397 == 5:
            lines.append(b"{not json")
        elif n % 541 == 7:
            lines.append(b'{"name": "\xff bad utf-8", "needs": {}}')
        else:
            name = ("caf\u00e9-", "\u6f22\u5b57-", "emoji-\U0001f680-", "plain-")[n % 4] + str(n)
            lines.append(json.dumps({"name": name, "needs": NEEDS[n % len(NEEDS)]}).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", *args],
                          capture_output=True, timeout=300, env=env)


@pytest.mark.parametrize("fmt", ["jsonl", "yaml", "csv", "json"])
def test_jobs_write_the_same_bytes_to_standard_output_and_to_a_file(tmp_path, fmt):
    corpus = _corpus(tmp_path)
    inputs = [str(corpus), str(EXAMPLES)]
    one = _run(["-f", fmt, "--jobs", "1", *inputs])
    assert one.returncode == 1 and one.stdout  # the broken lines are errors; the rest answered
    assert b"\xc3\xa9" in one.stdout or fmt == "csv"  # non-ASCII names made it through as UTF-8
    for jobs in ("2", "4"):
        many = _run(["-f", fmt, "--jobs", jobs, *inputs])
        assert (many.returncode, many.stdout, many.stderr) == (one.returncode, one.stdout, one.stderr)
        target = tmp_path / f"out-{jobs}.{fmt}"
        written = _run(["-f", fmt, "--jobs", jobs, "-o", str(target), *inputs])
        assert written.returncode == one.returncode and target.read_bytes() == one.stdout


def test_an_output_that_is_not_utf8_gets_the_text_in_its_own_encoding(tmp_path):
    """Standard output in UTF-16: the encoded answers must be decoded and re-encoded, never written raw."""
    corpus = _corpus(tmp_path, 600)
    base = _run(["-f", "jsonl", "--jobs", "2", str(corpus)])
    env = {**os.environ, "PYTHONIOENCODING": "utf-16"}
    wide = _run(["-f", "jsonl", "--jobs", "2", str(corpus)], env)
    assert wide.returncode == base.returncode
    assert wide.stdout.decode("utf-16") == base.stdout.decode("utf-8")


def test_a_task_goes_as_utf8_bytes_and_as_text_when_utf8_cannot_encode_it():
    context = Context(Options(format="jsonl"))
    lines = [json.dumps({"name": name, "needs": {"startup": "instant"}}).encode() for name in ("caf\u00e9", "plain")]
    encoded = context.run(Task((LinesUnit("a.jsonl", 1, lines, 0),), True, 0))
    assert len(encoded.pieces) == 2 and all(isinstance(piece, bytes) for piece in encoded.pieces)  # an answer each
    answers = b"".join(encoded.pieces).decode("utf-8").splitlines()
    assert [json.loads(a)["name"] for a in answers] == ["caf\u00e9", "plain"]
    # a lone surrogate, as in a file name that is not UTF-8 (os.fsdecode): the whole task goes as text, in
    # order, for the output stream's own error handler
    odd = context.run(Task((LinesUnit("a.jsonl", 1, lines[:1], 0), LinesUnit("b\udcff.jsonl", 1, lines[1:], 0)), True, 0))
    assert len(odd.pieces) == 1 and isinstance(odd.pieces[0], str) and odd.answered == 2
    first, second = odd.pieces[0].splitlines()
    assert first == answers[0] and '"file":"b\udcff.jsonl"' in second


def test_write_encoded_keeps_order_with_text_written_before(tmp_path):
    path = tmp_path / "out.txt"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("first\n")
        write_encoded(out, "caf\u00e9\n".encode())
        out.write("last\n")
    assert path.read_text(encoding="utf-8") == "first\ncaf\u00e9\nlast\n"
    with open(path, "w", encoding="latin-1") as out:
        write_encoded(out, "caf\u00e9\n".encode())
    assert path.read_bytes() == b"caf\xe9\n"


def test_write_pieces_writes_what_one_joined_write_would(tmp_path):
    """A task's answers go onto the output's descriptor together (writev, IOV_MAX at a time), after what
    the text layer held and before what follows; through a pipe read in small bites (short writes); and
    joined where there is no descriptor to share (a StringIO) or the bytes must be re-encoded."""
    pieces = [f"answer {i} caf\u00e9\n".encode() * (i % 7 + 1) for i in range(IOV_MAX * 2 + 5)]
    joined = b"".join(pieces)
    path = tmp_path / "out.txt"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("first\n")
        write_pieces(out, pieces)
        out.write("last\n")
    assert path.read_bytes() == b"first\n" + joined + b"last\n"
    with open(path, "w", encoding="latin-1") as out:
        write_pieces(out, pieces[:3])
    assert path.read_bytes() == b"".join(pieces[:3]).decode("utf-8").encode("latin-1")
    text = io.StringIO()
    write_pieces(text, pieces)
    assert text.getvalue() == joined.decode("utf-8")
    read, write = os.pipe()
    got = bytearray()
    reader = threading.Thread(target=lambda: [got.extend(chunk) for chunk in iter(lambda: os.read(read, 999), b"")])
    reader.start()
    write_all(write, pieces)
    os.close(write)
    reader.join()
    os.close(read)
    assert bytes(got) == joined


def test_write_pieces_without_writev_writes_the_same(tmp_path, monkeypatch):
    """Where the system has no writev (Windows), the pieces go joined, by write, to the same bytes."""
    monkeypatch.delattr(os, "writev")
    pieces = [f"answer {i}\n".encode() for i in range(IOV_MAX + 3)]
    path = tmp_path / "out.txt"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("first\n")
        write_pieces(out, pieces)
    assert path.read_bytes() == b"first\n" + b"".join(pieces)
    with open(path, "wb") as raw:
        write_all(raw.fileno(), pieces)
    assert path.read_bytes() == b"".join(pieces)


def _chunks(tmp_path: Path, jobs: int, fd: int | None, fmt: str = "jsonl") -> list:
    from deploy_advisor.engine.batchio import batch
    from deploy_advisor.engine.batchio.inputs import discover, units

    context = batch.Context(batch.Options(format=fmt))
    found = discover([str(_corpus(tmp_path, 2400))])
    chunks: list = []
    batch.run(context, units(found.units, 1_000_000, None), chunks.append, jobs, fd)
    return chunks


@pytest.mark.parametrize("fmt", ["jsonl", "yaml"])
def test_workers_write_their_own_answers_in_input_order(tmp_path, fmt):
    """With a shared descriptor every task is written by its worker, none through the parent, and the
    file holds exactly what one process writes."""
    one = b"".join(piece for chunk in _chunks(tmp_path, 1, None, fmt) for piece in chunk.pieces)
    target = tmp_path / "shared.out"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        chunks = _chunks(tmp_path, 3, fd, fmt)
    finally:
        os.close(fd)
    assert len(chunks) > 3 and all(c.written and not c.pieces for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert target.read_bytes() == one


def test_tasks_the_parent_writes_and_tasks_the_workers_write_keep_input_order(tmp_path):
    """Workers hold two tasks each and write a finished one only at its turn, going on with the next
    meanwhile; a task whose answers cannot be UTF-8 (a lone surrogate in a file name, as os.fsdecode
    gives) goes back to the parent, which writes it at its turn. Mixed, with more workers than cores,
    the file still holds exactly what one process writes."""
    from deploy_advisor.engine.batchio import batch

    lines = [json.dumps({"name": f"w-{n}", "needs": NEEDS[n % len(NEEDS)]}).encode() for n in range(500)]
    stream = [LinesUnit(f"part-{u}" + ("-\udcff" if u in (5, 6, 13) else "") + ".jsonl", 1, lines, 0)
              for u in range(24)]

    def encoded(chunk) -> bytes:
        return b"".join(p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p for p in chunk.pieces)

    one: list = []
    context = batch.Context(batch.Options(format="jsonl"))
    batch.run(context, stream, one.append, 1, None)
    target = tmp_path / "shared.out"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    chunks: list = []

    def sink(chunk) -> None:  # as the CLI's: the parent writes what no worker did, at its turn
        if not chunk.written:
            os.write(fd, encoded(chunk))
        chunks.append(chunk)

    try:
        batch.run(context, stream, sink, 4, fd)
    finally:
        os.close(fd)
    assert [c.index for c in chunks] == list(range(24)) and [c.index for c in chunks if not c.written] == [5, 6, 13]
    assert target.read_bytes() == b"".join(encoded(c) for c in one)


def test_a_full_disk_met_by_a_worker_is_the_same_exit_and_line_as_with_one_process(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    corpus = str(_corpus(tmp_path))
    outcomes = []
    for jobs in ("1", "2"):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", "-f", "jsonl",
                                   "--jobs", jobs, corpus], stdout=full, stderr=subprocess.PIPE, timeout=300)
        outcomes.append((done.returncode, done.stderr.decode().splitlines()[-1]))
    assert outcomes[0] == outcomes[1] == (3, "deploy-advisor: cannot write standard output: No space left on device")


def test_a_reader_that_stops_early_ends_the_workers_quietly(tmp_path):
    corpus = str(_corpus(tmp_path, 6000))
    command = [sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", "-f", "jsonl", "--jobs", "2", corpus]
    shell = subprocess.run(" ".join(command) + " | head -c 1000 > /dev/null; echo ${PIPESTATUS[0]}",
                           shell=True, executable="/bin/bash", capture_output=True, timeout=300, text=True)
    assert shell.stdout.strip() == "1"  # the broken lines seen so far count; no traceback, no hang
    assert "Traceback" not in shell.stderr

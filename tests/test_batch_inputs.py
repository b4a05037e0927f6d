"""Inputs of a batch: folders searched in sorted order, links and unreadable folders as errors in their
place, standard input recognised by its content, JSON Lines read as a bounded stream."""
from __future__ import annotations

import io
import os
import shutil

import pytest

from conftest import ROOT
from deploy_advisor.engine.batchio.inputs import (FLUSH, DataUnit, ErrorUnit, FileUnit, LinesUnit, StdinUnit, discover, line_units, read_outcomes, sniff, stdin_units, unit_outcomes,
                                          units)
from deploy_advisor.engine.requirements import Workload
from deploy_advisor.engine.rulefiles import load_ruleset

INPUTS = ROOT / "tests" / "fixtures" / "batch" / "inputs"
GOOD = '{"name": "w", "needs": {"latency": "critical"}}'


@pytest.fixture(scope="module")
def catalogue():
    return load_ruleset(ROOT / "tests" / "fixtures" / "batch" / "rules").catalogue


def names(found) -> list[str]:
    return [u.name if isinstance(u, FileUnit) else f"error:{u.file}" for u in found.units]


def test_a_folder_is_searched_recursively_in_sorted_order_for_requirement_files():
    found = discover([str(INPUTS)])
    assert [os.path.relpath(n, INPUTS) for n in names(found)] == [
        "api.yaml", "array.json", "bad.yaml", "sub/odd-name.yml", "sub/stream.jsonl", "two-documents.yaml"]
    assert found.total_bytes == sum((INPUTS / n).stat().st_size for n in (
        "api.yaml", "array.json", "bad.yaml", "sub/odd-name.yml", "sub/stream.jsonl", "two-documents.yaml"))


def test_files_folders_and_stdin_keep_the_order_given(tmp_path):
    (tmp_path / "b.yaml").write_text("needs: {}\n")
    (tmp_path / "a.txt").write_text("needs: {}\n")  # named explicitly: read whatever its suffix
    found = discover([str(tmp_path / "b.yaml"), "-", str(tmp_path / "a.txt")])
    assert found.units == (FileUnit(str(tmp_path / "b.yaml"), str(tmp_path / "b.yaml")), StdinUnit(),
                           FileUnit(str(tmp_path / "a.txt"), str(tmp_path / "a.txt")))
    assert [type(u) for u in found.units] == [FileUnit, StdinUnit, FileUnit]
    assert found.total_bytes is None  # standard input: no progress fraction


def test_a_symlink_loop_is_an_error_in_its_place_and_the_walk_ends(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(INPUTS / "api.yaml", folder / "sub" / "good.yaml")
    (folder / "sub" / "loop").symlink_to(folder)
    (folder / "z.yaml").symlink_to(folder / "missing.yaml")
    found = discover([str(folder)])
    assert [type(u) for u in found.units] == [FileUnit, ErrorUnit, ErrorUnit]
    assert found.units[1].file.endswith("sub/loop") and found.units[1].code == "symlink-loop"
    assert found.units[2].file.endswith("z.yaml") and found.units[2].code == "not-found"


def test_an_unreadable_folder_is_an_error_in_its_place(tmp_path, monkeypatch):
    (tmp_path / "a.yaml").write_text("needs: {}\n")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([str(tmp_path)])
    assert [type(u) for u in found.units] == [FileUnit, ErrorUnit]
    assert (found.units[1].code, found.units[1].message) == ("unreadable", "cannot read the folder: Permission denied")


def test_a_missing_path_is_an_error(tmp_path):
    (unit,) = discover([str(tmp_path / "nope")]).units
    assert isinstance(unit, ErrorUnit) and unit.code == "not-found"


@pytest.mark.parametrize("head, kind", [
    (b'{"name": "a"}\n{"name": "b"}\n', "jsonl"),
    (b'\xef\xbb\xbf  {"name": "a"}', "jsonl"),
    (b'{"name": "a",\n "needs": {}}\n', "document"),
    (b"{name: flow, needs: {}}\n", "document"),
    (b"[1, 2]\n", "document"),
    (b"name: x\nneeds: {}\n", "document"),
    (b"", "document"),
])
def test_standard_input_is_recognised_by_its_content(head, kind):
    assert sniff(head) == kind


@pytest.mark.parametrize("data, count", [
    (b'{"name": "a", "needs": {"latency": "critical"}}\n{"name": "b"}\n', 2),
    (b'[{"name": "a"}, {"name": "b"}, {"name": "c"}]', 3),
    (b"name: a\nneeds: {latency: critical}\n---\nname: b\n", 2),
    (b'{"name": "a",\n "needs": {"latency": "critical"}}\n', 1),
])
def test_standard_input_in_every_shape(catalogue, data, count):
    outcomes = list(read_outcomes(["-"], catalogue, stdin=io.BytesIO(data)))
    assert len(outcomes) == count and all(isinstance(o, Workload) for o in outcomes), outcomes


def test_standard_input_over_the_limit_is_refused_unless_it_streams(catalogue):
    document = b"name: a\nneeds: {}\n" + b"# padding\n" * 100
    (error,) = list(read_outcomes(["-"], catalogue, max_bytes=100, stdin=io.BytesIO(document)))
    assert error.first.code == "too-large"
    stream = (GOOD + "\n").encode() * 50
    assert len(list(read_outcomes(["-"], catalogue, max_bytes=100, stdin=io.BytesIO(stream)))) == 50


def test_json_lines_stream_in_units_with_exact_line_numbers(catalogue):
    lines = ["\ufeff" + GOOD, "", "   ", GOOD, GOOD + "\r", "{bad", GOOD]
    data = ("\n".join(lines) + "\n").encode()
    got = list(line_units(io.BytesIO(data), "s.jsonl", 1000, lines_per_unit=3))
    assert [(u.first, len(u.lines)) for u in got] == [(1, 3), (4, 3), (7, 1)]
    assert sum(u.size for u in got) == len(data) - 3  # sizes, for the progress bar (the mark not counted)
    outcomes = [o for u in got for o in unit_outcomes(u, catalogue)]
    assert [getattr(o, "source", None) and o.source.line for o in outcomes] == [1, 4, 5, None, 7]
    assert outcomes[0].name == "w"  # the byte order mark is gone
    assert outcomes[3].first.code == "json-syntax" and outcomes[3].first.span.line == 6


def test_a_line_too_long_or_not_utf8_is_an_error_and_memory_stays_bounded(catalogue):
    data = (GOOD + "\n" + "x" * 5000 + "\n" + GOOD + "\n").encode() + b"\xff\xfe\n" + GOOD.encode()
    got = list(line_units(io.BytesIO(data), "s.jsonl", 1000))
    outcomes = [o for u in got for o in unit_outcomes(u, catalogue, 1000)]
    assert [getattr(o, "first", None) and o.first.code for o in outcomes] == [None, "too-large", None, "not-utf8", None]
    assert outcomes[1].first.span.line == 2 and outcomes[3].first.span.line == 4


def test_a_pipe_that_waits_gets_a_flush_so_answers_come_before_the_stream_ends():
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stream, os.fdopen(write, "wb") as pipe:
        pipe.write((GOOD + "\n" + GOOD + "\n").encode())
        pipe.flush()
        produced = line_units(stream, "-", 1000, interactive=True)
        first = next(produced)
        assert isinstance(first, LinesUnit) and len(first.lines) == 2  # both lines, before any end of the stream
        assert next(produced) is FLUSH
        pipe.write((GOOD + "\n").encode())
        pipe.close()
        rest = list(produced)
    assert [len(u.lines) for u in rest if u is not FLUSH] == [1]


def test_stdin_units_stream_json_lines_and_read_documents_whole():
    streamed = list(stdin_units(io.BytesIO(((GOOD + "\n") * 3).encode()), 1000))
    assert [type(u) for u in streamed] == [LinesUnit]
    whole = list(stdin_units(io.BytesIO(b"name: a\n"), 1000))
    assert [(type(u), u.name, u.kind) for u in whole] == [(DataUnit, "-", "yaml")]


def test_units_stream_a_jsonl_file_lazily(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text((GOOD + "\n") * 1200)
    produced = units(discover([str(path)]).units)
    assert len(next(produced).lines) == 500  # the first unit comes before the file is read through
    assert [len(u.lines) for u in produced] == [500, 200]


def test_read_outcomes_is_the_python_entry_point(catalogue):
    outcomes = list(read_outcomes([str(INPUTS)], catalogue))
    assert [o.name if isinstance(o, Workload) else o.first.code for o in outcomes] == [
        "Orders API", "Batch jobs", "Everything excluded", "unknown-criterion", "Pipe | <b>bold</b> *star* =SUM(A1)",
        "Stream one", "unknown-value", "json-syntax", "=1+1", "Kernel lab", "Mixed desktops"]


def test_units_are_typed_records_that_survive_pickling(tmp_path):
    """Work units cross process boundaries (--jobs): each kind comes back as the same typed record."""
    import pickle

    from deploy_advisor.engine.batchio.inputs import Unit, error_unit
    from deploy_advisor.engine.batchio.spreadsheet import file_units

    sheet = tmp_path / "s.csv"
    sheet.write_text("name,latency\nweb,critical\n")
    kinds: list[Unit] = [FileUnit("a.yaml", "a.yaml"), StdinUnit(), DataUnit("-", "json", b"{}"),
                         LinesUnit("-", 1, [b"{}", None], 3), error_unit("x", "not-found", "gone", "check the path"),
                         *file_units(str(sheet), "s.csv", "csv", 1000, None)]
    assert [type(u).__name__ for u in kinds][-1] == "RowsUnit"
    for unit in kinds:
        again = pickle.loads(pickle.dumps(unit))
        assert type(again) is type(unit) and again == unit

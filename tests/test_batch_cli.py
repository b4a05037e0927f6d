"""`recommend` at scale: exit codes, per-input errors, all-or-nothing output files, Ctrl-C, the same
bytes whatever --jobs says, answers streamed through a pipe, bounded reading."""
from __future__ import annotations

import itertools
import json
import os
import select
import signal
import subprocess
import sys

import pytest

from conftest import ROOT, default_signals
from deploy_advisor.engine.batchio import batch
from deploy_advisor.engine.batchio.inputs import FLUSH, LinesUnit
from deploy_advisor.main import main

RULES = str(ROOT / "tests" / "fixtures" / "batch" / "rules")
INPUTS = ROOT / "tests" / "fixtures" / "batch" / "inputs"
GOOD = INPUTS / "api.yaml"
LINE = '{"name": "w%d", "needs": {"latency": "%s", "kernel": "custom_required"}}\n'
DEADLINE = 60  # seconds: a liveness bound for the subprocess tests, not a speed test


def recommend(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", "--rules", RULES, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stream_file(tmp_path, count: int, bad_every: int = 0):
    path = tmp_path / "many.jsonl"
    with path.open("w") as out:
        for i in range(count):
            out.write("not json\n" if bad_every and i % bad_every == 3 else LINE % (i, ("critical", "tolerant")[i % 2]))
    return path


# --- exit codes ------------------------------------------------------------------------------


def test_everything_answered_is_exit_0(capsys):
    code, out, err = recommend(capsys, "--format", "jsonl", str(GOOD), str(INPUTS / "two-documents.yaml"))
    assert code == 0 and err == "" and len(out.splitlines()) == 3


def test_a_bad_input_is_exit_1_an_error_record_in_its_place_and_one_line_on_stderr(capsys):
    code, out, err = recommend(capsys, "--format", "json", str(GOOD), str(INPUTS / "bad.yaml"), str(GOOD))
    records = json.loads(out)
    assert code == 1 and [r["name"] for r in records] == ["Orders API", None, "Orders API"]
    assert records[1]["source"] == {"file": str(INPUTS / "bad.yaml")}
    assert {k: records[1]["error"][k] for k in ("code", "line", "column")} == {"code": "unknown-criterion", "line": 3, "column": 3}
    assert err.count("\n") == 1 and "bad.yaml:3:3: unknown-criterion:" in err


def test_several_problems_in_one_input_are_all_listed_one_line_each(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("name: x\nneeds: {latncy: critical, kernal: custom_required}\n")
    code, _, err = recommend(capsys, str(path))
    lines = err.splitlines()
    assert code == 1 and len(lines) == 2 and "more problem" not in err
    assert "two.yaml:2:9: unknown-criterion" in lines[0] and "'latency'" in lines[0]
    assert "two.yaml:2:27: unknown-criterion" in lines[1] and "'kernel'" in lines[1]


@pytest.mark.parametrize("argv, message", [
    (["--jobs", "-1", "x.yaml"], "--jobs takes a number of processes"),
    (["--max-bytes", "0", "x.yaml"], "--max-bytes takes a positive number"),
    (["-", "-"], "'-' (standard input) can be named only once"),
    (["-o", "/no/such/folder/out.json", "x.yaml"], "cannot write /no/such/folder/out.json: no folder"),
])
def test_usage_errors_are_exit_2_before_any_work(capsys, argv, message):
    code, out, err = recommend(capsys, *argv)
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_an_unknown_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["recommend", "--format", "xml", str(GOOD)])
    assert stop.value.code == 2


def test_a_broken_rule_set_is_exit_2_and_no_output_file(capsys, tmp_path):
    target = tmp_path / "out.json"
    code = main(["recommend", "--rules", str(tmp_path), "-o", str(target), str(GOOD)])
    assert code == 2 and not target.exists() and "missing-file" in capsys.readouterr().err


# --- output files and interruptions ----------------------------------------------------------


def test_an_interrupted_run_leaves_the_output_file_as_it_was(capsys, tmp_path, monkeypatch):
    target = tmp_path / "answers.jsonl"
    target.write_text("the previous answers\n")
    calls = itertools.count()
    real = batch.Context.run

    def interrupted(self, task):
        if next(calls) == 1:
            raise KeyboardInterrupt
        return real(self, task)

    monkeypatch.setattr(batch.Context, "run", interrupted)
    code, _, err = recommend(capsys, "--format", "jsonl", "-o", str(target), str(stream_file(tmp_path, 1200)))
    assert code == 130 and "interrupted" in err
    assert target.read_text() == "the previous answers\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.jsonl", "many.jsonl"]  # no temporary file left


def test_an_output_file_keeps_the_mode_of_the_file_it_replaces(capsys, tmp_path):
    target = tmp_path / "answers.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    assert recommend(capsys, "--format", "csv", "-o", str(target), str(GOOD))[0] == 0
    assert target.read_text().startswith("name,source,") and (target.stat().st_mode & 0o777) == 0o640


def test_ctrl_c_stops_parallel_workers_with_130(tmp_path):
    """A real SIGINT while two worker processes wait on a stream that never ends."""
    child = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "--rules", RULES, "--format", "jsonl",
                              "--jobs", "2", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=default_signals)
    try:
        child.stdin.write((LINE % (1, "critical")).encode())
        child.stdin.flush()
        assert _read_line(child.stdout), "an answer before the stream ends"
        child.send_signal(signal.SIGINT)
        assert child.wait(DEADLINE) == 130
        err = child.stderr.read().decode()
        assert "interrupted" in err and "Traceback" not in err
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_stops_early_stops_the_batch_cleanly(tmp_path, jobs):
    """`recommend ... | head -1`: the closed pipe ends the run (workers too), with no traceback."""
    corpus = stream_file(tmp_path, 6000)
    child = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "--rules", RULES, "--format", "jsonl",
                              "--jobs", jobs, str(corpus)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert json.loads(_read_line(child.stdout))["name"] == "w0"
        child.stdout.close()
        assert child.wait(DEADLINE) == 0
        assert b"Traceback" not in child.stderr.read()
    finally:
        child.kill()
        child.wait()


# --- the same output whatever --jobs says ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "yaml", "markdown", "csv", "jsonl"])
def test_jobs_give_byte_identical_output(capsys, tmp_path, fmt):
    inputs = [str(INPUTS), str(stream_file(tmp_path, 1300, bad_every=97)), str(GOOD)]
    one = recommend(capsys, "--format", fmt, "--jobs", "1", *inputs)
    two = recommend(capsys, "--format", fmt, "--jobs", "2", *inputs)
    assert one == two and one[0] == 1 and one[1]


def test_jobs_give_byte_identical_output_with_explain(capsys, tmp_path):
    inputs = [str(INPUTS), str(stream_file(tmp_path, 1100))]
    one = recommend(capsys, "--format", "jsonl", "--explain", "--jobs", "1", *inputs)
    assert recommend(capsys, "--format", "jsonl", "--explain", "--jobs", "2", *inputs) == one
    assert all(json.loads(line).get("what_would_change") is not None for line in one[1].splitlines()
               if json.loads(line)["name"])


def test_spawned_workers_load_the_rules_themselves_and_agree(capsys, tmp_path, monkeypatch):
    """Where fork is not used (macOS, Windows), workers start from scratch: same output."""
    inputs = [str(INPUTS), str(stream_file(tmp_path, 700))]
    forked = recommend(capsys, "--format", "csv", "--jobs", "2", *inputs)
    monkeypatch.setattr(batch, "_start_method", lambda: "spawn")
    assert recommend(capsys, "--format", "csv", "--jobs", "2", *inputs) == forked


def test_jobs_0_means_one_per_core(capsys):
    from deploy_advisor.commands.recommend import job_count

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert batch.cores() == usable and job_count(0) == usable  # the cores this process may run on
    assert job_count(1) == 1 and job_count(3) == 3
    assert recommend(capsys, "--format", "jsonl", "--jobs", "0", str(GOOD))[0] == 0


# --- streams ---------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_json_lines_answers_come_through_a_pipe_before_the_stream_ends(jobs):
    child = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "--rules", RULES, "--format", "jsonl",
                              "--jobs", jobs, "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for number in (1, 2):
            child.stdin.write((LINE % (number, "critical")).encode())
            child.stdin.flush()
            answer = json.loads(_read_line(child.stdout))
            assert answer["name"] == f"w{number}" and answer["recommendation"] == "bare_metal"
        child.stdin.close()
        assert child.wait(DEADLINE) == 0 and child.stdout.read() == b""
    finally:
        child.kill()
        child.wait()


def _read_line(stream) -> bytes:
    ready, _, _ = select.select([stream], [], [], DEADLINE)
    assert ready, "no answer came"
    return stream.readline()


def test_input_is_read_only_as_fast_as_it_is_answered():
    """Bounded memory: an endless stream is pulled a task at a time (one process), or a few tasks
    ahead (several): never read to the end before answering."""
    context = batch.Context(batch.Options(RULES, "jsonl"))

    class Enough(Exception):
        pass

    for jobs, ahead in ((1, 1), (2, 2 * batch.IN_FLIGHT_PER_JOB + 1)):
        pulled = itertools.count()

        def endless():
            for number in itertools.count(1):
                next(pulled)
                # as line_units reads a line: no b"\n" in it (a unit goes to a worker joined by them)
                yield LinesUnit("endless.jsonl", number, [(LINE % (number, "critical")).rstrip("\n").encode()] * 500, 0)

        seen = []

        def sink(chunk):
            seen.append(next(pulled) - len(seen))  # units pulled when this chunk came out
            if len(seen) == 3:
                raise Enough

        with pytest.raises(Enough):
            batch.run(context, endless(), sink, jobs)
        assert max(seen) <= 3 + ahead, (jobs, seen)


def test_flush_markers_end_a_task_early():
    stream = [LinesUnit("-", 1, [b"a"], 2), FLUSH, LinesUnit("-", 2, [b"b", b"c"], 4)]
    work = list(batch.tasks(stream))
    assert [len(t.units) if isinstance(t, batch.Task) else "FLUSH" for t in work] == [1, "FLUSH", 1]
    assert [t.first for t in work if isinstance(t, batch.Task)] == [True, False]


# --- the Python API ---------------------------------------------------------------------------


def test_answers_iterates_over_files_in_order():
    got = list(batch.answers([INPUTS / "two-documents.yaml", INPUTS / "bad.yaml"], RULES))
    assert [getattr(a, "recommendation", "error") for a in got] == ["vm", "vm", "error"]


def test_recommend_many_streams_needs(advisor):
    from deploy_advisor.engine.api import recommend_many

    answers = recommend_many([{"startup": "instant"}, {"kernel": "custom_required"}] * 600)
    first = next(answers)  # an iterator: the first answer without the rest
    assert first.recommendation == "container" and sum(1 for _ in answers) == 1199


def test_the_cli_default_max_bytes_is_the_loader_s():
    from deploy_advisor.commands import recommend as command
    from deploy_advisor.engine.render.formats import NAMES
    from deploy_advisor.engine.requirements import MAX_FILE_BYTES

    assert command.MAX_FILE_BYTES == MAX_FILE_BYTES and command.FORMATS == NAMES


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_reported_and_the_rest_answered(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "ok.yaml").write_text(GOOD.read_text())
    locked.chmod(0)
    try:
        code, out, err = recommend(capsys, "--format", "jsonl", str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert code == 1 and "unreadable" in err and '"Orders API"' in out



"""`--jobs` workers end when their parent dies, however it dies (SIGKILL and SIGHUP included)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import default_signals

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds workers through /proc")


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGHUP])
def test_workers_end_when_the_parent_is_killed(how):
    parent = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "--jobs", "2", "--no-progress",
                               "-f", "jsonl", "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=default_signals)
    workers: set[int] = set()
    try:
        line = json.dumps({"needs": {"startup": "instant"}}) + "\n"
        parent.stdin.write(line.encode() * 2000)  # a stream still open: the parent waits for more
        parent.stdin.flush()
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = _children(parent.pid)
            time.sleep(0.1)
        assert len(workers) == 2, "the workers never started"
        parent.send_signal(how)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        for worker in workers:
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
        parent.stdin.close()


_DYING_WORKER = """
import json, multiprocessing, os, sys
from deploy_advisor.engine.batchio import batch
from deploy_advisor.engine.batchio.inputs import LinesUnit
from deploy_advisor.engine.errors import RuleError

line = json.dumps({"name": "w", "needs": {"latency": "critical"}}).encode()
stream = [LinesUnit(f"part-{u}.jsonl", 1, [line] * 500, 0) for u in range(12)]
answered = batch.Context.run

def dies_on_the_sixth(self, task):  # inherited by the forked workers
    if task.units[0].name == "part-5.jsonl":
        os._exit(9)
    return answered(self, task)

batch.Context.run = dies_on_the_sixth
context = batch.Context(batch.Options(format="jsonl"))
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT) if sys.argv[1] else None
chunks = []
try:
    batch.run(context, stream, chunks.append, 2, fd)
except RuleError as error:
    (problem,) = error.problems
    print(problem.code, problem.message, file=sys.stderr)
print(json.dumps({"emitted": [c.index for c in chunks], "alive": len(multiprocessing.active_children())}))
"""


@pytest.mark.parametrize("writes_itself", [True, False])
def test_a_worker_that_dies_ends_the_run_with_one_clear_error(tmp_path, writes_itself):
    """A worker killed while it holds tasks (two in hand, one of them maybe waiting for its turn to be
    written): the run stops with engine-failed and the worker's exit code (exit 2 at the command line),
    never hangs (a hang fails by the timeout), and leaves no worker behind; with or without workers
    writing the output themselves."""
    target = str(tmp_path / "out.jsonl") if writes_itself else ""
    done = subprocess.run([sys.executable, "-c", _DYING_WORKER, target], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "engine-failed a worker process stopped (exit code 9)"
    seen = json.loads(done.stdout)
    emitted = seen["emitted"]
    assert emitted == list(range(len(emitted))) and len(emitted) <= 5  # in order, up to the lost task
    assert seen["alive"] == 0

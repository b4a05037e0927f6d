"""`--jobs` benchmark: does spreading a JSON Lines corpus over processes pay, and who pays for it?

    python benchmarks/bench_jobs.py                      # 100,000 workloads; --jobs 1, 2 and 4
    python benchmarks/bench_jobs.py --total 20000 --jobs 1 2
    python benchmarks/bench_jobs.py --profile 2          # also cProfile of the parent under --jobs 2

It writes a seeded corpus of generated workloads (random answers over the shipped catalogue, the
same every run), then, for each number of processes, runs ``deploy-advisor recommend -f jsonl
--no-progress CORPUS -o OUT`` in a fresh process (best of ``--repeat`` runs) and prints:

* wall time, and its ratio to ``--jobs 1`` in the same run (the speed-up);
* CPU time of the parent process (reading, dispatching, writing) and of the workers, and the total
  CPU as a ratio to ``--jobs 1`` (the overhead of splitting the work);
* the peak resident memory of the parent and of the largest worker (flat from 10,000 to 1,000,000
  workloads: ``--total``);
* whether every output is byte for byte the output of ``--jobs 1`` (it must be).

The machine may be shared: the load average is printed, and the CPU figures, which waiting for a core
does not inflate, say what the wall times cannot when another process holds a core.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Runs the command in this child and reports its own CPU and its workers' (reaped, so counted as
# children) on the last line of standard error.
RUNNER = """
import resource, sys
from deploy_advisor.main import main
code = main(sys.argv[1:])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print("CPU", me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, me.ru_maxrss, kids.ru_maxrss, file=sys.stderr)
sys.exit(code)
"""

PROFILED = """
import cProfile, pstats, sys
from deploy_advisor.main import main
profile = cProfile.Profile()
profile.enable()
main(sys.argv[1:])
profile.disable()
pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(15)
"""


def corpus(path: Path, total: int, seed: int = 11) -> None:
    """``total`` workloads, one JSON object a line, each answering a random 60% of the criteria."""
    from deploy_advisor.engine.rulefiles import load_ruleset

    criteria = load_ruleset().catalogue.criteria
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(1, total + 1):
            needs: dict[str, object] = {}
            for criterion in criteria:
                if rng.random() < 0.4:
                    continue
                if criterion.many:
                    needs[criterion.id] = [v for v in criterion.value_ids if rng.random() < 0.4] or [criterion.value_ids[0]]
                else:
                    needs[criterion.id] = rng.choice(criterion.value_ids)
            out.write(json.dumps({"name": f"w{n}", "needs": needs}) + "\n")


def run(jobs: int, source: Path, target: Path) -> tuple[float, float, float, int, int]:
    """Wall seconds, parent CPU seconds, workers' CPU seconds, peak RSS of the parent and of the
    largest worker (KB; with --jobs 1 there is no worker)."""
    command = [sys.executable, "-c", RUNNER, "recommend", "-f", "jsonl", "--no-progress", "--jobs", str(jobs),
               str(source), "-o", str(target)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"--jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]}")
    _, parent, workers, rss, worker_rss = done.stderr.strip().splitlines()[-1].split()
    return wall, float(parent), float(workers), int(rss), int(worker_rss) if jobs > 1 else 0


def digest(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000, help="workloads in the corpus")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the fastest counts")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile the parent process under --jobs N")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "corpus.jsonl"
        corpus(source, args.total)
        print(f"{args.total:,} workloads ({source.stat().st_size / 2**20:.1f} MB), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f} before the runs")
        rows = {}
        for jobs in args.jobs:
            target = Path(folder) / f"out-{jobs}.jsonl"
            best = min((run(jobs, source, target) for _ in range(args.repeat)), key=lambda r: r[0])
            rows[jobs] = (*best, digest(target))
        base_wall, base_parent, base_workers, _, _, base_digest = rows[args.jobs[0]]
        base_cpu = base_parent + base_workers
        print(f"{'jobs':>4}  {'wall':>8}  {'speed-up':>8}  {'parent CPU':>10}  {'workers CPU':>11}  {'total CPU':>9}  "
              f"{'x jobs ' + str(args.jobs[0]):>9}  {'peak RSS parent, worker':>23}  same bytes")
        for jobs, (wall, parent, workers, rss, worker_rss, sha) in rows.items():
            total = parent + workers
            print(f"{jobs:>4}  {wall:7.2f}s  {base_wall / wall:7.2f}x  {parent:9.2f}s  {workers:10.2f}s  {total:8.2f}s  "
                  f"{total / base_cpu:8.2f}x  {rss / 1024:10.0f} MB, {worker_rss / 1024:4.0f} MB  "
                  f"{'yes' if sha == base_digest else 'NO'}")
        print(f"load average {os.getloadavg()[0]:.2f} after the runs; output {Path(folder, f'out-{args.jobs[0]}.jsonl').stat().st_size / 2**20:.0f} MB")
        if args.profile:
            command = [sys.executable, "-c", PROFILED, "recommend", "-f", "jsonl", "--no-progress", "--jobs",
                       str(args.profile), str(source), "-o", str(Path(folder) / "profiled.jsonl")]
            print(subprocess.run(command, capture_output=True, text=True).stderr)
        return 0 if all(row[5] == base_digest for row in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

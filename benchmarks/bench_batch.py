"""Batch-mode benchmark: run it, read the figures, compare them with the targets.

    python benchmarks/bench_batch.py              # 10,000 and 100,000 workloads (a few minutes)
    python benchmarks/bench_batch.py --quick      # 2,000 and 20,000 (about a minute)
    python benchmarks/bench_batch.py --sizes 10000 1000000

It generates workloads over the criteria catalogue (seeded, so every run sees the same corpus), then
prints, each measured in this run on this machine:

* the engine path (durable-rules) and the reference evaluator on the same corpus: workloads per second
  for each, and their ratio (target: the engine within 4x of the reference);
* end to end, JSON Lines in and out through the command line, one process: workloads per second
  (target: at least 10,000 on one core), and the peak memory of the process at each size (target:
  flat between the sizes);
* the same with ``--jobs 2``, and its speed-up over ``--jobs 1`` (target: close to 2 on two cores);
* the command line's start-up time on one small file (target: under 150 ms), as installed (bytecode
  kept) and with every module compiled from source (``PYTHONDONTWRITEBYTECODE=1``).

Times are the best of a few runs (other work on the machine only ever slows a run down).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"ratio": 4.0, "e2e": 10_000, "startup_ms": 150, "memory_growth": 1.25}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(10_000, 100_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 workloads, fewer repeats")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    small, large = (2_000, 20_000) if args.quick else args.sizes
    repeat = 1 if args.quick else args.repeat
    from deploy_advisor.engine.rulefiles import load_ruleset

    ruleset = load_ruleset()
    print(f"deploy-advisor batch benchmark: {len(ruleset.rules)} rules, {len(ruleset.catalogue.criteria)} criteria, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    with tempfile.TemporaryDirectory() as folder:
        files = {n: write_corpus(Path(folder) / f"w{n}.jsonl", ruleset, n, args.seed) for n in (small, large)}
        figures = engine_figures(ruleset, files[small], repeat)
        for n in (small, large):
            figures[f"e2e_{n}"], figures[f"rss_{n}"] = cli_run(files[n], 1, repeat)
        figures[f"e2e_jobs2_{large}"], _ = cli_run(files[large], 2, repeat)
        figures["startup_ms"], figures["startup_cold_ms"] = startup_ms(repeat * 3)
    report(figures, small, large)
    return 0


# --- the corpus ------------------------------------------------------------------------------


def workloads(ruleset, count: int, seed: int):
    """Needs over the whole catalogue: each criterion answered four times in five, with any value(s)."""
    rng = random.Random(seed)
    criteria = ruleset.catalogue.criteria
    for _ in range(count):
        needs = {}
        for criterion in criteria:
            if rng.random() < 0.2:
                continue
            values = criterion.value_ids
            if criterion.many:
                needs[criterion.id] = [v for v in values if rng.random() < 0.4] or [rng.choice(values)]
            else:
                needs[criterion.id] = rng.choice(values)
        yield needs


def write_corpus(path: Path, ruleset, count: int, seed: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for number, needs in enumerate(workloads(ruleset, count, seed), 1):
            out.write(json.dumps({"name": f"w{number}", "needs": needs}) + "\n")
    return path


# --- measurements ----------------------------------------------------------------------------


def best_time(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def engine_figures(ruleset, corpus: Path, repeat: int) -> dict[str, float]:
    """The durable-rules path and the reference evaluator, on the same needs, in this process."""
    from deploy_advisor.engine.api import BATCH
    from deploy_advisor.engine.evaluate import Evaluator
    from deploy_advisor.engine.reference import ReferenceEvaluator

    needs = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        answers = json.loads(line)["needs"]
        needs.append({k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()})
    engine, reference = Evaluator(ruleset, batch=BATCH), ReferenceEvaluator(ruleset)
    assert engine.fired(needs) == reference.fired(needs), "the engine and the reference disagree"
    return {"engine": len(needs) / best_time(lambda: engine.fired(needs), repeat),
            "reference": len(needs) / best_time(lambda: reference.fired(needs), repeat)}


def cli_run(corpus: Path, jobs: int, repeat: int) -> tuple[float, float]:
    """Workloads per second end to end (JSON Lines in and out), and peak memory in MB."""
    count = sum(1 for _ in corpus.open(encoding="utf-8"))
    command = [sys.executable, "-m", "deploy_advisor", "recommend", "--format", "jsonl", "--jobs", str(jobs), str(corpus)]
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        seconds, rss = _measured(command)
        best, peak = min(best, seconds), max(peak, rss)
    return count / best, peak


def _measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time of a command (output discarded) and its peak resident memory, from a fresh
    Python whose only child it is (ru_maxrss of children is the largest child so far)."""
    probe = ("import resource, subprocess, sys, time, json\n"
             "started = time.perf_counter()\n"
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
             "seconds = time.perf_counter() - started\n"
             "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
             "print(json.dumps([seconds, kb, done.returncode]))\n")
    out = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True, cwd=ROOT,
                         env=env)
    seconds, kb, code = json.loads(out.stdout)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return seconds, kb / 1024


def startup_ms(repeat: int) -> tuple[float, float]:
    """Start-up on one small file, best of ``repeat``: as installed (bytecode compiled once and kept,
    here in a temporary folder), and with no bytecode kept (PYTHONDONTWRITEBYTECODE=1: every module
    compiled from source at every start)."""
    example = ROOT / "examples" / "payments-api.yaml"
    command = [sys.executable, "-m", "deploy_advisor", "recommend", str(example)]
    with tempfile.TemporaryDirectory() as cache:
        installed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        installed["PYTHONPYCACHEPREFIX"] = cache
        _measured(command, installed)  # compiles and keeps the bytecode
        warm = min(_measured(command, installed)[0] for _ in range(repeat))
    cold = min(_measured(command, {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})[0] for _ in range(repeat))
    return 1000 * warm, 1000 * cold


# --- the report ------------------------------------------------------------------------------


def report(f: dict[str, float], small: int, large: int) -> None:
    ratio = f["engine"] and f["reference"] / f["engine"]
    growth = f[f"rss_{large}"] / f[f"rss_{small}"]
    speedup = f[f"e2e_jobs2_{large}"] / f[f"e2e_{large}"]
    rows = [
        (f"engine path (durable-rules), {small:,} workloads", f"{f['engine']:,.0f} workloads/s", ""),
        (f"reference evaluator, same {small:,} workloads", f"{f['reference']:,.0f} workloads/s", ""),
        ("engine vs reference", f"{ratio:.2f}x slower", _mark(ratio <= TARGETS["ratio"], "within 4x")),
        (f"end to end, JSON Lines, --jobs 1, {small:,}", f"{f[f'e2e_{small}']:,.0f} workloads/s", ""),
        (f"end to end, JSON Lines, --jobs 1, {large:,}", f"{f[f'e2e_{large}']:,.0f} workloads/s",
         _mark(f[f"e2e_{large}"] >= TARGETS["e2e"], "at least 10,000/s")),
        (f"end to end, JSON Lines, --jobs 2, {large:,}", f"{f[f'e2e_jobs2_{large}']:,.0f} workloads/s",
         _mark(speedup >= 1.6, f"speed-up {speedup:.2f}x over --jobs 1 (close to 2 on two cores)")),
        (f"peak memory, {small:,} workloads", f"{f[f'rss_{small}']:.1f} MB", ""),
        (f"peak memory, {large:,} workloads", f"{f[f'rss_{large}']:.1f} MB",
         _mark(growth <= TARGETS["memory_growth"], f"x{growth:.2f} from {small:,} (flat)")),
        ("start-up, recommend one file (bytecode kept)", f"{f['startup_ms']:.0f} ms",
         _mark(f["startup_ms"] < TARGETS["startup_ms"], "under 150 ms")),
        ("start-up, every module compiled from source", f"{f['startup_cold_ms']:.0f} ms", "(PYTHONDONTWRITEBYTECODE=1)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:>20}  {verdict}")


def _mark(ok: bool, target: str) -> str:
    return f"{'ok  ' if ok else 'MISS'} {target}"


if __name__ == "__main__":
    sys.exit(main())

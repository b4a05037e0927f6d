"""HTML report benchmark: the size of `recommend --format html` and the time to make it, each as a
ratio to floors measured in the same run on the same answers: the JSON output (`--format json`, the
floor) and the compact JSON Lines output (`--format jsonl`).

    python benchmarks/bench_report.py                      # 1,000, 10,000 and 100,000 workloads
    python benchmarks/bench_report.py --sizes 1000 5000    # any sizes
    python benchmarks/bench_report.py --explain            # both formats with --explain

The corpus is bench_batch's (seeded: every run sees the same workloads), JSON Lines in. Each command
writes its file with -o; times are wall times of the whole command (start-up, evaluation, rendering),
the best of --repeat runs, with the peak memory of the process. The report also says how many detail
views the file holds at each size (see DETAILS_ALL and DETAILS_BEYOND in engine/render/html.py).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import _measured, write_corpus  # noqa: E402  (the same corpus and timing as the batch benchmark)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=(1_000, 10_000, 100_000))
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement below 50,000 workloads; the best counts")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    from deploy_advisor.engine.rulefiles import load_ruleset

    ruleset = load_ruleset()
    print(f"deploy-advisor HTML report benchmark: {len(ruleset.rules)} rules, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs{', --explain' if args.explain else ''}\n")
    print(f"{'workloads':>10} {'format':>6} {'MB':>8} {'seconds':>8} {'MB rss':>7} {'size/json':>10} {'time/json':>10} "
          f"{'size/jsonl':>11} {'time/jsonl':>11} {'details':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            corpus = write_corpus(Path(folder) / f"w{n}.jsonl", ruleset, n, args.seed)
            repeat = args.repeat if n < 50_000 else 1
            row = {}
            for fmt in ("json", "jsonl", "html"):
                out = Path(folder) / f"out.{fmt}"
                row[fmt] = measure(corpus, fmt, out, repeat, args.explain)
                details = count_details(out) if fmt == "html" else 0
                out.unlink()  # the JSON of 100,000 answers is over a GB
            for fmt, (size, seconds, rss) in row.items():
                print(f"{n:>10,} {fmt:>6} {size / 1e6:>8.1f} {seconds:>8.2f} {rss:>7.0f} {size / row['json'][0]:>10.3f} "
                      f"{seconds / row['json'][1]:>10.2f} {size / row['jsonl'][0]:>11.3f} {seconds / row['jsonl'][1]:>11.2f} "
                      f"{details if fmt == 'html' else '':>8}", flush=True)
            corpus.unlink()
    print("\nsize/json, time/json: each format's size and wall time as a ratio to --format json's (the floor);"
          "\nsize/jsonl, time/jsonl: the same against --format jsonl (the same answers, compact)")
    return 0


def measure(corpus: Path, fmt: str, out: Path, repeat: int, explain: bool) -> tuple[int, float, float]:
    """(bytes written, best wall seconds, peak MB) of one format over the corpus."""
    command = [sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", "--format", fmt, "-o", str(out),
               str(corpus)] + (["--explain"] if explain else [])
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        seconds, rss = _measured(command, env)
        best, peak = min(best, seconds), max(peak, rss)
    return out.stat().st_size, best, peak


def count_details(path: Path) -> int:
    count = 0
    with path.open(encoding="utf-8") as page:
        for line in page:
            count += line.startswith('<details class="detail"')
    return count


if __name__ == "__main__":
    raise SystemExit(main())

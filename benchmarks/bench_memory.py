"""Memory over many evaluations in one process: sessions deleted, nothing cached without a bound.

    python benchmarks/bench_memory.py [--total 1000000] [--checkpoint 10000]

Streams generated workloads through the Python API (the durable-rules engine, batched) and prints
the resident memory after the first checkpoint and at the end, and their ratio. A flat line means
no growth: the engine's sessions are deleted and nothing accumulates per workload.
"""
from __future__ import annotations

import argparse
import itertools
import random
import time
from typing import Iterator

from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.requirements import Source, Workload


def rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def workloads(advisor: Advisor, seed: int = 7) -> Iterator[Workload]:
    rng = random.Random(seed)
    criteria = advisor.catalogue.criteria
    for n in itertools.count(1):
        needs = []
        for criterion in criteria:
            if rng.random() < 0.4:
                continue
            if criterion.many:
                chosen = tuple(v for v in criterion.value_ids if rng.random() < 0.5) or criterion.value_ids[:1]
                needs.append((criterion.id, chosen))
            else:
                needs.append((criterion.id, rng.choice(criterion.value_ids)))
        yield Workload(f"w{n}", tuple(needs), Source("bench", n, n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--checkpoint", type=int, default=10_000)
    args = parser.parse_args()
    advisor = Advisor()
    start = time.perf_counter()
    first = None
    for done, _ in enumerate(advisor.results(itertools.islice(workloads(advisor), args.total)), start=1):
        if done == args.checkpoint:
            first = rss_mb()
            print(f"after {done:>9,} evaluations: RSS {first:7.1f} MB", flush=True)
        elif done % (args.total // 10 or 1) == 0:
            print(f"after {done:>9,} evaluations: RSS {rss_mb():7.1f} MB ({done / (time.perf_counter() - start):,.0f}/s)", flush=True)
    last = rss_mb()
    print(f"after {args.total:>9,} evaluations: RSS {last:7.1f} MB")
    if first:
        print(f"growth: {last - first:+.1f} MB, ratio {last / first:.3f} (1.0 is flat)")


if __name__ == "__main__":
    main()

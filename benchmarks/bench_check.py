"""`deploy-advisor check` benchmark: how the static analyses scale with the size of a rule set.

    python benchmarks/bench_check.py                 # 50, 250 and 1,000 generated rules
    python benchmarks/bench_check.py --sizes 50 250  # other sizes
    python benchmarks/bench_check.py --profile 250   # cProfile of one check, the 25 costliest functions

It writes realistic rule sets (seeded, the same every run): the shipped catalogue, options and reference
page, and N rules, each testing one to six criteria of the catalogue (a value or a few of a one-value
criterion, any/all of a many-value one or a count, sometimes negated), with points for one or two options
or, one in twenty, an exclusion. Then, for each size, it times in this run on this machine:

* the floor: loading and validating the rule set, what any command does first (``load_ruleset``);
* ``check``: every analysis (conditions, duplicates, conflicts, engine limits), through the command line
  in a child process, as a pre-commit hook runs it;

and prints each as a time and as a ratio to the floor of the same size (target: 250 rules in a few
seconds, and the ratio growing slower than the square of the size). Times are the best of a few runs.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE, MANY = "one", "many"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 250, 1000])
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best counts")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--profile", type=int, metavar="N", help="profile check on N rules instead")
    parser.add_argument("--timeout", type=float, default=1800, help="give up on one check after this many seconds")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.profile:
            return profile(write_rules(Path(folder) / "rules", args.profile, args.seed))
        print(f"deploy-advisor check benchmark: Python {sys.version.split()[0]}, seed {args.seed}\n")
        print(f"{'rules':>6}  {'floor (load)':>12}  {'check':>10}  {'check / floor':>13}  findings")
        for size in args.sizes:
            rules = write_rules(Path(folder) / f"rules{size}", size, args.seed)
            floor = best(lambda: load(rules), args.repeat)
            took, findings = check_time(rules, args.repeat, args.timeout)
            ratio = f"{took / floor:,.0f}x" if took == took else "-"
            shown = f"{took:,.2f} s" if took == took else f"> {args.timeout:,.0f} s"
            print(f"{size:>6}  {floor * 1000:>9,.0f} ms  {shown:>10}  {ratio:>13}  {findings}", flush=True)
    return 0


def best(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def load(rules: Path) -> None:
    """The floor, in a child like check: start-up, then load and validate the rule set."""
    code = f"from deploy_advisor.engine.rulefiles import load_ruleset; load_ruleset({str(rules)!r})"
    subprocess.run([sys.executable, "-c", code], check=True)


def check_time(rules: Path, repeat: int, timeout: float) -> tuple[float, str]:
    times, summary = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "deploy_advisor", "check", str(rules)], capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return float("nan"), "timed out"
        times.append(time.perf_counter() - start)
        summary = _summary(done.stdout)
    return min(times), summary


def _summary(out: str) -> str:
    """'N errors, M warnings' and each finding code's count, from check's text output."""
    codes: dict[str, int] = {}
    for line in out.splitlines():
        found = re.match(r"\S+: ([a-z-]+): ", line)
        if found:
            codes[found.group(1)] = codes.get(found.group(1), 0) + 1
    head = next((line.rsplit(": ", 1)[-1] for line in out.splitlines() if line.startswith("check ")), "?")
    return head + (" (" + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())) + ")" if codes else "")


def profile(rules: Path) -> int:
    from deploy_advisor.engine.authoring.check import check_rules

    profiler = cProfile.Profile()
    profiler.runcall(check_rules, rules)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


# --- generated rule sets ---------------------------------------------------------------------


def write_rules(folder: Path, count: int, seed: int) -> Path:
    """The shipped catalogue, options and reference page, and ``count`` generated rules in ten files."""
    folder.mkdir(parents=True)
    for name in ("criteria.yaml", "options.yaml", "deployment-options.md"):
        shutil.copy(ROOT / "rules" / name, folder / name)
    criteria = _criteria(ROOT / "rules" / "criteria.yaml")
    anchors = re.findall(r'<a id="([^"]+)"', (ROOT / "rules" / "deployment-options.md").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    files = [[] for _ in range(10)]
    for number in range(count):
        files[number % 10].append(_rule(rng, number, criteria, anchors))
    for index, rules in enumerate(files):
        (folder / f"concern{index}.yaml").write_text(f"concern: concern{index}\nrules:\n" + "".join(rules), encoding="utf-8")
    return folder


def _criteria(path: Path) -> dict[str, tuple[str, list[str]]]:
    """criterion id -> (one | many, value ids), read with a regular expression (no YAML library here)."""
    found: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        top = re.match(r"  - id: (\w+)", line)
        if top:
            current = top.group(1)
            found[current] = (ONE, [])
        elif re.match(r"    takes: many", line):
            found[current] = (MANY, found[current][1])
        else:
            value = re.match(r"      - id: (\w+)", line)
            if value and current:
                found[current][1].append(value.group(1))
    return found


def _rule(rng: random.Random, number: int, criteria: dict[str, tuple[str, list[str]]], anchors: list[str]) -> str:
    chosen = rng.sample(sorted(criteria), rng.randint(1, 6))
    parts = [_part(rng, cid, *criteria[cid]) for cid in chosen]
    when = parts[0] if len(parts) == 1 else "\n      all:\n" + "".join(f"        - {p}\n" for p in parts)
    if rng.random() < 0.05:
        effect = f"exclude: [{rng.choice(['bare_metal', 'vm', 'container'])}]"
    else:
        options = rng.sample(["bare_metal", "vm", "container"], rng.randint(1, 2))
        effect = "points: {" + ", ".join(f"{o}: {rng.choice([-3, -2, -1, 1, 2, 3])}" for o in options) + "}"
    when_text = when.rstrip("\n") if when.startswith("\n") else " " + when
    return (f"  - id: generated-rule-{number}\n    when:{when_text}\n    {effect}\n"
            f"    because: Generated rule {number}.\n    source: {rng.choice(anchors)}\n")


def _part(rng: random.Random, criterion: str, takes: str, values: list[str]) -> str:
    if takes == MANY:
        roll = rng.random()
        if roll < 0.2:
            test = f"{{count_at_least: {rng.randint(2, len(values))}}}"
        elif roll < 0.4:
            test = f"{{all: [{', '.join(rng.sample(values, min(2, len(values))))}]}}"
        else:
            test = rng.choice(values)
    else:
        picked = rng.sample(values, rng.randint(1, max(1, len(values) // 2)))
        test = _quoted(picked[0]) if len(picked) == 1 else f"[{', '.join(map(_quoted, picked))}]"
    part = f"{{{criterion}: {test}}}"
    return f"{{not: {part}}}" if rng.random() < 0.15 else part


def _quoted(value: str) -> str:
    return f'"{value}"' if value in ("yes", "no") else value


if __name__ == "__main__":
    sys.exit(main())

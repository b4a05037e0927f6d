"""A generated rule folder: the shipped rules plus a many-value criterion of any size, with a few rules
on it (one value, all of two values, a count, a negation next to another criterion, an exclusion)."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT

CRITERION = "regions"


def many_value_rules(folder: Path, values: int, count_rule: bool = True, name_all: bool = False) -> Path:
    """``count_rule``: add a `count_at_least` rule (its compiled form grows as 6^(values/5): the engine
    cannot load one on hundreds of values, a limit of compile.py; check never compiles). ``name_all``: add a
    rule naming every value, so that the answers the rules tell apart are too many to try them all."""
    shutil.copytree(ROOT / "rules", folder, ignore=shutil.ignore_patterns("*.test.yaml", "__*"))
    listed = "".join(f"      - id: r{i}\n        label: Region {i}\n        help: Region number {i}.\n" for i in range(values))
    with (folder / "criteria.yaml").open("a", encoding="utf-8") as out:
        out.write(f"\n  - id: {CRITERION}\n    takes: many\n    question: Where must it run?\n"
                  f"    help: Every region it must run in.\n    values:\n{listed}")
    last = f"r{values - 1}"
    count = f"""  - id: many-regions-exclude-bare-metal
    when: {{{CRITERION}: {{count_at_least: 3}}}}
    exclude: [bare_metal]
    because: Too many regions.
    source: bare-metal-low-latency
""" if count_rule else ""
    every = ", ".join(f"r{i}" for i in range(values))
    count += f"""  - id: any-region-leans-to-vm
    when: {{{CRITERION}: [{every}]}}
    points: {{vm: 1}}
    because: Any region.
    source: bare-metal-low-latency
""" if name_all else ""
    (folder / "regions.yaml").write_text(f"""concern: regions
rules:
  - id: one-region-favours-bare-metal
    when: {{{CRITERION}: r1}}
    points: {{bare_metal: 2}}
    because: One region.
    source: bare-metal-low-latency
  - id: two-regions-favour-vm
    when: {{{CRITERION}: {{all: [r2, r3]}}}}
    points: {{vm: 2}}
    because: Two regions.
    source: bare-metal-low-latency
  - id: last-region-with-critical-latency-favours-container
    when:
      all:
        - {{{CRITERION}: {last}}}
        - {{latency: critical}}
        - not: {{{CRITERION}: r0}}
    points: {{container: 3}}
    because: The last region, fast.
    source: bare-metal-low-latency
{count}""", encoding="utf-8")
    return folder

"""One module per subcommand, each offering add_arguments(parser) and run(args) -> int.

Command modules are imported only when their command runs (or for `--help`), so that starting one
command does not pay for the imports of all the others.
"""
from __future__ import annotations

import importlib
from types import ModuleType

# One line per command, in the order of `deploy-advisor --help`: the one place a command's help is written.
HELP = {
    "recommend": ("recommend a hosting option for each workload in files, folders or standard input "
                  "(YAML, JSON, JSON Lines, CSV, TSV, XLSX), in text, json, yaml, markdown, csv or jsonl"),
    "wizard": "answer questions in the terminal, get the justified recommendation, and save the answers",
    "check": "validate a rule set (default: the shipped one) and report every problem, with dead rules and conflicts",
    "test": "run the rule test cases (*.test.yaml) of a rule set (default: the shipped one)",
    "diff": "compare the recommendations of two rule sets on a corpus of workloads (exit 1 when one changes)",
    "table": "print the rule set as a decision table (one row per rule, or per criterion value) in text, markdown, csv or html",
    "schema": "print the JSON Schema (draft 2020-12) of requirement, rule, rule test or invariants files, for editors",
    "criteria": "list every question a requirement file can answer, with its values and help",
    "init": "write a requirement file to fill in (every criterion, its values as comments), or copy a shipped example",
    "source": "print a cited section of the reference page (the [n] sources of a recommendation)",
}

def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")

"""`deploy-advisor table [RULES_DIR]`: the rule set as a decision table, one row per rule."""
from __future__ import annotations

import argparse

from .. import exitcodes
from ..output import emit

FORMATS = ("text", "markdown", "csv", "html")  # render/table.FORMATS (known here without importing it)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules_dir", nargs="?", metavar="RULES_DIR", help="the rule set folder (default: the shipped rules)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--by-criterion", action="store_true",
                        help="one row per criterion value: the points it gives each option on its own")


def run(args: argparse.Namespace) -> int:
    from deploy_advisor.engine.render.table import render, rules_grid, values_grid
    from deploy_advisor.engine.rulefiles import load_ruleset
    from deploy_advisor.engine.authoring.table import by_criterion, decision_table

    ruleset = load_ruleset(args.rules_dir)
    grid = (values_grid(by_criterion(ruleset), ruleset.option_ids) if args.by_criterion
            else rules_grid(decision_table(ruleset)))
    return emit(render(grid, args.format), exitcodes.OK)

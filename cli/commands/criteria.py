"""`deploy-advisor criteria`: every question a requirement file can answer, with its values and help."""
from __future__ import annotations

import argparse
import json
import sys

from .. import exitcodes
from ..output import emit
from ..terminal import width_for

FORMATS = ("text", "json", "yaml", "markdown")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--rules", metavar="DIR", help="list the criteria of the rule set in DIR instead of the shipped one")
    parser.add_argument("--width", type=int, metavar="N", help="wrap text to N columns (default: the terminal's)")


def run(args: argparse.Namespace) -> int:
    from deploy_advisor.engine import guide
    from deploy_advisor.engine.rulefiles import load_ruleset

    catalogue = load_ruleset(args.rules).catalogue
    if args.format == "json":
        text = json.dumps(guide.criteria_data(catalogue), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "yaml":
        from deploy_advisor.engine.yamlio import dump_yaml

        text = dump_yaml(guide.criteria_data(catalogue))
    elif args.format == "markdown":
        text = guide.criteria_markdown(catalogue)
    else:
        text = guide.criteria_text(catalogue, width_for(args.width, sys.stdout))
    return emit(text, exitcodes.OK)

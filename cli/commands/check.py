"""`deploy-advisor check [RULES_DIR]`: every problem of a rule set at once, sorted by file and line."""
from __future__ import annotations

import argparse

from .. import exitcodes
from ..output import emit
from . import HELP as _HELP
from ..engine.answerspace import DEFAULT_SEED
from ..engine.check import check_rules
from ..engine.render.check import check_json, check_text

HELP = _HELP["check"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules_dir", nargs="?", metavar="RULES_DIR", help="the rule set folder (default: the shipped rules)")
    parser.add_argument("--rules", metavar="DIR", help="the same as RULES_DIR, as the other commands take it")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings (conflicts, always-true rules, many matches) too")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="N",
                        help=f"seed for sampling answer spaces too big to enumerate (default: {DEFAULT_SEED})")


def run(args: argparse.Namespace) -> int:
    args.rules_dir = args.rules_dir or args.rules
    report = check_rules(args.rules_dir, seed=args.seed)
    text = check_json(report) if args.format == "json" else check_text(report, args.rules_dir or "rules")
    return emit(text, exitcodes.OK if report.ok(strict=args.strict) else exitcodes.INVALID)

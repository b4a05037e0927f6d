"""`deploy-advisor check [RULES_DIR]`: every problem of a rule set at once, sorted by file and line."""
from __future__ import annotations

import argparse

from .. import exitcodes
from ..output import emit
from deploy_advisor.engine.answerspace import DEFAULT_SEED, SAMPLE_SIZE
from deploy_advisor.engine.authoring.check import check_rules
from deploy_advisor.engine.render.check import check_json, check_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules_dir", nargs="?", metavar="RULES_DIR", help="the rule set folder (default: the shipped rules)")
    parser.add_argument("--rules", metavar="DIR", help="the same as RULES_DIR, as the other commands take it")
    parser.add_argument("--format", "-f", choices=("text", "json", "sarif", "github"), default="text",
                        help="output format: sarif for code scanning, github for inline pull-request annotations "
                             "(default: text)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings (conflicts, always-true rules, many matches, undecided regions) too")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="N",
                        help=f"seed for sampling answer spaces too big to enumerate (default: {DEFAULT_SEED})")
    parser.add_argument("--sample", type=_count, default=SAMPLE_SIZE, metavar="N",
                        help=f"workloads sampled to verify invariants.yaml where the answers are too many to "
                             f"enumerate; 0 checks only the workloads of at most 2 other answers (default: {SAMPLE_SIZE:,})")


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    args.rules_dir = args.rules_dir or args.rules
    report = check_rules(args.rules_dir, seed=args.seed, sample=args.sample)
    text = render(report, args.format, args.rules_dir or "rules")
    return emit(text, exitcodes.OK if report.ok(strict=args.strict) else exitcodes.INVALID)


def render(report, fmt: str, label: str) -> str:
    if fmt == "json":
        return check_json(report)
    if fmt == "sarif":
        from .. import __version__
        from deploy_advisor.engine.render.sarif import check_sarif

        return check_sarif(report, __version__)
    if fmt == "github":
        from deploy_advisor.engine.render.github import check_github

        return check_github(report, label)
    return check_text(report, label)

"""`deploy-advisor test [RULES_DIR]`: run the rule test cases (`*.test.yaml`) next to the rules."""
from __future__ import annotations

import argparse
import time

from .. import exitcodes
from ..output import emit
from deploy_advisor.engine.render.check import tests_json, tests_text
from deploy_advisor.engine.authoring.ruletests import run_tests


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules_dir", nargs="?", metavar="RULES_DIR", help="the rule set folder (default: the shipped rules)")
    parser.add_argument("--rules", metavar="DIR", help="the same as RULES_DIR, as the other commands take it")
    parser.add_argument("--coverage", action="store_true", help="also list the rules that no case fires, and fail if any")
    parser.add_argument("--format", "-f", choices=("text", "json", "junit", "github"), default="text",
                        help="output format: junit for CI test reports, github for inline pull-request annotations "
                             "(default: text)")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    args.rules_dir = args.rules_dir or args.rules
    report = run_tests(args.rules_dir)
    text = render(report, args, time.monotonic() - started)
    return emit(text, exitcodes.OK if report.ok(args.coverage) else exitcodes.INVALID)


def render(report, args: argparse.Namespace, seconds: float) -> str:
    label = args.rules_dir or "rules"
    if args.format == "json":
        return tests_json(report, args.coverage)
    if args.format == "junit":
        from deploy_advisor.engine.render.junit import stamp_now, tests_junit

        return tests_junit(report, stamp_now(seconds), args.coverage, label)
    if args.format == "github":
        from deploy_advisor.engine.render.github import tests_github

        return tests_github(report, label, args.coverage)
    return tests_text(report, label, args.coverage)

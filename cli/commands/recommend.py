"""`deploy-advisor recommend PATH...`: justified recommendations for requirement files."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import exitcodes
from ..engine.api import Advisor
from ..engine.errors import InputError
from ..engine.render.data import answer_dict, to_json
from ..engine.render.text import render_result
from ..engine.requirements import MAX_FILE_BYTES, Outcome, parse_bytes, read_file

HELP = "recommend a hosting option for each requirement file (YAML, JSON; '-' reads standard input)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="requirement files, or '-' for standard input")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--rules", metavar="DIR", help="use the rule set in DIR instead of the shipped one")
    parser.add_argument("--max-bytes", type=int, default=MAX_FILE_BYTES, metavar="N",
                        help=f"refuse input files larger than N bytes (default: {MAX_FILE_BYTES})")


def run(args: argparse.Namespace) -> int:
    advisor = Advisor(args.rules)
    outcomes: list[Outcome] = []
    for path in args.paths:
        if path == "-":
            data = sys.stdin.buffer.read()
            outcomes.extend(parse_bytes(data, "-", "yaml", advisor.catalogue, args.max_bytes))
        else:
            outcomes.extend(read_file(Path(path), path, advisor.catalogue, args.max_bytes))
    answers = list(advisor.results(outcomes))
    failed = False
    for answer in answers:
        if isinstance(answer, InputError):
            failed = True
            for problem in answer.problems:
                print(f"deploy-advisor: {problem.format()}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(to_json([answer_dict(a) for a in answers]) + "\n")
    else:
        texts = [render_result(a, advisor.ruleset) for a in answers if not isinstance(a, InputError)]
        sys.stdout.write("\n".join(texts))
    return exitcodes.INVALID if failed else exitcodes.OK

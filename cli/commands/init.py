"""`deploy-advisor init [FILE]`: a requirement file to fill in, or a copy of a shipped example."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import exitcodes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", metavar="FILE", help="where to write it (default: standard output)")
    parser.add_argument("--example", metavar="NAME", help="copy the shipped example NAME (see --list) instead")
    parser.add_argument("--list", action="store_true", help="list the shipped examples")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument("--rules", metavar="DIR", help="the criteria of the rule set in DIR instead of the shipped one")


def run(args: argparse.Namespace) -> int:
    from deploy_advisor.engine import guide

    if args.list:
        for name in guide.example_names():
            sys.stdout.write(f"{name}\n")
        return exitcodes.OK
    if args.example:
        path = guide.example_path(args.example)
        if path is None:
            print(f"deploy-advisor: init: there is no example '{args.example}' ({guide.example_hint(args.example)})",
                  file=sys.stderr)
            return exitcodes.USAGE
        text = path.read_text(encoding="utf-8")
    else:
        from deploy_advisor.engine.rulefiles import load_ruleset

        name = Path(args.file).stem if args.file else "my-workload"
        text = guide.template(load_ruleset(args.rules).catalogue, name)
    if not args.file:
        sys.stdout.write(text)
        return exitcodes.OK
    if os.path.exists(args.file) and not args.force:
        print(f"deploy-advisor: init: {args.file} exists; name another file, or add --force to replace it",
              file=sys.stderr)
        return exitcodes.USAGE
    from deploy_advisor.engine.files import replaced_atomically

    with replaced_atomically(args.file) as out:
        out.write(text)
    print(f"Wrote {args.file}. Fill it in, then: deploy-advisor recommend {args.file}", file=sys.stderr)
    return exitcodes.OK

"""`deploy-advisor source ANCHOR`: a cited section of the reference page, from the installed copy."""
from __future__ import annotations

import argparse
import sys

from .. import exitcodes
from ..output import emit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("anchor", nargs="?", metavar="ANCHOR",
                        help="the section, as cited: vm-isolation or deployment-options.md#vm-isolation")
    parser.add_argument("--list", action="store_true", help="list every section: its anchor and title")
    parser.add_argument("--rules", metavar="DIR", help="read the reference page of the rule set in DIR")


def run(args: argparse.Namespace) -> int:
    from deploy_advisor.engine import guide
    from deploy_advisor.engine.errors import did_you_mean
    from deploy_advisor.engine.rulefiles import load_ruleset

    sections = guide.reference_sections(load_ruleset(args.rules))
    if args.list or not args.anchor:
        return emit("".join(f"{s.anchor:<32} {s.title}\n" for s in sections), exitcodes.OK)
    anchor = guide.anchor_of(args.anchor)
    found = next((s for s in sections if s.anchor == anchor), None)
    if found is None:
        hint = did_you_mean(anchor, [s.anchor for s in sections]) or "deploy-advisor source --list lists them"
        print(f"deploy-advisor: source: no section '{anchor}' in the reference page ({hint})", file=sys.stderr)
        return exitcodes.USAGE
    return emit(found.text, exitcodes.OK)

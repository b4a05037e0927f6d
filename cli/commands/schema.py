"""`deploy-advisor schema requirements|rules|tests|invariants`: JSON Schemas for editors, generated from the catalogue."""
from __future__ import annotations

import argparse
import sys

from .. import exitcodes
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.engine.authoring.schema import KINDS, schema_for, schema_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, help="which files the schema describes")
    parser.add_argument("--rules", metavar="DIR", help="generate it from the rule set in DIR instead of the shipped one")


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text(schema_for(args.kind, load_ruleset(args.rules))))
    return exitcodes.OK

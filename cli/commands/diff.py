"""`deploy-advisor diff OLD_RULES NEW_RULES [CORPUS...]`: which recommendations a rule change flips.

Exit 0 when no recommendation changed (rankings may have), 1 when some did, 2 on a usage error or a
broken rule set: a review job can fail, or label the pull request, on 1.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .. import exitcodes
from ..output import emit, report_problems
from deploy_advisor.engine.answerspace import DEFAULT_SEED
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.authoring.impact import DEFAULT_SAMPLE, Entry, compare, export_at_revision, load_corpus, load_relabelled, sample_corpus
from deploy_advisor.engine.render.github import diff_github
from deploy_advisor.engine.render.impact import diff_json, diff_markdown, diff_text
from deploy_advisor.engine.rulefiles import load_ruleset

RENDER = {"text": diff_text, "json": diff_json, "markdown": diff_markdown, "github": diff_github}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = ("%(prog)s [options] OLD NEW [CORPUS ...]\n"
                    "       %(prog)s [options] --git REV RULES [CORPUS ...]")
    parser.add_argument("paths", nargs="+", metavar="OLD NEW [CORPUS",
                        help="OLD_RULES NEW_RULES [CORPUS...], or with --git: RULES [CORPUS...]; a corpus is "
                             "requirement files or folders of them (default: examples/ beside the rules, plus a sample)")
    parser.add_argument("--git", metavar="REV", help="compare RULES with the same folder at git revision REV")
    parser.add_argument("--format", "-f", choices=tuple(RENDER), default="text",
                        help="output format; markdown is a pull-request comment, github inline annotations (default: text)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help=f"add N workloads sampled from the answer space (default: {DEFAULT_SAMPLE} without "
                             "CORPUS, 0 with it)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="N", help=f"sampling seed (default: {DEFAULT_SEED})")


def run(args: argparse.Namespace) -> int:
    need = 1 if args.git else 2
    if len(args.paths) < need:
        print("deploy-advisor: diff needs OLD_RULES NEW_RULES, or --git REV RULES", file=sys.stderr)
        return exitcodes.USAGE
    new_dir, corpus = args.paths[need - 1], args.paths[need:]
    if args.git:
        with tempfile.TemporaryDirectory(prefix="deploy-advisor-") as tmp:
            label = export_at_revision(new_dir, args.git, Path(tmp) / "rules")
            old = Advisor(load_relabelled(Path(tmp) / "rules", label))
            return _compare(args, old, label, new_dir, corpus)
    return _compare(args, Advisor(load_ruleset(args.paths[0])), args.paths[0], new_dir, corpus)


def _compare(args: argparse.Namespace, old: Advisor, old_label: str, new_dir: str, corpus: list[str]) -> int:
    new = Advisor(load_ruleset(new_dir))
    files = corpus or _default_corpus(new_dir)
    entries, errors = load_corpus(files, new.catalogue)
    for error in errors:
        report_problems(error.problems)
    count = args.sample if args.sample is not None else (0 if corpus else DEFAULT_SAMPLE)
    sampled: list[Entry] = sample_corpus(new.catalogue, count, args.seed) if count > 0 else []
    report = compare(old, new, entries + sampled, old_label=old_label, new_label=new_dir,
                     examples=len(entries), sampled=len(sampled), seed=args.seed)
    return emit(RENDER[args.format](report), exitcodes.INVALID if report.flipped else exitcodes.OK)


def _default_corpus(rules_dir: str) -> list[str]:
    """examples/ beside the rule folder (a repository's layout), else examples/ here, else nothing;
    named relative to here where it can be, since the report names each workload by its file."""
    for candidate in (Path(rules_dir).resolve().parent / "examples", Path("examples").resolve()):
        if candidate.is_dir():
            here = Path.cwd()
            return [str(candidate.relative_to(here)) if candidate.is_relative_to(here) else str(candidate)]
    return []

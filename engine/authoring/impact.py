"""`deploy-advisor diff`: what a change to the rules does to the recommendations.

Both rule sets are loaded side by side in one process (each registers its own durable ruleset),
every workload of a corpus is evaluated with both, and each workload whose recommendation or
ranking changed is reported with its score changes and the added, removed or edited rules behind it.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..answerspace import DEFAULT_SEED, AnswerSpace
from ..api import Advisor
from ..errors import InputError, Problem, RuleError, Span
from ..batchio.inputs import Unit, expand, unit_outcomes
from ..model import Catalogue, Rule, RuleSet
from ..requirements import Source, Workload, read_file
from .regions import Moves, moves
from ..result import Result
from ..rulefiles import load_ruleset

CORPUS_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson")
RULE_FIELDS = ("when", "points", "exclude", "because", "source", "advice")
DEFAULT_SAMPLE = 1000


@dataclass(frozen=True)
class RuleChange:
    kind: str  # "added" | "removed" | "edited"; "same" in a what-if (whatif.py): the rule is unchanged, its firing is not
    id: str
    old: Rule | None
    new: Rule | None
    fields: tuple[str, ...] = ()  # for an edit: what changed

    @property
    def rule(self) -> Rule:
        return self.new or self.old  # type: ignore[return-value]


@dataclass(frozen=True)
class Cause:
    """A changed rule's effect on one workload, before and after ('' where it did not fire)."""

    change: RuleChange
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    """One workload of the corpus: where it comes from, and its needs."""

    origin: str
    workload: Workload


@dataclass(frozen=True)
class WorkloadChange:
    entry: Entry
    old: Result
    new: Result
    causes: tuple[Cause, ...]

    @property
    def flipped(self) -> bool:
        return self.old.recommendation != self.new.recommendation

    def score_changes(self) -> list[tuple[str, int, int, bool, bool]]:
        """(option, old score, new score, old excluded, new excluded) for each option that moved."""
        out = []
        for before in self.old.ranking:
            after = self.new.placement(before.option)
            if (before.score, before.excluded) != (after.score, after.excluded):
                out.append((before.option, before.score, after.score, before.excluded, after.excluded))
        return out


class Changes:
    """A report's workload changes split as both reports show them: flipped (the recommendation
    changed) and re-ranked (only the order below it did)."""

    changes: tuple[WorkloadChange, ...]

    @property
    def flipped(self) -> tuple[WorkloadChange, ...]:
        return tuple(c for c in self.changes if c.flipped)

    @property
    def reranked(self) -> tuple[WorkloadChange, ...]:
        return tuple(c for c in self.changes if not c.flipped)


@dataclass(frozen=True)
class ImpactReport(Changes):
    old_label: str
    new_label: str
    rule_changes: tuple[RuleChange, ...]
    changes: tuple[WorkloadChange, ...]  # flipped first, then re-ranked, each in corpus order
    evaluated: int
    examples: int
    sampled: int
    seed: int
    space: int
    # (origin, answers) for workloads that answer what the old catalogue lacks (a criterion or value
    # added since): the old rule set could not have been asked, so it sees those answers as unanswered.
    unknown_to_old: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tie_break: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (old, new) when it changed
    regions: Moves | None = None  # workloads entering or leaving the undecided regions (regions.py)



# --- rule changes ----------------------------------------------------------------------------


def rule_changes(old: RuleSet, new: RuleSet) -> tuple[RuleChange, ...]:
    """Rules added, removed or edited between two rule sets, matched by id."""
    before = {r.id: r for r in old.rules}
    after = {r.id: r for r in new.rules}
    out = []
    for rule in new.rules:
        if rule.id not in before:
            out.append(RuleChange("added", rule.id, None, rule))
            continue
        edited = tuple(f for f in RULE_FIELDS if getattr(before[rule.id], f) != getattr(rule, f))
        if edited:
            out.append(RuleChange("edited", rule.id, before[rule.id], rule, edited))
    out += [RuleChange("removed", r.id, r, None) for r in old.rules if r.id not in after]
    return tuple(out)


def causes(old: Result, new: Result, changes: Iterable[RuleChange]) -> tuple[Cause, ...]:
    """The changed rules whose effect on this workload differs between the two rule sets."""
    out = []
    for change in changes:
        before = change.old.effect_text() if change.old and change.id in old.fired else ""
        after = change.new.effect_text() if change.new and change.id in new.fired else ""
        if before != after:
            out.append(Cause(change, before, after))
    return tuple(out)


# --- the corpus ------------------------------------------------------------------------------


def corpus_files(paths: Sequence[str | Path]) -> Iterator[tuple[Path, Unit | None]]:
    """The requirement files named, and those the folders named hold, found as `recommend` finds them
    (inputs.expand: depth first in name order, dot-files skipped, each file once); a folder entry that
    cannot be searched comes as its error unit, so that it is reported, not lost."""
    for given in map(str, paths):
        if not Path(given).is_dir():
            yield Path(given), None  # named on purpose: read_file says what is wrong with it
            continue
        for name, path, error in expand([given]):
            if path is None:
                yield Path(name), error
            elif path.suffix.lower() in CORPUS_SUFFIXES:
                yield path, None


def load_corpus(paths: Sequence[str | Path], catalogue: Catalogue) -> tuple[list[Entry], list[InputError]]:
    """The workloads of the corpus files, and the errors of those that cannot be read."""
    entries, errors = [], []
    for path, error in corpus_files(paths):
        outcomes = unit_outcomes(error, catalogue) if error is not None else read_file(path, path.as_posix(), catalogue)
        for outcome in outcomes:
            if isinstance(outcome, InputError):
                errors.append(outcome)
            else:
                entries.append(Entry(str(outcome.source), outcome))
    return entries, errors


def sample_corpus(catalogue: Catalogue, count: int, seed: int = DEFAULT_SEED) -> list[Entry]:
    """``count`` workloads drawn from the answer space with a fixed seed: the same on every run."""
    space = AnswerSpace(catalogue)
    out = []
    for number, needs in enumerate(space.sample(count, seed), start=1):
        ordered = tuple((c, needs[c]) for c in catalogue.ids if c in needs)
        origin = f"sample #{number}"
        out.append(Entry(origin, Workload(origin, ordered, Source("sample", number))))
    return out


# --- comparing -------------------------------------------------------------------------------


def compare(old: Advisor, new: Advisor, entries: Sequence[Entry], *, old_label: str, new_label: str,
            examples: int = 0, sampled: int = 0, seed: int = DEFAULT_SEED) -> ImpactReport:
    """Evaluate every workload with both rule sets and keep those whose ranking changed."""
    projected = [project(e.workload, old.catalogue) for e in entries]
    before_all = old.evaluate([w for w, _ in projected])
    after_all = new.evaluate([e.workload for e in entries])
    changes = rule_changes(old.ruleset, new.ruleset)
    found = workload_changes(entries, before_all, after_all, changes)
    tie = (old.ruleset.tie_break, new.ruleset.tie_break)
    unknown = tuple((e.origin, dropped) for e, (_, dropped) in zip(entries, projected) if dropped)
    return ImpactReport(old_label, new_label, changes, found, len(entries), examples, sampled, seed,
                        AnswerSpace(new.catalogue).count(), unknown, tie if tie[0] != tie[1] else None,
                        moves(before_all, after_all))


def workload_changes(entries: Sequence[Entry], before_all: Sequence[Result], after_all: Sequence[Result],
                     changes: Sequence[RuleChange]) -> tuple[WorkloadChange, ...]:
    """The workloads whose recommendation or ranking differs, flipped first, each group in corpus
    order, with the changed rules behind each (the comparison ``diff`` and ``--assume`` share)."""
    found = []
    for entry, before, after in zip(entries, before_all, after_all):
        if _order(before) != _order(after) or before.recommendation != after.recommendation:
            found.append(WorkloadChange(entry, before, after, causes(before, after, changes)))
    found.sort(key=lambda c: not c.flipped)  # stable: corpus order within each group
    return tuple(found)


def project(workload: Workload, catalogue: Catalogue) -> tuple[Workload, tuple[str, ...]]:
    """The workload as a catalogue that lacks some of its criteria or values sees it (those left
    unanswered), and the answers dropped, as 'criterion: value'."""
    kept, dropped = [], []
    for cid, answer in workload.needs:
        criterion = catalogue.get(cid)
        values = answer if isinstance(answer, tuple) else (answer,)
        known = tuple(v for v in values if criterion is not None and v in criterion.value_ids)
        dropped += [f"{cid}: {v}" for v in values if v not in known]
        if known:
            kept.append((cid, known if isinstance(answer, tuple) else known[0]))
    return workload._replace(needs=tuple(kept)), tuple(dropped)


def _order(result: Result) -> tuple[tuple[str, ...], frozenset[str]]:
    """The ranking as a reader sees it: eligible options in order, and which are excluded (their
    order among themselves, by score, changes nothing)."""
    return (tuple(p.option for p in result.ranking if not p.excluded),
            frozenset(p.option for p in result.ranking if p.excluded))


# --- a rule set at a git revision ------------------------------------------------------------


def export_at_revision(folder: str | Path, revision: str, destination: Path) -> str:
    """Write the files of ``folder`` as they were at ``revision`` into ``destination``; return a
    label for messages such as 'main:rules'. Only read-only git commands are run.

    The revision and its tree may come from anyone who can push a branch: the revision is resolved
    to a tree id first (so that it can never be read as an option), and every path of the tree is
    checked before anything is written, since git accepts trees with '..' or '.git' entries."""
    folder = Path(folder)
    top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    prefix = _git(folder, "rev-parse", "--show-prefix").decode().strip()
    tree = _tree_id(top, revision)
    listing = _git(top, "--literal-pathspecs", "ls-tree", "-r", "-z", "--end-of-options", tree, "--", prefix or ".")
    blobs = [entry for entry in map(_tree_entry, listing.decode("utf-8", "surrogateescape").split("\0")) if entry]
    if not blobs:
        raise RuleError([Problem(Span(str(folder)), "git-failed", f"the folder does not exist at {revision}",
                                 "compare two folders instead: diff OLD_RULES NEW_RULES")])
    files = [(_safe_target(destination, name[len(prefix):], revision, folder), oid) for name, oid in blobs]
    for target, oid in files:  # every path checked above: nothing is written for a hostile tree
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_git(top, "cat-file", "blob", oid))
    return f"{revision}:{prefix.rstrip('/') or '.'}"


def _tree_id(top: Path, revision: str) -> str:
    """The id of the revision's tree; '--end-of-options' keeps '--output=...' a (bad) revision."""
    done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{tree}}"],
                          cwd=top, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuleError([Problem(Span(str(top)), "git-failed", f"no revision {revision!r} in this repository",
                                 "name a branch, tag or commit: diff --git main rules")])
    return done.stdout.decode().strip()


def _tree_entry(line: str) -> tuple[str, str] | None:
    """(path, blob id) from one 'mode type id<TAB>path' line of ls-tree; None for anything but a
    file (a submodule has no content here)."""
    meta, _, name = line.partition("\t")
    fields = meta.split()
    if len(fields) != 3 or fields[1] != "blob" or not name:
        return None
    return name, fields[2]


def _safe_target(destination: Path, relative: str, revision: str, folder: Path) -> Path:
    """Where a file of the tree goes, refusing any path that would not stay inside ``destination``
    ('..', '.', an absolute path, '.git', NUL, backslashes)."""
    parts = relative.split("/")
    unsafe = (not relative or any(p in ("", ".", "..") or p.casefold() == ".git" or "\0" in p or "\\" in p for p in parts))
    target = destination.joinpath(*parts)
    if unsafe or not target.resolve().is_relative_to(destination.resolve()):
        raise RuleError([Problem(Span(str(folder)), "git-unsafe-path",
                                 f"the tree at {revision} has a path that leaves the folder: {relative!r}; nothing was written",
                                 "inspect it with 'git ls-tree -r' ('git fsck' warns about such trees); compare two folders instead")])
    return target


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise RuleError([Problem(Span(str(cwd)), "git-failed", "git is not installed", "install git, or compare two folders")]) from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        command = next(a for a in args if not a.startswith("-"))
        raise RuleError([Problem(Span(str(cwd)), "git-failed", f"git {command} failed: {message[0] if message else done.returncode}",
                                 "check the revision and that the folder is inside a git work tree")])
    return done.stdout


def load_relabelled(directory: str | Path, label: str) -> RuleSet:
    """Load a rule set and name its files by ``label`` instead of its (temporary) folder."""
    ruleset = load_ruleset(directory)
    prefix = str(Path(directory))
    rules = tuple(r._replace(file=label + r.file[len(prefix):]) if r.file.startswith(prefix) else r
                  for r in ruleset.rules)
    return ruleset._replace(rules=rules, root=label)

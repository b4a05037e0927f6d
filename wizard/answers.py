"""Answers in and out: start from a requirement file, and save answers as one.

A saved file is exactly what `deploy-advisor recommend` reads (name, description, needs), with a
comment header saying when and how it was made; YAML is written through engine/yamlio.
"""
from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from deploy_advisor.engine.errors import InputError, Problem, Span
from deploy_advisor.engine.files import read_at_most, replaced_atomically
from deploy_advisor.engine.model import Catalogue
from deploy_advisor.engine.requirements import MAX_FILE_BYTES, Source, Workload, read_file, workload_from_mapping
from deploy_advisor.engine.yamlio import dump_yaml_flow_lists
from .questions import Value

DEFAULT_NAME = "my-workload"  # offered when nothing names the workload (no --save, no --answers)
NO_PREFERENCE_KEY = "no-preference"  # the header line of a partial save: `# no-preference: latency, density`


@dataclass(frozen=True)
class Answers:
    """What a walk starts from and ends with: the workload's name and description, and its needs."""

    name: str = DEFAULT_NAME
    description: str = ""
    needs: Mapping[str, Value] = field(default_factory=dict)
    no_preference: frozenset[str] = frozenset()  # criteria explicitly answered 'no preference'


def load_answers(path: str, catalogue: Catalogue, max_bytes: int = MAX_FILE_BYTES) -> Answers:
    """Read one requirement file to start from; raise InputError if it is wrong or holds several."""
    outcomes = read_file(Path(path), path, catalogue, max_bytes)
    for outcome in outcomes:
        if isinstance(outcome, InputError):
            raise outcome
    if len(outcomes) != 1:
        raise InputError([Problem(Span(path), "several-workloads",
                                  f"holds {len(outcomes)} workloads; the wizard starts from one",
                                  "split the file, or name a file with one workload")])
    workload = outcomes[0]
    assert isinstance(workload, Workload)
    declined = no_preference_in(read_at_most(path, max_bytes).decode("utf-8", "replace"), catalogue)
    return Answers(workload.name, workload.description, workload.needs_dict(), declined)


def no_preference_in(text: str, catalogue: Catalogue) -> frozenset[str]:
    """The criteria a partial save's header marks as answered 'no preference' (a YAML comment, so the
    file stays an ordinary requirement file); ids the catalogue does not know are ignored."""
    for line in text.splitlines():
        if not line.startswith("#"):
            break  # only the header: the comment block before the document
        key, _, ids = line.lstrip("# ").partition(":")
        if key == NO_PREFERENCE_KEY:
            return frozenset(i.strip() for i in ids.split(",")) & frozenset(catalogue.ids)
    return frozenset()


def workload(answers: Answers, catalogue: Catalogue) -> Workload:
    """The answers as a checked workload, ready for the Advisor."""
    plain = {k: _plain(v) for k, v in answers.needs.items()}  # the checker reads lists, as from a file
    checked = workload_from_mapping(plain, catalogue, answers.name)
    return Workload(answers.name, checked.needs, Source("<wizard>"), answers.description)


def requirement_text(answers: Answers, catalogue: Catalogue, header: Iterable[str]) -> str:
    """The requirement file: comment header, then name, description and needs in catalogue order."""
    needs = {c.id: _plain(answers.needs[c.id]) for c in catalogue.criteria if c.id in answers.needs}
    document: dict[str, object] = {"name": answers.name}
    if answers.description:
        document["description"] = answers.description
    document["needs"] = needs
    comments = "".join(f"# {line}\n" for line in header)
    return comments + dump_yaml_flow_lists(document)


def _plain(value: Value) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def header(*, complete: bool, command: str, unanswered: Iterable[str], path: str,
           position: str = "", now: datetime | None = None, declined: Iterable[str] = ()) -> list[str]:
    """The comment header: when and how the file was made, and how to use it."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    path = shlex.quote(path)
    left = ", ".join(unanswered)
    if complete:
        lines = [f"Answers given to `{command}` on {stamp}."]
        if left:
            lines += _wrap(f"Left unanswered (no preference, or not asked): {left}.")
        return lines + [f"Recommend again: deploy-advisor recommend {path}",
                        f"Change answers:  deploy-advisor wizard --answers {path}"]
    declined = ", ".join(declined)
    return [f"Partial answers given to `{command}` on {stamp}.",
            *_wrap(f"Cancelled at question {position}; not answered yet, or no preference: {left or 'none'}."),
            f"Resume: deploy-advisor wizard --answers {path} --ask-missing --save {path}",
            # read back on resume (one line, never wrapped): these are not asked again
            *([f"{NO_PREFERENCE_KEY}: {declined}"] if declined else [])]


def _wrap(line: str) -> list[str]:
    """Long lists of criteria are wrapped; commands are not (they must stay copyable)."""
    return textwrap.wrap(line, 96, break_on_hyphens=False)


def save_answers(path: str, answers: Answers, catalogue: Catalogue, *, command: str,
                 cancelled_at: str = "", now: datetime | None = None) -> None:
    """Save answers as a requirement file; ``cancelled_at`` ('6/15') marks a partial save."""
    unanswered = [i for i in catalogue.ids if i not in answers.needs]
    declined = [i for i in catalogue.ids if i in answers.no_preference]
    lines = header(complete=not cancelled_at, command=command, unanswered=unanswered, path=path,
                   position=cancelled_at, now=now, declined=declined)
    save(path, requirement_text(answers, catalogue, lines))


def save(path: str, text: str) -> None:
    """Write the file whole or not at all: an interrupted save never leaves half a file behind."""
    with replaced_atomically(path) as out:
        out.write(text)


def name_for(path: str) -> str:
    """A workload name from a file name, offered when the file is named before the workload is."""
    return Path(path).stem or DEFAULT_NAME


def file_name_for(name: str) -> str:
    """A file name from a workload's name, offered when the workload is named before the file:
    'Payments API' -> 'payments-api.yaml'."""
    stem = "-".join(re.findall(r"[^\W_]+", name.lower()))  # letters and digits, any script
    return f"{stem or DEFAULT_NAME}.yaml"


def name_problem(text: str) -> str:
    """Why a typed name cannot be a workload's name ('' if it can): the loader's rule, one line of text."""
    if not text.strip():
        return "Type a name, e.g. payments-api."
    if not text.isprintable():
        return "A name is one line of plain text."
    return ""

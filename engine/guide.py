"""A way in without the source tree: the catalogue as a list (text, JSON, YAML, Markdown), a commented
requirement-file template, the shipped examples, and the cited sections of the reference page, all
read from the installed rule set."""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import did_you_mean
from .model import Catalogue, Criterion, RuleSet
from .rulefiles import REFERENCE_FILE, shipped_rules_dir

_ANCHOR_LINE = re.compile(r'<a\s+id="([^"]+)"\s*>\s*</a>')


def examples_dir() -> Path:
    """The shipped examples: beside the rules in a checkout (examples/), inside the package when
    installed (deploy_advisor/examples): the same relative place in both layouts."""
    return shipped_rules_dir().parent / "examples"


def schemas_dir() -> Path:
    """docs/schemas beside the rules, in both layouts: what the rule files' $schema comments name."""
    return shipped_rules_dir().parent / "docs" / "schemas"


def example_names() -> list[str]:
    return sorted(p.stem for p in examples_dir().glob("*.yaml"))


def example_path(name: str) -> Path | None:
    path = examples_dir() / f"{Path(name).stem}.yaml"
    return path if path.is_file() else None


def example_hint(name: str) -> str:
    names = example_names()
    return did_you_mean(name, names) or "the examples are: " + ", ".join(names)


# --- the catalogue -----------------------------------------------------------------------------


def criteria_data(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [{"id": c.id, "takes": c.takes, "question": c.question, "help": c.help,
             "default": list(c.default) if isinstance(c.default, tuple) else c.default,
             "values": [{"id": v.id, "label": v.label, "help": v.help} for v in c.values]}
            for c in catalogue.criteria]


def criteria_text(catalogue: Catalogue, width: int) -> str:
    out: list[str] = []
    for c in catalogue.criteria:
        takes = "one value" if not c.many else "a list of values"
        out.append(f"{c.id} ({takes}{_default_text(c)}): {c.question}")
        out += textwrap.wrap(c.help, width, initial_indent="  ", subsequent_indent="  ")
        for v in c.values:
            out += textwrap.wrap(f"{v.id}: {v.label}. {v.help}", width, initial_indent="    ",
                                 subsequent_indent=" " * (6 + len(v.id)), break_on_hyphens=False)
        out.append("")
    return "\n".join(out)


def criteria_markdown(catalogue: Catalogue) -> str:
    out = ["# Criteria", "", "Every question a requirement file can answer under `needs:`; leave one out for no "
           "preference.", ""]
    for c in catalogue.criteria:
        takes = "one value" if not c.many else "a list of values"
        out += [f"## `{c.id}`", "", f"**{c.question}** ({takes}{_default_text(c)}) {c.help}", "",
                "| value | label | meaning |", "|---|---|---|"]
        out += [f"| `{v.id}` | {v.label} | {v.help.replace('|', '/')} |" for v in c.values]
        out.append("")
    return "\n".join(out)


def _default_text(criterion: Criterion) -> str:
    if criterion.default is None:
        return ""
    value = ", ".join(criterion.default) if isinstance(criterion.default, tuple) else criterion.default
    return f", default {value}"


def template(catalogue: Catalogue, name: str) -> str:
    """A requirement file to fill in: valid as it is (every criterion commented out: no preference),
    each with its question, help and values, so nothing else need be open while writing it."""
    schema = schemas_dir() / "requirements.schema.json"  # the installed copy: it exists wherever FILE goes
    out = [f"# yaml-language-server: $schema={schema}"] if schema.is_file() else []
    out += ["# A requirement file for deploy-advisor. Uncomment and answer the criteria you know;",
            "# a criterion left commented out means no preference. Then: deploy-advisor recommend THIS_FILE",
            f"name: {name}",
            "description: What the workload is, in a sentence.",
            "needs:"]
    for c in catalogue.criteria:
        out.append("")
        out += textwrap.wrap(f"{c.question} {c.help}", 96, initial_indent="  # ", subsequent_indent="  # ")
        for v in c.values:
            out += textwrap.wrap(f"{v.id}: {v.label}. {v.help}", 96, initial_indent="  #   ",
                                 subsequent_indent="  #     ")
        example = c.default or c.values[0].id
        if c.many:
            shown = "[" + ", ".join(example if isinstance(example, tuple) else (example,)) + "]"
            out.append(f"  # {c.id}: {shown}        (a list: any of the values above)")
        else:
            out.append(f"  # {c.id}: {example}")
    return "\n".join(out) + "\n"


# --- the reference page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    text: str  # the section as written, from its heading to the next anchor


def reference_sections(ruleset: RuleSet) -> list[Section]:
    page = Path(ruleset.root or shipped_rules_dir()) / (ruleset.reference or REFERENCE_FILE)
    return sections_of(page.read_text(encoding="utf-8"))


def sections_of(text: str) -> list[Section]:
    marks = list(_ANCHOR_LINE.finditer(text))
    out = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        body = text[mark.end():end].strip("\n")
        title = body.splitlines()[0].lstrip("# ").strip() if body else mark.group(1)
        out.append(Section(mark.group(1), title, body.rstrip() + "\n"))
    return out


def anchor_of(cited: str) -> str:
    """'deployment-options.md#vm-isolation', '#vm-isolation' or 'vm-isolation' -> 'vm-isolation'."""
    return cited.split("#", 1)[-1].strip()

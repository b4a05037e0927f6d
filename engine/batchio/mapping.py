"""Mapping files (``--map MAPPING.yaml``): how a foreign spreadsheet export (a CMDB, RVTools...)
becomes workloads, without editing the export.

A mapping names the column holding each workload's name (and description), the columns that become
labels, and for each criterion the column it is read from and how that column's texts translate
into the criterion's values::

    sheet: vInfo                      # XLSX: the sheet to read (default: the first)
    name: VM                          # the column holding the workload's name
    description: Annotation
    labels:                           # label -> column
      team: Owner
      environment: Env
    columns:                          # column -> criterion, and how its texts become values
      OS according to the VMware Tools:
        criterion: os_families
        values:                       # text or pattern -> value, a list of values, or ~ (unanswered)
          "Microsoft Windows Server *": windows
          "*Linux*": linux
          Other: ~
        otherwise: error              # keep (default) | unanswered | error

Texts match case-insensitively unless ``case_sensitive: true``. A whole text written in the mapping
wins; otherwise a cell holding ``;`` is split and each part translated; otherwise the patterns
(``*``, ``?``, ``[...]``, as in file names) are tried in the order written. The file is read through
yamlio, so every mistake in it is reported at its line and column, against the catalogue.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import AdvisorError, Collector, Problem, Span, choose_from, one_of
from ..conditions import known_criterion
from ..fields import fields, text
from ..labels import label_entries
from ..model import Catalogue
from ..tree import Node
from ..yamlio import parse_yaml

MAX_MAPPING_BYTES = 1_000_000
MAPPING_KEYS = ("sheet", "name", "description", "labels", "columns")
COLUMN_KEYS = ("criterion", "values", "case_sensitive", "otherwise", "split")
OTHERWISE = ("keep", "unanswered", "error")
_GLOB = re.compile(r"[*?\[]")



class MappingError(AdvisorError):
    """The mapping file is wrong: nothing is read until it is fixed (exit code 2)."""


@dataclass(frozen=True)
class ValueRule:
    """One ``text: value`` line of a column's ``values``; ``values`` None leaves the cell unanswered."""

    pattern: str
    glob: bool
    regex: "re.Pattern[str]"
    values: tuple[str, ...] | None
    line: int


@dataclass(frozen=True)
class ColumnRule:
    header: str
    criterion: str
    rules: tuple[ValueRule, ...] = ()
    case_sensitive: bool = False
    otherwise: str = "keep"
    split: str = ";"


class _NoMatch:
    def __repr__(self) -> str:
        return "NO_MATCH"


NO_MATCH = _NoMatch()


@dataclass(frozen=True)
class Mapping:
    file: str
    sheet: str | None = None
    name: str | None = None
    description: str | None = None
    labels: tuple[tuple[str, str], ...] = ()  # (label, column header)
    columns: tuple[ColumnRule, ...] = ()

    def headers(self) -> tuple[str, ...]:
        """Every column the mapping names, in the order written."""
        named = [h for h in (self.name, self.description) if h]
        return tuple(named + [h for _, h in self.labels] + [c.header for c in self.columns])


def header_key(header: str) -> str:
    """Column headers are compared without case and surrounding spaces."""
    return " ".join(header.split()).casefold()


def translate(rule: ColumnRule, text_: str) -> tuple[str, ...] | None | _NoMatch:
    """The values a cell's text stands for, None for unanswered, NO_MATCH when no line matches.

    A whole text written in the mapping wins; otherwise a cell holding the separator is split and
    each part translated (so that a pattern such as ``*Linux*`` never swallows a list); otherwise
    the patterns are tried in the order written."""
    whole = _match(rule, text_, patterns=False)
    if whole is not NO_MATCH:
        return whole
    if not rule.split or rule.split not in text_:
        return _match(rule, text_, patterns=True)
    out: list[str] = []
    for part in (p.strip() for p in text_.split(rule.split)):
        if not part:
            continue
        found = _match(rule, part, patterns=False)
        found = _match(rule, part, patterns=True) if found is NO_MATCH else found
        if found is NO_MATCH:
            return NO_MATCH
        out += [v for v in (found or ()) if v not in out]  # type: ignore[union-attr]
    return tuple(out) or None


def _match(rule: ColumnRule, text_: str, patterns: bool) -> tuple[str, ...] | None | _NoMatch:
    """The first whole text (``patterns`` False) or pattern (True) of the column that matches."""
    key = text_.strip() if rule.case_sensitive else text_.strip().casefold()
    for line in rule.rules:
        if patterns and line.glob and line.regex.match(text_.strip()):
            return line.values
        if not patterns and not line.glob and (line.pattern if rule.case_sensitive else line.pattern.casefold()) == key:
            return line.values
    return NO_MATCH


# --- loading ---------------------------------------------------------------------------------


def load_mapping(path: str, catalogue: Catalogue) -> Mapping:
    """Read and check a mapping file; raise MappingError with every problem found."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MappingError([Problem(Span(path), "not-found" if isinstance(exc, FileNotFoundError) else "unreadable",
                                    f"cannot read the mapping file: {exc.strerror or exc}", "check the path given to --map")]) from None
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError([Problem(Span(path), "too-large", f"the mapping file is over {MAX_MAPPING_BYTES} bytes",
                                    "a mapping is a short file")])
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError([Problem(Span(path), "not-utf8", "the mapping file is not UTF-8 text", "save it as UTF-8")]) from None
    docs = [d for d in parse_yaml(content, path, error=MappingError) if not (d.is_scalar and d.value is None)]
    if len(docs) != 1:
        raise MappingError([Problem(Span(path, 1, 1), "wrong-type", "a mapping file holds one YAML document",
                                    "see docs/inventories.md for the format")])
    return mapping_from_node(docs[0], path, catalogue)


def mapping_from_node(node: Node, path: str, catalogue: Catalogue) -> Mapping:
    problems = Collector()
    f = fields(node, "a mapping file", (), MAPPING_KEYS, problems)
    if f is None:
        raise MappingError(problems.problems)
    sheet = text(f.get("sheet"), "'sheet'", problems, required=False)
    name = text(f.get("name"), "'name'", problems, required=False)
    description = text(f.get("description"), "'description'", problems, required=False)
    labels = _labels(f.get("labels"), problems)
    columns = _columns(f.get("columns"), catalogue, problems)
    seen: dict[str, Span] = {}
    for header, span in _named(f):
        if header_key(header) in seen:
            problems.add(span, "duplicate-column", f"column '{header}' is named twice in the mapping",
                         "read each column once: one column per criterion or label")
        seen.setdefault(header_key(header), span)
    if problems:
        raise MappingError(problems.problems)
    return Mapping(path, sheet, name, description, labels, columns)


def _named(f: dict[str, Node]) -> list[tuple[str, Span]]:
    out = [(str(f[k].value), f[k].span) for k in ("name", "description") if k in f and f[k].is_scalar and f[k].value]
    for key in ("labels", "columns"):
        if key in f and f[key].is_map:
            if key == "labels":
                out += [(str(v.value), v.span) for _, _, v in f[key].entries() if v.is_scalar and v.value is not None]
            else:
                out += [(k, kn.span) for k, kn, _ in f[key].entries()]
    return out


def _labels(node: Node | None, problems: Collector) -> tuple[tuple[str, str], ...]:
    if node is None:
        return ()
    out = []
    for key, value in label_entries(node, problems, "columns", "{team: Owner}"):
        header = text(value, f"the column of label '{key}'", problems)
        if header:
            out.append((key, header))
    return tuple(out)


def _columns(node: Node | None, catalogue: Catalogue, problems: Collector) -> tuple[ColumnRule, ...]:
    if node is None or (node.is_scalar and node.value is None):
        return ()
    if not node.is_map:
        problems.add(node.span, "wrong-type", f"'columns' maps column headers to criteria, got {node.describe()}",
                     "write e.g. columns: {OS: {criterion: os_families, values: {'Windows*': windows}}}")
        return ()
    out = []
    taken: dict[str, str] = {}
    for header, key_node, value in node.entries():
        rule = _column(header, value, catalogue, problems)
        if rule is None:
            continue
        if rule.criterion in taken:
            problems.add(key_node.span, "duplicate-criterion",
                         f"columns '{taken[rule.criterion]}' and '{header}' both answer '{rule.criterion}'",
                         "map one column to each criterion")
            continue
        taken[rule.criterion] = header
        out.append(rule)
    return tuple(out)


def _column(header: str, node: Node, catalogue: Catalogue, problems: Collector) -> ColumnRule | None:
    if node.is_scalar and isinstance(node.value, str):  # the short form: `Column: criterion`
        node_fields: dict[str, Node] = {"criterion": node}
    else:
        node_fields = fields(node, f"column '{header}'", ("criterion",), COLUMN_KEYS, problems) or {}
    cid = text(node_fields.get("criterion"), "'criterion'", problems) if "criterion" in node_fields else None
    if cid is None:
        return None
    criterion = known_criterion(cid, node_fields["criterion"].span, catalogue, problems)
    if criterion is None:
        return None
    case = node_fields.get("case_sensitive")
    case_sensitive = bool(case is not None and case.value is True)
    if case is not None and not isinstance(case.value, bool):
        problems.add(case.span, "wrong-type", "'case_sensitive' takes true or false", "write case_sensitive: true")
    otherwise = "keep"
    if "otherwise" in node_fields:
        otherwise = text(node_fields["otherwise"], "'otherwise'", problems) or "keep"
        if otherwise not in OTHERWISE:
            problems.add(node_fields["otherwise"].span, "unknown-value", f"'otherwise' cannot be '{otherwise}'",
                         choose_from(otherwise, OTHERWISE))
    split = ";"
    if "split" in node_fields:
        s = node_fields["split"]
        split = s.value if s.is_scalar and isinstance(s.value, str) else ";"
        if not (s.is_scalar and isinstance(s.value, str)):
            problems.add(s.span, "wrong-type", "'split' takes the separator text, or '' for none", "write split: ','")
    rules = _value_rules(node_fields.get("values"), criterion, case_sensitive, problems)
    return ColumnRule(header, criterion.id, rules, case_sensitive, otherwise, split)


def _value_rules(node: Node | None, criterion, case_sensitive: bool, problems: Collector) -> tuple[ValueRule, ...]:
    if node is None or (node.is_scalar and node.value is None):
        return ()
    if not node.is_map:
        problems.add(node.span, "wrong-type", f"'values' maps texts or patterns to values, got {node.describe()}",
                     "write e.g. values: {'Windows Server *': windows}")
        return ()
    out = []
    for pattern, key_node, value in node.entries():
        values = _mapped_values(value, criterion, problems)
        if values is False:
            continue
        glob = bool(_GLOB.search(pattern))
        flags = 0 if case_sensitive else re.IGNORECASE
        regex = re.compile(fnmatch.translate(pattern) if glob else re.escape(pattern) + r"\Z", flags)
        out.append(ValueRule(pattern, glob, regex, values, key_node.span.line))  # type: ignore[arg-type]
    return tuple(out)


def _mapped_values(node: Node, criterion, problems: Collector) -> tuple[str, ...] | None | bool:
    """The values one line stands for; None for unanswered; False when it is wrong (reported)."""
    if node.is_scalar and node.value is None:
        return None
    items = node.items if node.is_seq else (node,)
    if node.is_map or not items or (node.is_seq and not criterion.many and len(items) > 1):
        problems.add(node.span, "wrong-type", f"'{criterion.id}' takes {'values' if criterion.many else 'one value'} here, "
                     f"got {node.describe()}", one_of(criterion.value_ids))
        return False
    out = []
    for item in items:
        word = item.raw if item.is_scalar and isinstance(item.value, bool) else item.value
        if not isinstance(word, str) or word not in criterion.value_ids:
            shown = word if isinstance(word, str) else item.describe()
            problems.add(item.span, "unknown-value", f"'{shown}' is not a value of '{criterion.id}'",
                         choose_from(str(shown), criterion.value_ids))
            return False
        out.append(word)
    return tuple(out)

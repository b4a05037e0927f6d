"""Requirement files: YAML (one workload per document), JSON (one workload or an array) and JSON Lines.

Each workload is checked against the catalogue on its own, so one bad document never costs the
others their answers: loaders return, in order, either a :class:`Workload` or an :class:`InputError`.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from json import JSONDecodeError
from pathlib import Path
from typing import Iterator, Mapping, Sequence, Union

from .conditions import scalar_text
from .errors import Collector, InputError, Problem, Span, did_you_mean, one_of, shown
from .fields import fields, text
from .files import read_at_most
from .fastjson import loader
from .jsonload import MAX_VALUES, JsonProblem, as_problem, check_value, loads
from .labels import Labels, check_labels
from .model import MANY_CACHE, Catalogue, Criterion, ManyCheck, NeedPairs, NeedsCheck, NeedValue
from .records import NamedTuple
from .tree import Node, from_python
from .yamlio import parse_json, parse_yaml

MAX_FILE_BYTES = 1_000_000
REQUIREMENT_KEYS = ("name", "description", "labels", "needs")
_FAST_KEYS = frozenset(("name", "description", "needs"))  # labels take the checked path
_YES_NO = {"yes": "yes", "no": "no", "true": "yes", "false": "no", "on": "yes", "off": "no", "y": "yes", "n": "no"}
_OTHER_TOOLS = {
    "apiVersion": "a Kubernetes manifest", "kind": "a Kubernetes manifest", "services": "a docker-compose file",
    "volumes": "a docker-compose file", "hosts": "an Ansible playbook", "tasks": "an Ansible playbook",
    "resource": "a Terraform file", "provider": "a Terraform file", "jobs": "a CI workflow", "on": "a CI workflow",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # a name is one line of text: no NUL, newline, escape...



class Source(NamedTuple):
    """Where a workload came from: file, document number (1-based, only when a file holds several), line.
    Typed records made once per input line are NamedTuples: a frozen dataclass costs twice as much to make,
    a measurable share of a large batch."""

    file: str
    document: int | None = None
    line: int = 0

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file}
        if self.document is not None:
            out["document"] = self.document
        if self.line:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        return f"{self.file}#{self.document}" if self.document is not None else self.file


class Workload(NamedTuple):
    """One workload's requirement, checked (see Source on why a NamedTuple)."""

    name: str
    needs: NeedPairs  # in catalogue order; unanswered criteria are absent
    source: Source
    description: str = ""
    labels: Labels = ()  # (key, value) pairs in the order written: never criteria (see labels.py)

    def needs_dict(self) -> dict[str, NeedValue]:
        return dict(self.needs)


Outcome = Union[Workload, InputError]


def detect_kind(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "yaml")


def read_file(path: Path, name: str, catalogue: Catalogue, max_bytes: int = MAX_FILE_BYTES) -> list[Outcome]:
    """Read one requirement file; never raises for a user's mistake."""
    try:
        if path.is_dir():
            return [_error(name, "is-directory", "is a folder, not a file", "name the files, or the folder on its own")]
        size = path.stat().st_size
        if size > max_bytes:
            return [_error(name, "too-large", f"file is {size} bytes, over the limit of {max_bytes}",
                           "raise it with --max-bytes if the file is genuine")]
        data = read_at_most(path, max_bytes + 1)  # st_size is 0 for devices and pipes: bound the read itself
    except FileNotFoundError:
        return [_error(name, "not-found", "no such file", "check the path")]
    except OSError as exc:
        return [_error(name, "unreadable", f"cannot read: {exc.strerror or exc}", "check the file's permissions")]
    return parse_bytes(data, name, detect_kind(name), catalogue, max_bytes)


def parse_bytes(data: bytes, name: str, kind: str, catalogue: Catalogue, max_bytes: int = MAX_FILE_BYTES) -> list[Outcome]:
    if len(data) > max_bytes:
        return [_error(name, "too-large", f"input is over the limit of {max_bytes} bytes", "raise it with --max-bytes")]
    content = decode(data, name)
    if isinstance(content, InputError):
        return [content]
    return parse_text(content, name, kind, catalogue)


def decode(data: bytes, name: str) -> str | InputError:
    wide = wide_encoding(data)
    if wide:
        return _error(name, "not-utf8", f"{wide} text, not UTF-8", "save the file as UTF-8", 1)
    if b"\x00" in data[:8192]:
        return _error(name, "binary", "looks like a binary file, not text", "give a YAML, JSON or JSON Lines file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return InputError([Problem(Span(name, line, column), "not-utf8", "not UTF-8 text", "save the file as UTF-8")])


def wide_encoding(data: bytes) -> str:
    """'UTF-16' or 'UTF-32' when the bytes are text in one of them (by byte order mark, or by the NULs
    that ASCII text leaves in them), else ''. Such files are text saved in the wrong encoding, not binary."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:512]
    if len(head) >= 8 and b"\x00" in head:
        for width, name in ((4, "UTF-32"), (2, "UTF-16")):
            for offset in range(width):  # little- or big-endian: the ASCII byte is first or last
                letters = head[offset::width]
                others = bytes(b for i, b in enumerate(head) if i % width != offset)
                if not others.strip(b"\x00") and letters.strip(b"\x00"):
                    return name
    return ""


def parse_text(content: str, name: str, kind: str, catalogue: Catalogue) -> list[Outcome]:
    if not content.strip():
        return [_error(name, "empty", "the input is empty", "write a requirement: name: and needs:")]
    if kind == "jsonl":
        return list(iter_jsonl(content.splitlines(), name, catalogue))
    try:
        if kind == "json":
            root = parse_json(content, name)
            docs = list(root.items) if root.is_seq else [root]
            several = root.is_seq
        else:
            docs = parse_yaml(content, name)
            several = len(docs) > 1
            if several:
                docs = [d for d in docs if not (d.is_scalar and d.value is None)] or docs
                several = len(docs) > 1
    except InputError as exc:
        return [exc]
    if not docs:
        return [_error(name, "empty", "the input holds no workload", "write a requirement: name: and needs:")]
    stem = Path(name).stem if name != "-" else "stdin"
    return [workload_from_node(doc, Source(name, i if several else None, doc.span.line), stem, catalogue)
            for i, doc in enumerate(docs, start=1)]


def iter_jsonl(lines, name: str, catalogue: Catalogue, first_line: int = 1) -> Iterator[Outcome]:
    """One workload per non-blank line; fast path with the json module, exact spans on error."""
    stem = Path(name).stem if name != "-" else "stdin"
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        yield parse_jsonl_line(line, number, name, stem, catalogue)


def parse_jsonl_line(line: str, number: int, name: str, stem: str, catalogue: Catalogue) -> Outcome:
    """One JSON Lines line given as text: read fast (:func:`fast_lines`) when it can be, else checked."""
    try:
        raw = line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the checked path says what is wrong
        fast = None
    else:
        fast = fast_lines((raw,), number, name, stem, catalogue)[0]
    return fast if fast is not None else checked_jsonl_line(line, number, name, stem, catalogue)


def checked_jsonl_line(line: str, number: int, name: str, stem: str, catalogue: Catalogue) -> Outcome:
    """One line read by the checked reader (jsonload.loads, then every check), as :func:`fast_lines` would
    read it when it answers; the plain value of a line it refused (a ':' in a string, an escape) is still
    checked the quick way, without a tree."""
    source = Source(name, number, number)
    data = loads(line)
    if isinstance(data, JsonProblem):
        if data.code == "json-syntax":
            data = JsonProblem(data.code, data.message, "each line must be one JSON object", data.offset)
        return InputError([as_problem(data, name, line, number)])
    if type(data) is dict and data.keys() <= _FAST_KEYS:
        needs = data.get("needs", {})
        if type(needs) is dict:
            # a copy: _plain_workload takes the needs apart, and the tree below may still need them
            fast = _plain_workload(data, needs.copy(), number, name, stem, catalogue.checks)
            if fast is not None:
                return fast
    return workload_from_node(from_python(data, Span(name, number, 1)), source, f"{stem}-{number}", catalogue)


def fast_lines(raws: Sequence[bytes | None], first: int, name: str, stem: str, catalogue: Catalogue) -> list[Workload | None]:
    """The workload of each raw line (numbered from ``first``) when it is the common one (name, description
    and needs, every value a value id) and certainly what the checked path (:func:`checked_jsonl_line`)
    gives; None sends that line the long way (which also says what is wrong with a bad one). One loop,
    its names bound once: a batch reads every line here.

    The raw bytes go to orjson as they are: it refuses what is not UTF-8 (a lone surrogate included), a
    NUL, a blank line, so those need no scan here. Why its value is the checked reader's (the proof of
    fastjson.loads_unique, without its walk): once :func:`_plain_workload` has accepted the value, its only
    objects are the line and its needs, and all it holds are strings, nulls and lists of strings, so no
    float; and it has len(data) + len(needs) members, so when the text has that many ':' no key was
    repeated (see fastjson.py; a ':' is one byte in UTF-8, so bytes count as the text does). A line
    with no '\\u' and under MAX_VALUES bytes (so characters) is also one that jsonload.check_value passes
    as is (no surrogate, too few values, and a depth of three)."""
    loads = loader()
    checks = catalogue.checks
    out: list[Workload | None] = []
    append = out.append
    number = first - 1
    for raw in raws:
        number += 1
        workload = None
        if raw is not None and b"\\u" not in raw and len(raw) < MAX_VALUES:
            try:
                data = loads(raw)
            except JSONDecodeError:
                data = None
            if type(data) is dict and data.keys() <= _FAST_KEYS:
                needs = data.get("needs")
                if needs is None and "needs" not in data:
                    needs = {}
                if type(needs) is dict and len(data) + len(needs) == raw.count(b":"):
                    workload = _plain_workload(data, needs, number, name, stem, checks)
        append(workload)
    return out


def _plain_workload(data: dict, needs: dict, number: int, file: str, stem: str, checks: NeedsCheck) -> Workload | None:
    """The workload of a line's value holding only name, description and needs (``needs``, which this
    takes apart), when every needs value is a value id, a list of them, or null (unanswered); else None,
    and the checked path reads it: a key that is no criterion (an error even with a null value: see
    check_needs), a synonym such as true for yes... The one-value answers are looked up all at once,
    as (criterion, value) pairs, by a C-level map (NeedsCheck.codes)."""
    if "name" in data:
        given = data["name"]
        if type(given) is not str:
            return None
        title = given.strip()
        # isprintable() first: a C scan that passes nearly every name, where the pattern costs four times more
        if not title or not given.isprintable() and _CONTROL.search(given):
            return None
    else:
        title = f"{stem}-{number}"  # as the checked path names it (made only here: most lines have a name)
    description = data.get("description", "")
    if type(description) is not str:
        return None
    lists = []
    for many in checks.many:
        value = needs.pop(many.id, None)
        if value is None:  # absent, or null: unanswered
            continue
        if type(value) is not list:
            return None
        try:
            pair = many.known.get(tuple(value))
        except TypeError:  # a list or an object among the values
            return None
        if pair is None:
            pair = _many_pair(value, many)
            if pair is None:
                return None
        lists.append((many.start, pair))
    try:
        found = list(map(checks.codes.__getitem__, needs.items()))
    except KeyError:  # a null (unanswered), or no value id: only the first may stay
        found = _answered_codes(needs, checks)
        if found is None:
            return None
    except TypeError:  # a list or an object as a one-value answer
        return None
    found.sort()  # into catalogue order
    if not lists:
        answers = tuple(map(checks.pairs.__getitem__, found))
    else:  # each many-value answer goes in after the one-value answers before it in the catalogue
        ordered = list(map(checks.pairs.__getitem__, found))
        for inserted, (start, pair) in enumerate(lists):
            ordered.insert(bisect_left(found, start) + inserted, pair)
        answers = tuple(ordered)
    # tuple.__new__ rather than the NamedTuples' own __new__, a Python function each (and a frame per
    # line): the same records, equal to theirs, made at C speed
    source = tuple.__new__(Source, (file, number, number))
    return tuple.__new__(Workload, (title, answers, source, description.strip(), ()))


def _many_pair(value: list, many: ManyCheck) -> tuple[str, tuple[str, ...]] | None:
    """(criterion, its values in catalogue order) when the list holds distinct value ids, else None;
    remembered in ``many.known`` while there is room."""
    try:
        chosen = set(value)
    except TypeError:  # a list or an object among the values
        return None
    if not value or len(chosen) != len(value) or not chosen.issubset(many.allowed):
        return None
    pair = (many.id, tuple(filter(chosen.__contains__, many.allowed)))
    if len(many.known) < MANY_CACHE:
        many.known[tuple(value)] = pair
    return pair


def _answered_codes(needs: dict, checks: NeedsCheck) -> list[int] | None:
    """The codes of the answered needs when every other one is a criterion's null, else None."""
    if not all(c in checks.ids for c, v in needs.items() if v is None):
        return None
    try:
        return [checks.codes[item] for item in needs.items() if item[1] is not None]
    except (KeyError, TypeError):
        return None


def _looks_tabular(text: str) -> str | None:
    """'CSV' or 'TSV' when a plain scalar document reads as rows of one delimiter (YAML folds the lines of
    a CSV export into one scalar, so the lines are gone: the delimiter count of the text tells)."""
    for delimiter, format_name in (("\t", "TSV"), (",", "CSV")):
        if text.count(delimiter) >= 2 and ":" not in text.split(delimiter, 1)[0]:
            return format_name
    return None


def workload_from_node(node: Node, source: Source, default_name: str, catalogue: Catalogue) -> Outcome:
    """Check one requirement document against the catalogue."""
    problems = Collector()
    if not node.is_map:
        what = "empty" if node.is_scalar and node.value is None else node.describe()
        table = _looks_tabular(node.value) if node.is_scalar and isinstance(node.value, str) else None
        if table is not None:  # a spreadsheet export read as YAML: name the format and the way to read it
            problems.add(node.span, "not-a-requirement", f"this looks like {table}, not a requirement file",
                         f"name the file .{table.lower()}, or for standard input pass --input-format {table.lower()}")
            return InputError(problems.problems)
        problems.add(node.span, "wrong-type", f"a requirement must be a mapping with name: and needs:, got {what}",
                     "see examples/ for the format")
        return InputError(problems.problems)
    _hint_other_tool(node, problems)
    if problems:
        return InputError(problems.problems)
    f = fields(node, "a requirement", (), REQUIREMENT_KEYS, problems) or {}
    name = _name(f["name"], problems) if "name" in f else default_name
    description = _description(f.get("description"), problems)
    labels = check_labels(f["labels"], problems) if "labels" in f else ()
    needs = check_needs(f["needs"], catalogue, problems) if "needs" in f else ()
    if problems:
        return InputError(problems.problems)
    return Workload(name or default_name, needs, source, description, labels)


def _name(node: Node, problems: Collector) -> str | None:
    name = text(node, "'name'", problems)
    if name is not None and _CONTROL.search(name):
        problems.add(node.span, "control-character", f"'name' holds a control character: '{shown(name)}'",
                     "a name is one line of plain text")
        return None
    return name


def _description(node: Node | None, problems: Collector) -> str:
    """An empty description is no description (as on the JSON Lines fast path), not an error."""
    if node is not None and node.is_scalar and isinstance(node.value, str) and not node.value.strip():
        return ""
    return text(node, "'description'", problems, required=False) or ""


def _hint_other_tool(node: Node, problems: Collector) -> None:
    keys = [k for k, _, _ in node.entries()]
    if any(k in REQUIREMENT_KEYS for k in keys):
        return
    for key in keys:
        if key in _OTHER_TOOLS:
            problems.add(node.span, "not-a-requirement", f"this looks like {_OTHER_TOOLS[key]} (it has '{key}:'), not a requirement file",
                         "a requirement file has name: and needs:; see examples/")
            return


def check_needs(node: Node, catalogue: Catalogue, problems: Collector) -> NeedPairs:
    if node.is_scalar and node.value is None:
        return ()
    if not node.is_map:
        problems.add(node.span, "wrong-type", f"'needs' must map criteria to values, got {node.describe()}",
                     "write e.g. needs: {latency: critical}")
        return ()
    found: dict[str, NeedValue] = {}
    for key, key_node, value in node.entries():
        criterion = catalogue.get(key)
        if criterion is None:
            problems.add(key_node.span, "unknown-criterion", f"unknown criterion '{shown(key)}'",
                         did_you_mean(key, catalogue.ids) or one_of(catalogue.ids))
            continue
        checked = _check_value(criterion, value, problems)
        if checked is not None:
            found[key] = checked
    return tuple((c.id, found[c.id]) for c in catalogue.criteria if c.id in found)


def _check_value(criterion: Criterion, node: Node, problems: Collector) -> NeedValue | None:
    if node.is_scalar and node.value is None:
        return None  # explicitly unanswered
    if criterion.many:
        items = node.items if node.is_seq else (node,)
        if node.is_map or not items:
            problems.add(node.span, "wrong-type", f"'{criterion.id}' takes a list of values, got {node.describe()}",
                         f"leave it out for no preference; {one_of(criterion.value_ids)}")
            return None
        values = [_one_value(criterion, item, problems) for item in items]
        if any(v is None for v in values):
            return None
        if len(set(values)) != len(values):
            problems.add(node.span, "duplicate-value", f"'{criterion.id}' lists a value twice", "list each value once")
            return None
        return tuple(v for v in criterion.value_ids if v in values)
    if not node.is_scalar:
        problems.add(node.span, "wrong-type", f"'{criterion.id}' takes one value, got {node.describe()}",
                     f"{one_of(criterion.value_ids)}")
        return None
    return _one_value(criterion, node, problems)


def _one_value(criterion: Criterion, node: Node, problems: Collector) -> str | None:
    allowed = criterion.value_ids
    value = node.value
    yes_no = "yes" in allowed and "no" in allowed
    if yes_no and isinstance(value, bool):
        return "yes" if value else "no"
    if yes_no and isinstance(value, str) and value.lower() in _YES_NO and _YES_NO[value.lower()] in allowed:
        return _YES_NO[value.lower()]
    word = scalar_text(node) if node.is_scalar else None
    if word is None:
        hint = f"{one_of(allowed)}; quote the value if it is meant as text"
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            hint = f"{one_of(allowed)}"
        problems.add(node.span, "wrong-type", f"'{criterion.id}' takes a value name, got {_short(node)}", hint)
        return None
    if word not in allowed:
        problems.add(node.span, "unknown-value", f"'{_clip(shown(word))}' is not a value of '{criterion.id}'",
                     did_you_mean(word, allowed) or one_of(allowed))
        return None
    return word


def _short(node: Node) -> str:
    return _clip(node.describe())


def _clip(text_: str, limit: int = 60) -> str:
    return text_ if len(text_) <= limit else text_[: limit - 3] + "..."


def _error(name: str, code: str, message: str, hint: str = "", line: int = 0) -> InputError:
    return InputError([Problem(Span(name, line, 1 if line else 0), code, message, hint)])


def workload_from_mapping(needs: Mapping[str, object], catalogue: Catalogue, name: str = "workload") -> Workload:
    """For the Python API: check a plain mapping of needs; raise InputError when it is wrong."""
    span = Span("<needs>", 0, 0)
    if not isinstance(needs, Mapping):
        raise InputError([Problem(span, "wrong-type", f"needs must be a mapping of criteria to values, got {_api_type(needs)}",
                                  "pass e.g. {'latency': 'critical'}")])
    bad = next(_api_odd_values(needs), None)
    if bad is not None:
        raise InputError([Problem(span, "wrong-type", f"'{shown(str(bad[0]))}' takes value names, got {_api_type(bad[1])}",
                                  "give a value name, or a list of them")])
    checked_data = check_value(dict(needs))
    if isinstance(checked_data, JsonProblem):
        raise InputError([Problem(span, checked_data.code, checked_data.message, checked_data.hint)])
    problems = Collector()
    checked = check_needs(from_python(dict(needs), span), catalogue, problems)
    if problems:
        raise InputError(problems.problems)
    return Workload(name, checked, Source("<api>"))


_API_SCALARS = (str, int, float, bool, type(None))


def _api_odd_values(needs: Mapping[str, object]) -> Iterator[tuple[object, object]]:
    """(criterion, value) for each value that is neither a plain value nor a list or tuple of them:
    a set, an object... would otherwise be read as its repr."""
    for key, value in needs.items():
        items = value if isinstance(value, (list, tuple)) else (value,)
        if not all(isinstance(item, _API_SCALARS) for item in items):
            yield key, value


def _api_type(value: object) -> str:
    if value is None or isinstance(value, (str, int, float, bool)):
        return repr(value)[:40]
    return f"a {type(value).__name__}"

"""Load a rule set folder: catalogue, options, reference page and rule files, all checked.

Every problem in every file is collected and raised at once as a :class:`RuleError`, sorted by
file and line.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from .conditions import parse_condition
from .errors import Collector, Problem, RuleError, Span, choose_from, did_you_mean
from .fields import fields, text, text_list
from .limits import limit_problems
from .files import NotRegular, read_regular
from .model import (OPTION_IDS, Advice, Catalogue, Criterion, Option, Property, Rule, RuleSet,
                    Value)
from .tree import Node
from .yamlio import Limits, parse_yaml

CATALOGUE_FILE = "criteria.yaml"
OPTIONS_FILE = "options.yaml"
REFERENCE_FILE = "deployment-options.md"
TEST_SUFFIX = ".test.yaml"
INVARIANTS_FILE = "invariants.yaml"  # declared invariants (engine/authoring/invariants.py), not rules
POINTS_RANGE = (-5, 5)
MAX_RULE_FILE_BYTES = 1_000_000
KEBAB_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # rule and invariant ids; schema.py gives editors the same pattern
_ID = re.compile(KEBAB_ID)
_VALUE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ANCHOR = re.compile(r'<a\s+id="([^"]+)"\s*>\s*</a>\s*\n+\s*#+\s*(.+)')
# Every file of a rule folder: rule authors write big catalogues and share conditions with anchors (bounded)
RULE_LIMITS = Limits(max_depth=64, max_nodes=200_000, allow_aliases=True)


def shipped_rules_dir() -> Path:
    """The rule set installed with the package: the folder of the ``deploy_advisor.rules`` package
    (found without importing it, nor importlib.resources, whose readers cost start-up time)."""
    spec = importlib.util.find_spec("deploy_advisor.rules")
    if spec is None or not spec.submodule_search_locations:
        raise RuleError([Problem(Span("deploy_advisor.rules"), "no-rules-dir", "the shipped rule set is not installed",
                                 "reinstall deploy-advisor")])
    return Path(list(spec.submodule_search_locations)[0])


def load_ruleset(directory: str | Path | None = None) -> RuleSet:
    """Load and validate the rule set in ``directory`` (default: the shipped one)."""
    ruleset, problems = load_ruleset_partially(directory)
    if problems or ruleset is None:
        raise RuleError(problems)
    return ruleset


def load_ruleset_partially(directory: str | Path | None = None) -> tuple[RuleSet | None, tuple[Problem, ...]]:
    """Every problem of the rule set in ``directory``, and the rule set made of what did load.

    `deploy-advisor check` uses it to analyse the good rules even when others are broken. The rule
    set is None when the catalogue itself cannot be read (nothing else can be checked without it).
    """
    root = Path(directory) if directory is not None else shipped_rules_dir()
    problems = Collector()
    if not root.is_dir():
        return None, (Problem(Span(str(root)), "no-rules-dir", "not a rule set folder",
                              f"give a folder holding {CATALOGUE_FILE}, {OPTIONS_FILE} and rule files"),)
    label = _labeller(root, directory is None)
    catalogue = _load_catalogue(root / CATALOGUE_FILE, label, problems)
    options, tie_break = _load_options(root / OPTIONS_FILE, label, problems)
    anchors = _load_anchors(root / REFERENCE_FILE, label, problems)
    rules: list[Rule] = []
    if catalogue is not None:
        for path in rule_files(root):
            rules.extend(_load_rule_file(path, label(path), catalogue, set(anchors), problems))
        _check_unique_ids(rules, problems)
        _check_option_sources(options, label(root / OPTIONS_FILE), set(anchors), problems)
    if catalogue is None:
        return None, tuple(problems.problems or [Problem(Span(str(root)), "no-catalogue", "no catalogue")])
    ruleset = RuleSet(catalogue=catalogue, options=options, tie_break=tie_break, rules=tuple(rules),
                      anchors=frozenset(anchors), reference=REFERENCE_FILE, root=str(root), anchor_titles=anchors)
    # durable-rules crashes or hangs past its limits instead of refusing: refuse here, before any call into it
    problems.problems.extend(limit_problems(ruleset, label(root / CATALOGUE_FILE).rsplit("/", 1)[0]))
    return ruleset, tuple(problems.problems)


def rule_files(root: Path) -> list[Path]:
    # a pipe or device named *.yaml is kept, to be reported by read_text (not read: it could block)
    names = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.exists() and not p.is_dir())
    return [p for p in names if p.name not in (CATALOGUE_FILE, OPTIONS_FILE, INVARIANTS_FILE) and not p.name.endswith(TEST_SUFFIX)]


def _labeller(root: Path, shipped: bool):
    """How files are named in messages: relative to the rule folder, prefixed 'rules/' when shipped."""
    prefix = "rules" if shipped else str(root)

    def label(path: Path) -> str:
        return f"{prefix}/{path.relative_to(root).as_posix()}" if prefix != "." else path.relative_to(root).as_posix()

    return label


def read_text(path: Path, name: str, problems: Collector, limit: int = MAX_RULE_FILE_BYTES) -> str | None:
    try:
        data = read_regular(path, limit + 1)  # bounded and never blocking: a pipe or /dev/zero cannot hang or fill memory
    except FileNotFoundError:
        problems.add(Span(name), "missing-file", "file not found", "every rule set needs this file")
        return None
    except NotRegular:
        problems.add(Span(name), "not-a-regular-file", "not a regular file (a pipe, a device or a socket)",
                     "a rule set holds plain files")
        return None
    except OSError as exc:
        problems.add(Span(name), "unreadable", f"cannot read the file: {exc.strerror}")
        return None
    if len(data) > limit:
        problems.add(Span(name, 1, 1), "too-large", f"larger than {limit} bytes", "split the file")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(Span(name, line, 1), "not-utf8", "not UTF-8 text", "save the file as UTF-8")
        return None


def one_document(path: Path, name: str, problems: Collector, wrong: str = "expected one YAML document holding a mapping",
                 hint: str = "", empty_ok: bool = False) -> Node | None:
    """The one mapping of a rule-folder file (catalogue, options, rules, tests, invariants), read with
    RULE_LIMITS; None, its problem collected, when it cannot be read or parsed or holds anything else
    (``wrong`` and ``hint`` say what the file should hold). With ``empty_ok``, an empty file is None
    with no problem: it declares nothing."""
    content = read_text(path, name, problems)
    if content is None:
        return None
    try:
        docs = parse_yaml(content, name, RULE_LIMITS, RuleError)
    except RuleError as exc:
        problems.problems.extend(exc.problems)
        return None
    if empty_ok and not docs:
        return None
    if len(docs) != 1 or not docs[0].is_map:
        problems.add(Span(name, 1, 1), "wrong-type", wrong, hint)
        return None
    return docs[0]


# --- catalogue -------------------------------------------------------------------------------


def _load_catalogue(path: Path, label, problems: Collector) -> Catalogue | None:
    name = label(path)
    doc = one_document(path, name, problems)
    if doc is None:
        return None
    top = fields(doc, "the catalogue", ("criteria",), (), problems)
    if not top or "criteria" not in top or not top["criteria"].is_seq:
        if top and "criteria" in top:
            problems.add(top["criteria"].span, "wrong-type", "'criteria' must be a list")
        return None
    parsed = [(_criterion(node, problems), node) for node in top["criteria"].items]
    criteria = [c for c, _ in parsed if c is not None]
    seen: dict[str, Criterion] = {}
    for criterion in criteria:
        if criterion.id in seen or criterion.id in ("all", "any", "not"):
            problems.add(criterion.span, "duplicate-id", f"criterion '{criterion.id}' is defined twice or reserved")
        seen[criterion.id] = criterion
    catalogue = Catalogue(tuple(criteria))
    with_when = []
    for criterion, node in parsed:
        if criterion is None:
            continue
        when_node = node.get("when")
        when = parse_condition(when_node, catalogue, problems) if when_node is not None else None
        with_when.append(criterion._replace(when=when))
    return Catalogue(tuple(with_when))


def _criterion(node: Node, problems: Collector) -> Criterion | None:
    f = fields(node, "a criterion", ("id", "takes", "question", "values"), ("help", "default", "when"), problems)
    if f is None:
        return None
    cid = text(f.get("id"), "a criterion id", problems)
    takes = text(f.get("takes"), "'takes'", problems)
    if takes not in (None, "one", "many"):
        problems.add(f["takes"].span, "wrong-value", f"'takes' must be one or many, got '{takes}'")
        return None
    question = text(f.get("question"), "a question", problems)
    values = _values(f.get("values"), problems)
    if not (cid and takes and question and values):
        return None
    if not _VALUE_ID.match(cid):
        problems.add(f["id"].span, "bad-id", f"criterion id '{cid}' must be lower_snake_case")
    default = _default(f.get("default"), takes, tuple(v.id for v in values), problems)
    return Criterion(id=cid, takes=takes, question=question, help=text(f.get("help"), "help", problems) or "",
                     values=values, default=default, span=node.span)


def _values(node: Node | None, problems: Collector) -> tuple[Value, ...] | None:
    if node is None:
        return None
    if not node.is_seq or not node.items:
        problems.add(node.span, "wrong-type", "'values' must be a non-empty list")
        return None
    out: list[Value] = []
    for item in node.items:
        f = fields(item, "a value", ("id", "label"), ("help",), problems)
        if f is None:
            continue
        vid = text(f.get("id"), "a value id", problems)
        label = text(f.get("label"), "a label", problems)
        if vid and label:
            if not _VALUE_ID.match(vid):
                problems.add(f["id"].span, "bad-id", f"value id '{vid}' must be lower_snake_case")
            if any(v.id == vid for v in out):
                problems.add(f["id"].span, "duplicate-id", f"value '{vid}' is listed twice")
            out.append(Value(vid, label, text(f.get("help"), "help", problems) or ""))
    return tuple(out)


def _default(node: Node | None, takes: str, allowed: tuple[str, ...], problems: Collector):
    if node is None:
        return None
    values = text_list(node, "a default", problems) or ()
    for value in values:
        if value not in allowed:
            problems.add(node.span, "unknown-value", f"default '{value}' is not a value", choose_from(value, allowed))
            return None
    if takes == "one":
        if len(values) != 1:
            problems.add(node.span, "wrong-type", "a one-value criterion takes one default")
            return None
        return values[0]
    return tuple(values)


# --- options ---------------------------------------------------------------------------------


def _load_options(path: Path, label, problems: Collector) -> tuple[tuple[Option, ...], tuple[str, ...]]:
    name = label(path)
    doc = one_document(path, name, problems)
    if doc is None:
        return (), OPTION_IDS
    top = fields(doc, "the options file", ("options", "tie_break"), (), problems) or {}
    options = []
    for node in (top["options"].items if "options" in top and top["options"].is_seq else ()):
        option = _option(node, problems)
        if option:
            options.append(option)
    ids = [o.id for o in options]
    if sorted(ids) != sorted(OPTION_IDS):
        problems.add(doc.span, "wrong-options", f"the options must be exactly {', '.join(OPTION_IDS)}",
                     f"found {', '.join(ids) or 'none'}")
    tie = text_list(top.get("tie_break"), "tie_break", problems) or ()
    if sorted(tie) != sorted(OPTION_IDS) and "tie_break" in top:
        problems.add(top["tie_break"].span, "wrong-options", "tie_break must list every option once")
    return tuple(options), tuple(tie) if sorted(tie) == sorted(OPTION_IDS) else OPTION_IDS


def _option(node: Node, problems: Collector) -> Option | None:
    f = fields(node, "an option", ("id", "label", "summary"), ("properties",), problems)
    if f is None:
        return None
    oid = text(f.get("id"), "an option id", problems)
    if oid and oid not in OPTION_IDS:
        unknown_option(f["id"].span, oid, problems)
        return None
    props = []
    pnode = f.get("properties")
    if pnode is not None and pnode.is_map:
        for pname, _, pval in pnode.entries():
            pf = fields(pval, f"property '{pname}'", ("value", "source"), (), problems) or {}
            value = text(pf.get("value"), "a property value", problems)
            source = text(pf.get("source"), "a source", problems)
            if value and source:
                props.append(Property(pname, value, source))
    label = text(f.get("label"), "a label", problems)
    summary = text(f.get("summary"), "a summary", problems)
    if not (oid and label and summary):
        return None
    return Option(oid, label, summary, tuple(props))


def _check_option_sources(options, name: str, anchors: set[str], problems: Collector) -> None:
    for option in options:
        for prop in option.properties:
            if prop.source not in anchors:
                problems.add(Span(name), "unknown-source", f"property {option.id}.{prop.name} cites '{prop.source}', which is not an anchor",
                             _anchor_hint(prop.source, anchors, ""))


# --- reference page --------------------------------------------------------------------------


def _load_anchors(path: Path, label, problems: Collector) -> dict[str, str]:
    content = read_text(path, label(path), problems)
    if content is None:
        return {}
    anchors: dict[str, str] = {}
    for match in _ANCHOR.finditer(content):
        anchor, title = match.group(1), match.group(2).strip()
        if anchor in anchors:
            line = content[: match.start()].count("\n") + 1
            problems.add(Span(label(path), line, 1), "duplicate-anchor", f"anchor '{anchor}' is defined twice")
        anchors[anchor] = title
    return anchors


# --- rules -----------------------------------------------------------------------------------


def _load_rule_file(path: Path, name: str, catalogue: Catalogue, anchors: set[str], problems: Collector) -> list[Rule]:
    doc = one_document(path, name, problems)
    if doc is None:
        return []
    top = fields(doc, "a rule file", ("rules",), ("concern",), problems)
    if not top or "rules" not in top:
        return []
    if not top["rules"].is_seq:
        problems.add(top["rules"].span, "wrong-type", f"'rules' must be a list, got {top['rules'].describe()}")
        return []
    concern = text(top.get("concern"), "concern", problems, required=False) or path.stem
    rules = [_rule(node, name, concern, catalogue, anchors, problems) for node in top["rules"].items]
    return [r for r in rules if r is not None]


def _rule(node: Node, name: str, concern: str, catalogue: Catalogue, anchors: set[str], problems: Collector) -> Rule | None:
    f = fields(node, "a rule", ("id", "when", "because", "source"), ("points", "exclude", "advice"), problems)
    if f is None:
        return None
    before = len(problems.problems)
    rid = kebab_id(f, "rule", problems)
    when = parse_condition(f["when"], catalogue, problems) if "when" in f else None
    points = _points(f.get("points"), problems)
    exclude = _exclude(f.get("exclude"), problems)
    if ("points" in f) == ("exclude" in f):
        problems.add(node.span, "bad-effect", "a rule needs exactly one of 'points' or 'exclude'",
                     "split it into two rules, one per effect")
    because = text(f.get("because"), "'because'", problems)
    source = text(f.get("source"), "'source'", problems)
    if source is not None and source not in anchors:
        problems.add(f["source"].span, "unknown-source", f"source '{source}' is not an anchor of {REFERENCE_FILE}",
                     _anchor_hint(source, anchors))
    advice = _advice(f.get("advice"), anchors, problems)
    if len(problems.problems) > before or not (rid and when and because and source):
        return None
    return Rule(id=rid, when=when, points=points or (), exclude=exclude or (), because=because, source=source,
                file=name, line=node.span.line, concern=concern, advice=advice,
                key_spans=tuple((key, key_node.span) for key, key_node, _ in node.entries()))


def kebab_id(f: dict[str, Node], what: str, problems: Collector) -> str | None:
    """The ``id`` of a rule or an invariant: text, and kebab-case (a wrong one is reported, still returned)."""
    found = text(f.get("id"), f"{'an' if what[0] in 'aeiou' else 'a'} {what} id", problems)
    if found and not _ID.match(found):
        problems.add(f["id"].span, "bad-id", f"{what} id '{found}' must be kebab-case", "use lower-case words joined by '-'")
    return found


def _points(node: Node | None, problems: Collector) -> tuple[tuple[str, int], ...] | None:
    if node is None:
        return None
    if not node.is_map or not node.pairs:
        problems.add(node.span, "wrong-type", f"'points' must map options to whole numbers, got {node.describe()}",
                     "write e.g. {container: 2, vm: -1}")
        return None
    found: dict[str, int] = {}
    low, high = POINTS_RANGE
    for key, key_node, value in node.entries():
        if key not in OPTION_IDS:
            unknown_option(key_node.span, key, problems)
            continue
        if not isinstance(value.value, int) or isinstance(value.value, bool) or not value.is_scalar:
            problems.add(value.span, "wrong-type", f"points must be a whole number, got {value.describe()}")
            continue
        if not (low <= value.value <= high) or value.value == 0:
            problems.add(value.span, "points-range", f"{value.value} points is outside {low}..{high} (0 excluded)",
                         "use -5..5; leave an option out instead of giving it 0")
            continue
        found[key] = value.value
    return tuple((o, found[o]) for o in OPTION_IDS if o in found)


def _exclude(node: Node | None, problems: Collector) -> tuple[str, ...] | None:
    if node is None:
        return None
    names = text_list(node, "an option", problems)
    if names is None:
        return None
    for name in names:
        if name not in OPTION_IDS:
            unknown_option(node.span, name, problems)
            return None
    if not names:
        problems.add(node.span, "wrong-type", "'exclude' needs at least one option")
        return None
    return tuple(o for o in OPTION_IDS if o in names)


def _advice(node: Node | None, anchors: set[str], problems: Collector) -> Advice | None:
    if node is None:
        return None
    f = fields(node, "advice", ("option", "text"), ("because", "source", "required"), problems)
    if not f:
        return None
    before = len(problems.problems)
    option = text(f.get("option"), "an option", problems)
    body = text(f.get("text"), "advice text", problems)
    because = text(f.get("because"), "the advice's 'because'", problems) or ""
    source = text(f.get("source"), "the advice's 'source'", problems) or ""
    required = _flag(f.get("required"), "the advice's 'required'", problems)
    if option and option not in OPTION_IDS:
        unknown_option(f["option"].span, option, problems)
        return None
    if source and source not in anchors:
        problems.add(f["source"].span, "unknown-source", f"advice source '{source}' is not an anchor of {REFERENCE_FILE}",
                     _anchor_hint(source, anchors))
    if len(problems.problems) > before:
        return None
    return Advice(option, body, because, source, required) if option and body else None


def unknown_option(span: Span, name: str, problems: Collector) -> None:
    """The one way a rule-folder file is told that a name is not an option."""
    problems.add(span, "unknown-option", f"unknown option '{name}'", choose_from(name, OPTION_IDS))


def _anchor_hint(source: str, anchors: set[str], or_else: str = " or cite an existing anchor") -> str:
    """What to do about a source that is not an anchor of the reference page."""
    return did_you_mean(source, anchors) or f'add <a id="{source}"></a> to {REFERENCE_FILE}{or_else}'


def _flag(node: Node | None, what: str, problems: Collector) -> bool:
    """An optional yes/no field: absent means false."""
    if node is None:
        return False
    if not isinstance(node.value, bool):
        problems.add(node.span, "wrong-type", f"{what} must be true or false", "write true or false")
        return False
    return node.value


def _check_unique_ids(rules: list[Rule], problems: Collector) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id]
            problems.add(rule.span, "duplicate-rule-id", f"rule id '{rule.id}' is already used at {first.file}:{first.line}",
                         "give each rule its own id")
        else:
            seen[rule.id] = rule

"""The only module that imports PyYAML.

YAML is read as a stream of parser events and composed here, iteratively, into :class:`Node` trees:
spans are kept for every node, duplicate keys are errors, aliases are refused (or bounded), tags
outside YAML's core schema are refused, and depth and size are bounded, so no file can make the
loader construct objects, recurse without limit or expand without limit.
"""
from __future__ import annotations

from typing import Any, Iterable

import yaml

from .errors import Collector, InputError, Problem, Span
from .jsonload import encodable
from .records import NamedTuple
from .tree import Node

try:  # libyaml's parser is much faster; PyYAML falls back to pure Python where it is absent
    _Loader: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class Limits(NamedTuple):
    """Bounds on one document; every loader enforces them before it builds anything big."""

    max_depth: int = 64
    max_nodes: int = 50_000
    allow_aliases: bool = False


def parse_yaml(text: str, file: str, limits: Limits = Limits(), error: type[InputError] = InputError) -> list[Node]:
    """Parse every document of a YAML text into trees; raise ``error`` with all problems found."""
    composer = _Composer(file, limits)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            composer.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        problem = (exc.problem or exc.context or "not valid YAML").strip()
        if "nesting depth" in problem:  # libyaml's own bound, below ours for flow collections
            raise error([Problem(span, "too-deep", f"nesting too deep: {problem}", "flatten the document")]) from None
        raise error([Problem(span, "yaml-syntax", f"not valid YAML: {problem}", "fix the YAML syntax at that place")]) from None
    except yaml.YAMLError as exc:  # reader errors: bad bytes or control characters
        raise error([Problem(_reader_span(file, exc), "yaml-syntax", f"not valid YAML: {_first_line(exc)}",
                             "save the file as UTF-8 text")]) from None
    except _Stop:
        pass
    if composer.problems:
        raise error(composer.problems.problems)
    return composer.documents


def parse_json(text: str, file: str, limits: Limits = Limits(), error: type[InputError] = InputError) -> Node:
    """Parse a JSON text into one tree, with exact spans where the text is also plain YAML."""
    from .jsonload import Bounds, JsonProblem, as_problem, loads
    from .tree import from_python

    data = loads(text, Bounds(limits.max_depth, limits.max_nodes))
    if isinstance(data, JsonProblem):
        raise error([as_problem(data, file, text)])
    try:
        docs = parse_yaml(text, file, limits, error)
        if len(docs) == 1 and docs[0].to_python() == data:
            return docs[0]
    except InputError:
        pass
    return from_python(data, Span(file, 1, 1))


def dump_yaml(data: object) -> str:
    """Plain block-style YAML, keys in the order given."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


class _FlowListDumper(_Dumper):
    """Writes a list of plain values on one line, as people write them in requirement files."""


def _represent_list(dumper: Any, data: list) -> Any:
    flow = all(not isinstance(item, (list, dict)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(list, _represent_list)


def dump_yaml_flow_lists(data: object) -> str:
    """Like :func:`dump_yaml`, but lists of plain values in flow style (`os_families: [linux]`)."""
    return yaml.dump(data, Dumper=_FlowListDumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)


def dump_yaml_documents(documents: Iterable[object]) -> str:
    return yaml.dump_all(list(documents), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False, explicit_start=True, width=100)


class _Stop(Exception):
    """Raised to stop parsing once a limit is hit; the problem is already recorded."""


class _Composer:
    """Builds trees from parser events without recursion."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.problems = Collector()
        self.documents: list[Node] = []
        self.anchors: dict[str, Node] = {}
        self.stack: list[tuple[str, Span, list[Node]]] = []
        self.nodes = 0
        self.sizes: dict[int, int] = {}

    def span(self, event: Any) -> Span:
        mark = event.start_mark
        return Span(self.file, mark.line + 1, mark.column + 1)

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.anchors = {}
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.open(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.close()
        elif isinstance(event, yaml.ScalarEvent):
            self.add(self.scalar(event))
        elif isinstance(event, yaml.AliasEvent):
            self.alias(event)

    def count(self, span: Span) -> None:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            self.stop(span, "too-large", f"more than {self.limits.max_nodes} values in one file",
                      "a requirement or rule file is small; split it or check where it came from")

    def stop(self, span: Span, code: str, message: str, hint: str) -> None:
        self.problems.add(span, code, message, hint)
        raise _Stop()

    def check_tag(self, event: Any, span: Span) -> None:
        tag = getattr(event, "tag", None)
        if tag and tag not in ("!", "?") and tag not in _CORE_TAGS:
            self.stop(span, "forbidden-tag", f"the YAML tag {tag} is not allowed",
                      "remove the tag: only plain values, lists and mappings are read")

    def open(self, event: Any) -> None:
        span = self.span(event)
        self.check_tag(event, span)
        self.count(span)
        if len(self.stack) >= self.limits.max_depth:
            self.stop(span, "too-deep", f"nesting deeper than {self.limits.max_depth} levels", "flatten the document")
        kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
        self.stack.append((kind, span, []))
        self.stack[-1][2].append(Node("scalar", span, value=event.anchor))  # placeholder: the anchor name

    def close(self) -> None:
        kind, span, children = self.stack.pop()
        anchor = children[0].value
        children = children[1:]
        if kind == "seq":
            node = Node("seq", span, items=tuple(children))
        else:
            node = Node("map", span, pairs=self.pairs(children))
        self.sizes[id(node)] = 1 + sum(self.sizes.get(id(c), 1) for c in children)
        if anchor:
            self.anchors[str(anchor)] = node
        self.add(node)

    def pairs(self, children: list[Node]) -> tuple[tuple[Node, Node], ...]:
        seen: dict[object, Node] = {}
        out = []
        for key, value in zip(children[0::2], children[1::2]):
            if not key.is_scalar:
                self.problems.add(key.span, "complex-key", "a mapping key must be a plain value", "use a text key")
                continue
            marker = (type(key.value).__name__, key.value) if not isinstance(key.value, str) else key.value
            if marker in seen:
                first = seen[marker].span
                self.problems.add(key.span, "duplicate-key", f"duplicate key '{key.raw}' (first at line {first.line})",
                                  "remove one of the two")
                continue
            seen[marker] = key
            out.append((key, value))
        return tuple(out)

    def add(self, node: Node) -> None:
        if self.stack:
            self.stack[-1][2].append(node)
        else:
            self.documents.append(node)

    def scalar(self, event: Any) -> Node:
        span = self.span(event)
        self.check_tag(event, span)
        self.count(span)
        if not encodable(event.value):  # pure-Python PyYAML reads "\ud83d"
            self.stop(span, "invalid-unicode", "a lone surrogate (\\ud800-\\udfff): half of a character, cut in two",
                      "write the whole character, or remove it")
        plain = not event.style
        tag = event.tag if event.tag not in (None, "!") else _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        if event.tag == "!":
            tag = "tag:yaml.org,2002:str"
        value = self.construct(tag, event)
        node = Node("scalar", span, value=value, raw=event.value, plain=plain)
        if event.anchor:
            self.anchors[event.anchor] = node
        return node

    def construct(self, tag: str, event: Any) -> Any:
        if tag == "tag:yaml.org,2002:str" or tag not in _CORE_TAGS:
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return _CONSTRUCTOR.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return event.value

    def alias(self, event: Any) -> None:
        span = self.span(event)
        if not self.limits.allow_aliases:
            self.stop(span, "alias-refused", f"YAML aliases (*{event.anchor}) are not allowed here",
                      "write the value out in full")
        target = self.anchors.get(event.anchor)
        if target is None:
            self.stop(span, "yaml-syntax", f"unknown alias *{event.anchor}", "define the anchor before using it")
        self.nodes += self.sizes.get(id(target), 1)
        self.count(span)
        self.add(target)


def _reader_span(file: str, exc: yaml.YAMLError) -> Span:
    position = getattr(exc, "position", None)
    return Span(file, 1, (position or 0) + 1) if position is not None else Span(file)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

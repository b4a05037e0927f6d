"""One error family for everything a user can get wrong.

Every error carries a span (file, line, column), a stable code and a message, and optionally a hint
(often a did-you-mean). Callers collect them, sort them by location and report them all.
"""
from __future__ import annotations

from typing import Iterable

from .records import Frozen, Ordered, set_field
from .render.safe import printable


class Span(Ordered):
    """Where something is: 1-based line and column; 0 means unknown. A frozen record (records.Ordered):
    typed, comparable and sortable among spans, and no dataclass to create at every start."""

    _fields = ("file", "line", "column")
    __slots__ = _fields
    file: str
    line: int
    column: int

    def __init__(self, file: str, line: int = 0, column: int = 0) -> None:
        set_field(self, "file", file)
        set_field(self, "line", line)
        set_field(self, "column", column)

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


class Problem(Frozen):
    """One finding: a located, coded message with an optional hint (a frozen record: records.Frozen)."""

    _fields = ("span", "code", "message", "hint")
    __slots__ = _fields
    span: Span
    code: str
    message: str
    hint: str

    def __init__(self, span: Span, code: str, message: str, hint: str = "") -> None:
        set_field(self, "span", span)
        set_field(self, "code", code)
        set_field(self, "message", message)
        set_field(self, "hint", hint)

    def format(self) -> str:
        text = f"{self.span}: {self.code}: {self.message}"
        return printable(f"{text} ({self.hint})" if self.hint else text)  # file names, keys: user text

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class AdvisorError(Exception):
    """Root of every error deploy-advisor reports to a user; holds one or more problems."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems), key=_problem_key))
        if not self.problems:
            raise ValueError("an AdvisorError needs at least one problem")
        super().__init__(self.problems[0].format())

    @property
    def first(self) -> Problem:
        return self.problems[0]

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class RuleError(AdvisorError):
    """The rule set (catalogue, options, rule files, reference page) is wrong."""


class InputError(AdvisorError):
    """A requirement file (or stream) is wrong."""


def _problem_key(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.span.file, problem.span.line, problem.span.column, problem.code)


def shown(text: str) -> str:
    """A name as a message shows it: non-ASCII and control characters escaped (\\u0430), so that a
    Cyrillic 'а' in 'lаtency' or a NUL is visible, and any string can be written."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if (c.isascii() and c.isprintable()) else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return 'did you mean 'x'?' for the closest choice, or '' when nothing is close."""
    match = closest(str(word), list(choices))
    return f"did you mean '{match}'?" if match else ""


def choose_from(word: str, choices: Iterable[str]) -> str:
    """The hint for a name that is not among ``choices``: the closest one, else the list to choose from."""
    choices = list(choices)
    return did_you_mean(word, choices) or one_of(choices)


def closest(word: str, choices: list[str]) -> str:
    """The choice a typo most likely meant: one that starts with the word (`os` -> `os_families`), else
    one of whose '_'-separated parts it is the start (`family` -> `os_families`), else the most similar
    spelling; '' when nothing is close. A prefix beats similarity: `cost` is closer to `os` letter by
    letter, but nobody types `os` meaning `cost`."""
    lowered = word.lower()
    if len(lowered) >= 2:
        for test in (lambda c: c.lower().startswith(lowered),
                     lambda c: any(part.startswith(lowered) for part in c.lower().split("_")),
                     lambda c: lowered in c.lower()):
            found = [c for c in choices if test(c)]
            if found:
                return min(found, key=len)
    import difflib  # here: only a misspelt answer pays for it (start-up)

    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else ""


def one_of(choices: Iterable[str], limit: int = 12) -> str:
    """A short 'expected one of: a, b, c' list for hints."""
    items = list(choices)
    shown = ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")
    return f"expected one of: {shown}"


class Collector:
    """Gathers problems while a file is checked, so that all of them are reported at once."""

    def __init__(self, problems: list[Problem] | None = None) -> None:
        self.problems: list[Problem] = [] if problems is None else problems

    def add(self, span: Span, code: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(span, code, message, hint))

    def __bool__(self) -> bool:
        return bool(self.problems)

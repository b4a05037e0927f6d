"""Machine formats answer by answer: a JSON Lines line, an item of the JSON array, a YAML document.

Each is exactly what the standard encoders make of :func:`data.answer_dict`, so that an answer reads
the same in every format and whoever renders it (one process or several). JSON Lines are the fast
path of large batches: there a rule's reason, the same in every answer it appears in, is encoded
once per process and spliced in (an answer's reasons were most of its encoding time).
"""
from __future__ import annotations

import json

from ..errors import InputError
from ..result import Reason, Result
from ..yamlio import dump_yaml_documents
from .data import answer_dict, result_dict

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_NO_REASONS = '"reasons":[]'
_CACHE_LIMIT = 20_000
_fragments: dict[Reason, str] = {}  # by value: equal reasons encode alike, whichever rule set made them


def jsonl_line(answer: Result | InputError) -> str:
    """One answer as one line of compact JSON (without the newline)."""
    if isinstance(answer, InputError) or not answer.reasons:
        return _compact(answer_dict(answer))
    text = _compact(result_dict(_without_reasons(answer)))
    # the first '"reasons":[]' is the key: inside a string every '"' is escaped as '\"'
    at = text.find(_NO_REASONS)
    if at < 0:
        return _compact(answer_dict(answer))
    return text[:at] + '"reasons":[' + ",".join(map(_fragment, answer.reasons)) + "]" + text[at + len(_NO_REASONS):]


def _without_reasons(result: Result) -> Result:
    """The same result with no reasons (a shallow copy), whose reasons are spliced in already encoded."""
    return result._replace(reasons=())


def _fragment(reason: Reason) -> str:
    kept = _fragments.get(reason)
    if kept is None:
        if len(_fragments) >= _CACHE_LIMIT:
            _fragments.clear()
        kept = _fragments[reason] = _compact(reason.as_dict())
    return kept


def json_item(answer: Result | InputError) -> str:
    """One answer as an item of the indented JSON array (``to_json`` of the whole list, piece by piece)."""
    return "  " + json.dumps(answer_dict(answer), indent=2, ensure_ascii=False).replace("\n", "\n  ")


def yaml_document(answer: Result | InputError) -> str:
    """One answer as a YAML document (with its ``---``)."""
    return dump_yaml_documents([answer_dict(answer)])

"""Results and errors as plain data: the shape of the JSON output, shared by every machine format."""
from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from ..insight import confidence
from ..requirements import Source
from ..result import Result


def result_dict(result: Result) -> dict[str, Any]:
    excluded: dict[str, list[dict[str, Any]]] = {}
    for reason in result.exclusions:
        excluded.setdefault(reason.option, []).append(_exclusion(reason.as_dict()))
    return {
        "name": result.name,
        "source": result.source.as_dict(),
        "labels": dict(result.labels),
        "recommendation": result.recommendation,
        "ranking": [{"option": p.option, "score": p.score, "excluded": p.excluded} for p in result.ranking],
        "scores": result.scores,
        "excluded": excluded,
        "margin": result.margin,
        "confidence": confidence(result),
        "qualified_by": list(result.qualified_by),
        "deciders": list(result.deciders),
        "tied": list(result.tied),
        "conflicts": list(result.conflicts),
        "reasons": [r.as_dict() for r in result.reasons],
        "needs": {k: list(v) if isinstance(v, tuple) else v for k, v in result.needs},
        "advice": [a.as_dict() for a in result.advice],
        **_insight(result),
    }


def _insight(result: Result) -> dict[str, Any]:
    """What would change the answer and the near misses: null unless insight was asked for."""
    insight = result.insight
    return {
        "what_would_change": [c.as_dict() for c in insight.changes] if insight is not None else None,
        "near_misses": [m.as_dict() for m in insight.near_misses] if insight is not None else None,
    }


def _exclusion(reason: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reason.items() if k not in ("option", "points")}


def error_dict(error: InputError) -> dict[str, Any]:
    first = error.first
    return {
        "name": None,
        "source": Source(first.span.file).as_dict(),
        "error": {
            "code": first.code,
            "message": first.message,
            "line": first.span.line,
            "column": first.span.column,
            "hint": first.hint,
            "problems": [p.as_dict() for p in error.problems],
        },
    }


def answer_dict(answer: Result | InputError) -> dict[str, Any]:
    return result_dict(answer) if isinstance(answer, Result) else error_dict(answer)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)

"""The questionnaire as data: one :class:`Question` per criterion of the catalogue, nothing else.

No second list of questions exists: labels, help, defaults and `when` all come from the catalogue,
so a rule author who adds a criterion gets a question for it without touching the wizard.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping, Union

from deploy_advisor.engine.conditions import criteria_in, holds
from deploy_advisor.engine.model import Catalogue, Condition, Criterion

NO_PREFERENCE_LABEL = "I don't know / no preference"
NO_PREFERENCE_HELP = "Leave this question unanswered: no rule about it will count."


class Special(enum.Enum):
    """Replies that are not values of a criterion."""

    NO_PREFERENCE = "no preference"
    BACK = "back"


NO_PREFERENCE = Special.NO_PREFERENCE
BACK = Special.BACK

Value = Union[str, tuple[str, ...]]  # one value, or the chosen values of a many-value criterion
Answer = Union[Value, Special]  # what a question can be answered with (BACK is a move, not an answer)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    help: str


@dataclass(frozen=True)
class Question:
    """One question, as data: what to ask, what may be answered, and when to ask it."""

    id: str
    message: str
    help: str
    many: bool
    choices: tuple[Choice, ...]
    default: Value | None = None
    when: Condition | None = None

    @classmethod
    def from_criterion(cls, criterion: Criterion) -> Question:
        choices = tuple(Choice(v.id, v.label, v.help) for v in criterion.values)
        return cls(criterion.id, criterion.question, criterion.help, criterion.many, choices,
                   criterion.default, criterion.when)

    def applies(self, answers: Mapping[str, Value]) -> bool:
        """Whether `when` holds over the answers known so far (its own answer left out)."""
        if self.when is None:
            return True
        return holds(self.when, {k: v for k, v in answers.items() if k != self.id})

    def label(self, answer: Answer) -> str:
        """How an answer reads to a person: labels, not ids."""
        if answer is NO_PREFERENCE:
            return "no preference"
        values = answer if isinstance(answer, tuple) else (answer,)
        labels = {c.value: c.label for c in self.choices}
        return ", ".join(labels[v] for v in values)


def questionnaire(catalogue: Catalogue) -> tuple[Question, ...]:
    """The questions in catalogue order, except that a question whose `when` mentions a later
    criterion moves after it: otherwise its `when` could never see that answer."""
    questions = [Question.from_criterion(c) for c in catalogue.criteria]
    needs = {q.id: set(criteria_in(q.when)) - {q.id} if q.when else set() for q in questions}
    ordered: list[Question] = []
    while questions:
        placed = {q.id for q in ordered}
        ready = next((q for q in questions if needs[q.id] <= placed), questions[0])  # a cycle keeps catalogue order
        ordered.append(ready)
        questions.remove(ready)
    return tuple(ordered)


def checkbox_verdict(selected: list[object]) -> bool | str:
    """Validation of a many-value answer: at least one tick, and 'no preference' stands alone."""
    if not selected:
        return f"Tick at least one answer with Space, or tick '{NO_PREFERENCE_LABEL}'."
    if NO_PREFERENCE in selected and len(selected) > 1:
        return f"Tick either answers or '{NO_PREFERENCE_LABEL}', not both."
    return True

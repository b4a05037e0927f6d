"""The wizard's flow as a small pure state machine: where we are, what is answered, how we got here.

Every move returns a new :class:`Flow`, so the whole walk (skips, Back, 'no preference', resuming
from a file) is tested without a terminal; :func:`walk` drives it with any `ask` function.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from .questions import BACK, NO_PREFERENCE, Answer, Question, Special, Value


@dataclass(frozen=True)
class Step:
    """What the current question needs to be shown: the question, where it is, what to preselect."""

    question: Question
    number: int  # 1-based position among the questions that apply
    total: int
    preselected: Answer | None  # None: nothing preselected (no earlier answer, no catalogue default)
    can_go_back: bool


@dataclass(frozen=True)
class Flow:
    questions: tuple[Question, ...]
    answers: Mapping[str, Value] = field(default_factory=dict)
    # Questions whose answer is known, 'no preference' included: they preselect it, not the default.
    decided: frozenset[str] = frozenset()
    to_ask: frozenset[str] = frozenset()
    # Questions explicitly answered 'no preference' (here, or in the partial save resumed from): a
    # partial save keeps them, so that resuming does not ask them again.
    declined: frozenset[str] = frozenset()
    history: tuple[int, ...] = ()  # indices of the questions asked before the current one (for Back)
    index: int = 0

    @classmethod
    def start(cls, questions: tuple[Question, ...], answers: Mapping[str, Value] | None = None,
              *, from_file: bool = False, ask_missing: bool = False, declined: frozenset[str] = frozenset()) -> Flow:
        """A new walk. With a file's answers, every question preselects the file's answer, and
        one the file leaves out preselects 'no preference'; ``ask_missing`` asks only those, except
        the ones ``declined`` (answered 'no preference' before)."""
        known = dict(answers or {})
        ids = [q.id for q in questions]
        declined = frozenset(i for i in declined if i in ids and i not in known)
        to_ask = frozenset(i for i in ids if not (ask_missing and (i in known or i in declined)))
        decided = frozenset(ids if from_file and not ask_missing else [*known, *declined])
        return cls(questions, known, decided, to_ask, declined)._settle()

    @property
    def done(self) -> bool:
        return self.index >= len(self.questions)

    @property
    def current(self) -> Question | None:
        return None if self.done else self.questions[self.index]

    def step(self) -> Step:
        question = self.current
        if question is None:
            raise ValueError("the walk is over: no current question")
        shown = [q.id for q in self._remaining_and_asked()]
        return Step(question, shown.index(question.id) + 1, len(shown), self.preselected(question),
                    bool(self.history))

    def preselected(self, question: Question) -> Answer | None:
        if question.id in self.answers:
            return self.answers[question.id]
        if question.id in self.decided:
            return NO_PREFERENCE
        return question.default

    def answer(self, reply: Answer) -> Flow:
        """Record the answer to the current question and move on to the next one that applies."""
        question = self.current
        if question is None:
            raise ValueError("the walk is over: no question to answer")
        if isinstance(reply, Special) and reply is not NO_PREFERENCE:
            raise ValueError(f"not an answer: {reply}")
        answers = _without(self.answers, question.id)
        declined = self.declined - {question.id}
        if reply is NO_PREFERENCE:
            declined |= {question.id}
        else:
            answers[question.id] = reply
        return replace(self, answers=answers, decided=self.decided | {question.id}, declined=declined,
                       history=self.history + (self.index,), index=self.index + 1)._settle()

    def back(self) -> Flow:
        """Return to the question asked before this one; its answer stays, preselected."""
        if not self.history:
            return self
        return replace(self, history=self.history[:-1], index=self.history[-1])

    def _settle(self) -> Flow:
        """Skip questions not to ask; one whose `when` does not hold loses any stale answer."""
        flow = self
        while not flow.done:
            question = flow.questions[flow.index]
            if question.id in flow.to_ask and question.applies(flow.answers):
                break
            stale = question.id in flow.to_ask
            answers = _without(flow.answers, question.id) if stale else flow.answers
            declined = flow.declined - {question.id} if stale else flow.declined
            flow = replace(flow, answers=answers, declined=declined, index=flow.index + 1)
        return flow

    def _remaining_and_asked(self) -> list[Question]:
        """The questions counted in 'n/total': those asked so far, this one, and the later ones
        that would be asked given what is known now."""
        asked = set(self.history) | {self.index}
        return [q for i, q in enumerate(self.questions)
                if i in asked or (i > self.index and q.id in self.to_ask and q.applies(self.answers))]


def _without(answers: Mapping[str, Value], key: str) -> dict[str, Value]:
    return {k: v for k, v in answers.items() if k != key}


class Cancelled(Exception):
    """The person pressed Ctrl-C; ``flow`` holds the answers given so far."""

    def __init__(self, flow: Flow) -> None:
        super().__init__("cancelled")
        self.flow = flow


Ask = Callable[[Step], Answer]


def walk(flow: Flow, ask: Ask) -> Flow:
    """Ask until every question is answered or skipped; Ctrl-C raises :class:`Cancelled`."""
    while not flow.done:
        try:
            reply = ask(flow.step())
        except (KeyboardInterrupt, EOFError):  # Ctrl-C, or the terminal went away
            raise Cancelled(flow) from None
        flow = flow.back() if reply is BACK else flow.answer(reply)
    return flow

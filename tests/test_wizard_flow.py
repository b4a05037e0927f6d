"""The questionnaire as data and the flow as a pure state machine: no terminal needed."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.rulefiles import load_ruleset
from deploy_advisor.wizard.flow import Cancelled, Flow, Step, walk
from deploy_advisor.wizard.questions import BACK, NO_PREFERENCE, Question, checkbox_verdict, questionnaire

TINY = Path(__file__).parent / "fixtures" / "wizard" / "tiny-rules"


@pytest.fixture(scope="module")
def tiny():
    return questionnaire(load_ruleset(TINY).catalogue)


def ids(questions: tuple[Question, ...]) -> list[str]:
    return [q.id for q in questions]


# --- the questionnaire -----------------------------------------------------------------------


def test_every_criterion_of_the_catalogue_is_one_question(ruleset):
    questions = questionnaire(ruleset.catalogue)
    assert sorted(ids(questions)) == sorted(ruleset.catalogue.ids)


def test_a_question_carries_the_catalogue_text_values_labels_and_default(ruleset):
    for question in questionnaire(ruleset.catalogue):
        criterion = ruleset.catalogue[question.id]
        assert question.message == criterion.question and question.help == criterion.help
        assert question.many == criterion.many
        want = [(v.id, v.label, v.help) for v in criterion.values]
        assert [(c.value, c.label, c.help) for c in question.choices] == want
        assert question.default == criterion.default and question.when == criterion.when


def test_a_question_moves_after_the_criterion_its_when_needs(tiny):
    assert ids(tiny) == ["speed", "systems", "packaged", "guest_os"]


def test_the_shipped_host_os_question_comes_after_containerizable(ruleset):
    order = ids(questionnaire(ruleset.catalogue))
    assert order.index("host_os") > order.index("containerizable")


def test_labels_read_as_labels(tiny):
    systems = tiny[1]
    assert systems.label(("linux", "other")) == "Linux, Other"
    assert systems.label(NO_PREFERENCE) == "no preference"


@pytest.mark.parametrize("selected, verdict", [
    ([], "Tick at least one"),
    ([NO_PREFERENCE, "linux"], "not both"),
    (["linux", "windows"], True),
    ([NO_PREFERENCE], True),
])
def test_checkbox_verdict(selected, verdict):
    got = checkbox_verdict(selected)
    assert got is True if verdict is True else verdict in got


# --- the flow --------------------------------------------------------------------------------


def test_a_fresh_walk_starts_at_one_of_all_with_the_catalogue_default(tiny):
    step = Flow.start(tiny).step()
    assert (step.question.id, step.number, step.total) == ("speed", 1, 4)
    assert step.preselected == "normal" and not step.can_go_back


def test_answering_moves_on_and_records(tiny):
    flow = Flow.start(tiny).answer("extreme").answer(("linux", "windows"))
    step = flow.step()
    assert (step.question.id, step.number, step.can_go_back) == ("packaged", 3, True)
    assert flow.answers == {"speed": "extreme", "systems": ("linux", "windows")}


def test_no_preference_leaves_the_criterion_unanswered_and_is_preselected_again(tiny):
    flow = Flow.start(tiny).answer(NO_PREFERENCE)
    assert "speed" not in flow.answers
    assert flow.back().step().preselected is NO_PREFERENCE  # not the catalogue default 'normal'


def test_back_returns_with_the_earlier_answer_preselected_and_a_change_sticks(tiny):
    flow = Flow.start(tiny).answer("extreme").answer(("windows",))
    back = flow.back()
    assert back.step().question.id == "systems" and back.step().preselected == ("windows",)
    back = back.back()
    assert back.step().question.id == "speed" and back.step().preselected == "extreme"
    changed = back.answer("slow_ok")
    assert changed.answers == {"speed": "slow_ok", "systems": ("windows",)}
    assert changed.step().preselected == ("windows",)  # later answers survive going back


def test_back_on_the_first_question_stays_there(tiny):
    flow = Flow.start(tiny)
    assert flow.back() == flow


def test_a_question_whose_when_fails_is_skipped_and_the_total_shrinks(tiny):
    flow = Flow.start(tiny).answer("normal").answer(("linux",))
    assert flow.step().total == 4
    done = flow.answer("no")
    assert done.done and "guest_os" not in done.answers


def test_a_question_whose_when_holds_is_asked(tiny):
    flow = Flow.start(tiny).answer("normal").answer(("linux",)).answer("yes")
    assert (flow.step().question.id, flow.step().number, flow.step().total) == ("guest_os", 4, 4)


def test_a_skipped_question_drops_a_stale_answer(tiny):
    flow = Flow.start(tiny).answer("normal").answer(("linux",)).answer("yes").answer("windows")
    assert flow.done and flow.answers["guest_os"] == "windows"
    changed = flow.back().back().answer("no")
    assert changed.done and "guest_os" not in changed.answers


def test_file_answers_are_preselected_and_what_it_leaves_out_is_no_preference(tiny):
    flow = Flow.start(tiny, {"systems": ("other",), "packaged": "yes"}, from_file=True)
    assert flow.step().preselected is NO_PREFERENCE  # speed: not in the file
    assert flow.answer(NO_PREFERENCE).step().preselected == ("other",)


def test_ask_missing_asks_only_what_the_file_leaves_out(tiny):
    flow = Flow.start(tiny, {"speed": "extreme", "packaged": "yes"}, from_file=True, ask_missing=True)
    step = flow.step()
    assert (step.question.id, step.number, step.total, step.preselected) == ("systems", 1, 2, None)
    done = flow.answer(("linux",)).answer("linux")
    assert done.done
    assert done.answers == {"speed": "extreme", "packaged": "yes", "systems": ("linux",), "guest_os": "linux"}


def test_ask_missing_with_everything_answered_asks_nothing(tiny):
    full = {"speed": "extreme", "systems": ("linux",), "packaged": "no"}
    assert Flow.start(tiny, full, from_file=True, ask_missing=True).done


def test_walk_drives_the_flow_with_any_ask_function(tiny):
    replies = iter(["extreme", ("windows",), BACK, ("linux",), NO_PREFERENCE, "linux"])
    seen: list[tuple[str, int, int]] = []

    def ask(step: Step):
        seen.append((step.question.id, step.number, step.total))
        return next(replies)

    flow = walk(Flow.start(tiny), ask)
    assert flow.answers == {"speed": "extreme", "systems": ("linux",), "guest_os": "linux"}
    assert seen == [("speed", 1, 4), ("systems", 2, 4), ("packaged", 3, 4), ("systems", 2, 4),
                    ("packaged", 3, 4), ("guest_os", 4, 4)]


def test_ctrl_c_raises_cancelled_with_the_answers_so_far(tiny):
    replies = iter(["extreme"])

    def ask(step: Step):
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    with pytest.raises(Cancelled) as stop:
        walk(Flow.start(tiny), ask)
    assert stop.value.flow.answers == {"speed": "extreme"}
    assert stop.value.flow.step().number == 2


def test_a_closed_terminal_cancels_too(tiny):
    def ask(step: Step):
        raise EOFError

    with pytest.raises(Cancelled):
        walk(Flow.start(tiny), ask)


def test_no_engine_thread_runs_while_a_question_waits(ruleset):
    """durable-rules' Host would start timer threads; the one evaluate.py uses starts none."""
    before = set(threading.enumerate())
    advisor = Advisor(ruleset)
    seen: list[set] = []

    def ask(step: Step):
        seen.append(set(threading.enumerate()) - before)
        return NO_PREFERENCE

    flow = walk(Flow.start(questionnaire(advisor.catalogue)), ask)
    advisor.recommend(dict(flow.answers))
    assert seen and all(not extra for extra in seen)
    assert set(threading.enumerate()) == before


def test_no_preference_is_remembered_and_a_resumed_walk_skips_it():
    questions = questionnaire(load_ruleset(TINY).catalogue)
    flow = Flow.start(questions).answer(NO_PREFERENCE).answer(("linux",))
    assert flow.declined == {"speed"}
    assert flow.back().back().answer("extreme").declined == frozenset()  # changed its mind: an answer now
    resumed = Flow.start(questions, {"systems": ("linux",)}, from_file=True, ask_missing=True,
                         declined=frozenset({"speed", "systems", "unknown"}))
    assert resumed.current.id == "packaged" and resumed.declined == {"speed"}  # an answer beats a stale mark
    assert resumed.preselected(questions[0]) is NO_PREFERENCE

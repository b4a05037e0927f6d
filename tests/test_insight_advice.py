"""Qualified placements: advice on a rule, with its own because and source, loaded, checked and shown."""
from __future__ import annotations

import pytest

from conftest import RULES, make_ruleset_dir
from deploy_advisor.engine.api import Advisor
from deploy_advisor.engine.errors import RuleError
from deploy_advisor.engine.render.data import result_dict
from deploy_advisor.engine.render.text import render_result
from deploy_advisor.engine.rulefiles import load_ruleset, rule_files

MINI = """\
rules:
  - id: strong-isolation-favours-vm
    when: {isolation: strong}
    points: {vm: 3, container: -1}
    because: Strong isolation needs a kernel per tenant.
    source: vm-isolation
    advice:
      option: container
      text: Run the containers inside VMs, one VM per tenant.
      because: Each VM has its own kernel.
      source: vm-own-kernel-and-os
  - id: instant-startup-favours-containers
    when: {startup: instant}
    points: {container: 5}
    because: Containers start in seconds.
    source: container-startup
    advice: {option: bare_metal, text: Keep a warm pool of machines.}
"""


def _advisor(tmp_path, text: str = MINI) -> Advisor:
    return Advisor(load_ruleset(make_ruleset_dir(tmp_path, text)), engine="reference")


def _problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(RuleError) as caught:
        load_ruleset(make_ruleset_dir(tmp_path, text))
    return [p.format() for p in caught.value.problems]


def test_advice_carries_its_own_because_and_source(tmp_path):
    advisor = _advisor(tmp_path)
    result = advisor.recommend({"isolation": "strong", "startup": "instant"})
    assert result.recommendation == "container"
    (note,) = result.advice
    assert (note.option, note.text, note.because) == ("container", "Run the containers inside VMs, one VM per tenant.",
                                                      "Each VM has its own kernel.")
    assert note.source == "deployment-options.md#vm-own-kernel-and-os"
    assert result_dict(result)["advice"] == [note.as_dict()]


def test_advice_without_its_own_because_rests_on_the_rules(tmp_path):
    advisor = _advisor(tmp_path, MINI.replace("bare_metal, text", "container, text"))
    notes = advisor.recommend({"startup": "instant"}).advice
    assert [(n.because, n.source) for n in notes] == [("Containers start in seconds.", "deployment-options.md#container-startup")]


def test_advice_shows_for_the_winner_and_the_runner_up_only(tmp_path):
    advisor = _advisor(tmp_path)
    # container 5, then vm and bare metal at 0: the tie-break puts vm second, so bare metal's advice is hidden.
    assert advisor.recommend({"startup": "instant"}).advice == ()
    # vm 3, bare metal 0, container -1: container is third, so its advice is hidden.
    third = advisor.recommend({"isolation": "strong"})
    assert [p.option for p in third.ranking] == ["vm", "bare_metal", "container"] and third.advice == ()


def test_advice_for_an_excluded_option_is_not_shown(tmp_path):
    text = MINI + """\
  - id: custom-kernel-excludes-container
    when: {kernel: custom_required}
    exclude: [container]
    because: A container has no kernel of its own.
    source: container-no-own-kernel
"""
    result = _advisor(tmp_path, text).recommend({"isolation": "strong", "startup": "instant", "kernel": "custom_required"})
    assert result.placement("container").excluded and result.placement("container").score == 4
    assert [n.option for n in result.advice] == ["bare_metal"], "the runner-up's advice, never the excluded option's"


def test_advice_is_rendered_under_the_recommendation(tmp_path):
    advisor = _advisor(tmp_path)
    text = render_result(advisor.recommend({"isolation": "strong", "startup": "instant"}), advisor.ruleset)
    assert text.index("Advice:") < text.index("Why Container:")
    assert "  For Container (recommended): Run the containers inside VMs, one VM per tenant. [1]\n" \
           "    because: Each VM has its own kernel.\n" in text
    assert "[1] deployment-options.md#vm-own-kernel-and-os" in text


@pytest.mark.parametrize("advice, message", [
    ("{option: vm, text: t, source: vm-isolaton}",
     "unknown-source: advice source 'vm-isolaton' is not an anchor of deployment-options.md (did you mean 'vm-isolation'?)"),
    ("{option: vm, text: t, reason: r}", "unknown-key: unknown key 'reason' in advice"),
    ("{option: vm, text: t, because: ''}", "wrong-type: the advice's 'because' must be non-empty text"),
    ("{option: vms, text: t}", "unknown-option: unknown option 'vms' (did you mean 'vm'?)"),
])
def test_check_validates_advice_like_any_rule(tmp_path, advice, message):
    text = ("rules:\n  - id: r\n    when: {latency: critical}\n    points: {vm: 1}\n    because: b\n"
            f"    advice: {advice}\n    source: vm-startup\n")
    problems = _problems(tmp_path, text)
    assert len(problems) == 1 and "/rules/mini.yaml:6:" in problems[0] and message in problems[0], problems


def test_a_rule_still_needs_points_or_exclude_even_with_advice(tmp_path):
    text = ("rules:\n  - id: r\n    when: {latency: critical}\n    because: b\n    source: vm-startup\n"
            "    advice: {option: vm, text: t}\n")
    assert any("bad-effect: a rule needs exactly one of 'points' or 'exclude'" in p for p in _problems(tmp_path, text))


def test_every_shipped_advice_has_its_own_because_and_an_existing_source(ruleset):
    advised = [r for r in ruleset.rules if r.advice is not None]
    assert len(advised) >= 8
    for rule in advised:
        assert rule.advice.because and rule.advice.source in ruleset.anchors, rule.id
        assert rule.advice.option in ruleset.option_ids


def test_the_shipped_placements_the_issue_names_are_advised(ruleset):
    texts = " ".join(r.advice.text for r in ruleset.rules if r.advice is not None)
    for words in ("containers inside", "Hyper-V", "dedicated, single-tenant host", "Pass the device through"):
        assert words in texts


def test_shipped_rule_files_validate_against_the_generated_schema(ruleset):
    jsonschema = pytest.importorskip("jsonschema")
    from deploy_advisor.engine.authoring.schema import schema_for
    from deploy_advisor.engine.yamlio import parse_yaml

    validator = jsonschema.Draft202012Validator(schema_for("rules", ruleset))
    for path in rule_files(RULES):
        (doc,) = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        assert not list(validator.iter_errors(doc.to_python())), path.name

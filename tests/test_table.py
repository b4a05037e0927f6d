"""`deploy-advisor table`: the rule set as a decision table, against golden files in every format."""
from __future__ import annotations

import csv
import io

import pytest

from conftest import ROOT
from deploy_advisor.engine.conditions import criteria_in
from deploy_advisor.engine.authoring.regions import evaluate
from deploy_advisor.engine.authoring.table import by_criterion, decision_table
from deploy_advisor.main import main
from goldens import HERE, assert_golden

GOLDEN = HERE / "golden" / "table"
SUFFIX = {"text": "txt", "markdown": "md", "csv": "csv", "html": "html"}


@pytest.mark.parametrize("view", ["rules", "by-criterion"])
@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_shipped_table_matches_golden(fmt: str, view: str, capsys, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    argv = ["table", "rules", "--format", fmt] + (["--by-criterion"] if view == "by-criterion" else [])
    assert main(argv) == 0
    out = capsys.readouterr().out
    if fmt == "csv":  # RFC 4180 ends rows with CRLF; the golden file is kept with plain line ends
        assert out.count("\r\n") == out.count("\n")
        out = out.replace("\r\n", "\n")
    assert_golden(GOLDEN / f"{view}.{SUFFIX[fmt]}", out)


def test_one_row_per_rule_in_file_and_line_order(ruleset) -> None:
    table = decision_table(ruleset)
    assert [r.rule for r in table.rows] == [r.id for r in sorted(ruleset.rules, key=lambda r: (r.file, r.line))]
    for row in table.rows:
        rule = ruleset.rule(row.rule)
        assert {c for c, _ in row.conditions} | ({"other"} if row.other else set()) <= set(criteria_in(rule.when)) | {"other"}
        assert dict(row.effects) == {o: ("excluded" if o in rule.exclude else
                                         (f"{dict(rule.points)[o]:+d}" if o in dict(rule.points) else ""))
                                     for o in ruleset.option_ids}
        if rule.advice is not None and rule.advice.required:
            assert row.advice.startswith("required: ")


def test_csv_has_a_column_per_criterion_and_option(ruleset, capsys) -> None:
    main(["table", "--format", "csv"])
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(ruleset.rules) + 1
    assert set(ruleset.option_ids) <= set(rows[0]) and rows[0][0] == "rule"


def test_by_criterion_agrees_with_the_evaluator_on_rules_about_one_criterion(ruleset) -> None:
    for row in by_criterion(ruleset):
        alone = tuple(r for r in ruleset.rules if set(criteria_in(r.when)) == {row.criterion})
        many = ruleset.catalogue[row.criterion].many
        result = evaluate(ruleset._replace(rules=alone), {row.criterion: (row.value,) if many else row.value})
        assert sorted(result.fired) == sorted(row.rules)
        for option, cell in row.effects:
            placement = result.placement(option)
            expected = "excluded" if placement.excluded else (f"{placement.score:+d}" if placement.score else "")
            assert cell == expected, (row, option)

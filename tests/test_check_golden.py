"""`deploy-advisor check` on one bad rule set per kind of finding, against its golden report."""
from __future__ import annotations

from pathlib import Path

import pytest

from deploy_advisor.main import main
from goldens import HERE, assemble, assert_golden

BAD = HERE / "bad_rules"
CASES = sorted(p for p in BAD.iterdir() if p.name != "_base" and (p.is_dir() or p.suffix == ".yaml"))
# The code each case is about, where it is not the case's name spelt with dashes.
CODES = {"missing_because": "missing-key", "missing_source": "missing-key", "bad_test_cases": "unknown-rule",
         "good": None}
WARNING_ONLY = {"good", "conflict", "always_holds", "many_matches"}


def _name(case: Path) -> str:
    return case.stem if case.is_file() else case.name


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_check_report_matches_golden(case: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", case)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    out = capsys.readouterr().out
    assert_golden(BAD / f"{_name(case)}.err", out)
    expected = CODES.get(_name(case), _name(case).replace("_", "-"))
    if expected:
        assert f": {expected}: " in out
    assert code == (0 if _name(case) in WARNING_ONLY else 1)


def test_every_golden_has_its_case() -> None:
    names = {_name(c) for c in CASES}
    assert sorted(p.stem for p in BAD.glob("*.err") if p.stem not in names) == []


def test_strict_fails_on_warnings(tmp_path: Path, monkeypatch, capsys) -> None:
    assemble(tmp_path / "rules", BAD / "conflict.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    assert main(["check", "--strict", "rules"]) == 1

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RULES = ROOT / "rules"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def ruleset():
    from deploy_advisor.engine.rulefiles import load_ruleset

    return load_ruleset()


@pytest.fixture(scope="session")
def advisor(ruleset):
    from deploy_advisor.engine.api import Advisor

    return Advisor(ruleset)

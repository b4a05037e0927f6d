from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

# The rule-set cache (engine/rulecache.py) of this test run, and of the commands it starts, lives in a
# folder of its own: never the user's ~/.cache, and never shared with another run.
_CACHE = tempfile.mkdtemp(prefix="deploy-advisor-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _roomy_engine():
    """The test process's one durable-rules engine, allowed 512 rule sets rather than the product's 128.

    durable-rules never frees a registered rule set, and the property tests register one for nearly every
    rule set they generate, so that one run of the whole suite reached the product's bound of 128 before
    its last tests, depending on the examples drawn. That bound protects a user's process (and
    tests/test_hostile_rulesets.py checks it, on an engine of its own); the suite gets more room."""
    from deploy_advisor.engine import evaluate

    with evaluate._LOCK:
        if evaluate._engine is None:
            evaluate._engine = evaluate._Engine(limit=512)
    yield
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


def make_ruleset_dir(tmp_path: Path, rule_text: str, name: str = "mini.yaml") -> Path:
    """A rule set folder with the shipped catalogue, options and reference page, and one rule file."""
    import shutil

    folder = tmp_path / "rules"
    folder.mkdir()
    for shipped in ("criteria.yaml", "options.yaml", "deployment-options.md"):
        shutil.copy(RULES / shipped, folder / shipped)
    (folder / name).write_text(rule_text, encoding="utf-8")
    return folder


def default_signals() -> None:
    """For ``subprocess.Popen(preexec_fn=default_signals)`` in tests that signal the command: the child
    starts with SIGINT and SIGHUP at their defaults, whatever this test run inherited. A run started under
    nohup, or in the background by a shell without job control, ignores them, a child inherits that, and
    Python then installs no KeyboardInterrupt handler: the command would rightly ignore the signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)

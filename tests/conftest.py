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

"""Exit codes, defined once; `deploy-advisor --help` and the README list them."""
from __future__ import annotations

OK = 0  # every input answered (or: check/test passed, diff found no change)
INVALID = 1  # some input was invalid (the others were still answered), or check/test/diff found something
USAGE = 2  # wrong command line, or the rule set itself is broken
INTERRUPTED = 130  # Ctrl-C
TERMINATED = 143  # SIGTERM

EPILOG = """exit codes:
  0    every input answered (check/test: all good; diff: no recommendation changed)
  1    some input was invalid, the others were still answered (check/test: problems found; diff: changes)
  2    usage error, or the rule set is broken
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""

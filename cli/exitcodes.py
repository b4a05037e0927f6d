"""Exit codes, defined once; `deploy-advisor --help` and the README list them."""
from __future__ import annotations

OK = 0  # every input answered (or: check/test passed, diff found no change)
INVALID = 1  # some input was invalid (the others were still answered), or check/test/diff found something
USAGE = 2  # wrong command line, or the rule set itself is broken
WRITE_FAILED = 3  # the output could not be written (full disk, file too large, read-only folder...)
INTERNAL = 70  # an internal error (EX_SOFTWARE of sysexits.h): a bug, to be reported
INTERRUPTED = 130  # Ctrl-C
TERMINATED = 143  # SIGTERM

DEBUG_VARIABLE = "DEPLOY_ADVISOR_DEBUG"  # set to 1: an internal error prints its traceback

EPILOG = f"""exit codes:
  0    every input answered (check/test: all good; diff: no recommendation changed)
  1    some input was invalid, the others were still answered (check/test: problems found; diff: changes)
  2    usage error, or the rule set is broken
  3    the output could not be written (full disk, file too large, read-only folder...)
  70   internal error, a bug: please report it ({DEBUG_VARIABLE}=1 shows the traceback)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""

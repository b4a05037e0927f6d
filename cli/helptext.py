"""Each command's help ending: two or three examples, then the exit codes that command can give (not
every command's), so `deploy-advisor COMMAND --help` is enough to use it."""
from __future__ import annotations

from . import exitcodes

_COMMON = ("  3    the output could not be written (full disk, read-only folder...)\n"
           f"  70   internal error, a bug: please report it ({exitcodes.DEBUG_VARIABLE}=1 shows the traceback)\n"
           "  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)\n")

_EXAMPLES = {
    "recommend": ["deploy-advisor recommend examples/payments-api.yaml",
                  "deploy-advisor recommend --format json --explain my-workload.yaml",
                  "deploy-advisor recommend -f csv -o answers.csv services/"],
    "wizard": ["deploy-advisor wizard --save shop.yaml",
               "deploy-advisor wizard --answers shop.yaml --ask-missing --save shop.yaml"],
    "check": ["deploy-advisor check", "deploy-advisor check --rules my-rules/ --strict"],
    "test": ["deploy-advisor test --coverage", "deploy-advisor test --rules my-rules/ --format json"],
    "diff": ["deploy-advisor diff old-rules/ rules/ examples/ --sample 0",
             "deploy-advisor diff --git main rules/ --format markdown"],
    "schema": ["deploy-advisor schema requirements > requirements.schema.json",
               "deploy-advisor schema rules --rules my-rules/"],
    "criteria": ["deploy-advisor criteria", "deploy-advisor criteria --format markdown > criteria.md"],
    "init": ["deploy-advisor init my-workload.yaml", "deploy-advisor init --example payments-api payments.yaml",
             "deploy-advisor init --list"],
    "source": ["deploy-advisor source vm-isolation", "deploy-advisor source --list"],
}

_CODES = {
    "recommend": "  0    every input answered\n  1    some input was invalid; the others were still answered\n"
                 "  2    usage error, or the rule set is broken (or durable-rules does not load)\n",
    "wizard": "  0    the recommendation was given\n  1    the --answers file is invalid\n"
              "  2    usage error, no terminal, or the rule set is broken\n",
    "check": "  0    no problem found\n  1    problems found (with --strict: warnings too)\n  2    usage error\n",
    "test": "  0    every case passed\n  1    a case failed (with --coverage: or a rule is untested)\n"
            "  2    usage error, or the rule set does not load\n",
    "diff": "  0    no recommendation changed (rankings may have)\n  1    some recommendation changed\n"
            "  2    usage error, or a rule set does not load\n",
    "schema": "  0    the schema was printed\n  2    usage error, or the rule set does not load\n",
    "criteria": "  0    the list was printed\n  2    usage error, or the rule set does not load\n",
    "init": "  0    the file was written\n  2    usage error: an unknown example, or FILE exists (use --force)\n",
    "source": "  0    the section was printed\n  2    usage error: no such anchor (with a did-you-mean)\n",
}


def epilog(command: str | None) -> str:
    """The help's ending for ``command``; for the top level, how to get a command's own."""
    if command is None:
        return ("Run 'deploy-advisor COMMAND --help' for a command's options, examples and exit codes.\n"
                "New here? 'deploy-advisor criteria' lists the questions, 'deploy-advisor init FILE' writes a "
                "requirement file to fill in, 'deploy-advisor wizard' asks them in the terminal.\n")
    examples = "".join(f"  {line}\n" for line in _EXAMPLES.get(command, []))
    return f"examples:\n{examples}\nexit codes:\n{_CODES.get(command, '')}{_COMMON}"

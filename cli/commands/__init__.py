"""One module per subcommand, each offering HELP, add_arguments(parser) and run(args) -> int."""
from __future__ import annotations

import importlib
from types import ModuleType

# The order is the order of `deploy-advisor --help`.
NAMES = ("recommend", "wizard", "check", "test", "diff", "schema")


def load() -> dict[str, ModuleType]:
    modules = {}
    for name in NAMES:
        try:
            modules[name] = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # TODO(lead): make strict once every command module exists
            if exc.name != f"{__name__}.{name}":
                raise
    return modules

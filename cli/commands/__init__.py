"""One module per subcommand, each offering HELP, add_arguments(parser) and run(args) -> int."""
from __future__ import annotations

import importlib
from types import ModuleType

# The order is the order of `deploy-advisor --help`.
NAMES = ("recommend", "wizard", "check", "test", "diff", "schema")


def load() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"{__name__}.{name}") for name in NAMES}

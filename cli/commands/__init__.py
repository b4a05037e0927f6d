"""One module per subcommand, each offering (help, add_arguments, run)."""
from __future__ import annotations

from . import recommend

COMMANDS = {
    "recommend": (recommend.HELP, recommend.add_arguments, recommend.run),
}

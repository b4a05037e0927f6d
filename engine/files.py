"""Writing files whole or not at all: one place for the temporary-file-and-rename dance."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator, TextIO


@contextlib.contextmanager
def replaced_atomically(path: str | Path) -> Iterator[TextIO]:
    """A text handle on a temporary file beside ``path``, renamed over it only once the block ends
    without error, so that an interrupted or failed write leaves ``path`` as it was."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.chmod(temporary, _file_mode(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _file_mode(target: Path) -> int:
    """The mode of the file replaced, or the mode a new file would get (mkstemp makes it private)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

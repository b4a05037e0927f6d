"""Reading and writing files safely: reads bounded by what is read (not by what ``stat`` claims: it
says 0 for devices, pipes and ``<(...)``), and files written whole or not at all."""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator, TextIO

CHUNK = 1 << 20


class NotRegular(OSError):
    """A path that is no regular file (a pipe, a device, a socket) where only files are read."""


def read_at_most(source: str | Path | BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of a file or stream, read a chunk at a time: never more memory than
    what was read (``read(limit)`` would allocate ``limit`` bytes at once)."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as stream:
            return read_at_most(stream, limit)
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = source.read(min(CHUNK, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_regular(path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; NotRegular for anything else. Opened without
    blocking, so that a pipe nobody writes to cannot hang the caller."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"not a regular file: {path}")
        return read_at_most(stream, limit)


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

"""Writing an output file: one place for what a path can be and how each is written.

A regular file (or a symbolic link to one) is written whole or not at all: a temporary file beside it,
renamed over it at the end. Anything else (/dev/null, a FIFO, /dev/stdout, the /dev/fd/N of
`-o >(gzip)`) is written straight through, as the shell's `>` would: renaming over it would replace
a device by a file, or write into a file nobody reads.

Reads are bounded by what is read, not by what ``stat`` claims (0 for devices, pipes and
``<(...)``).
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Iterator, TextIO

from .records import NamedTuple

CHUNK = 1 << 20


class NotRegular(OSError):
    """A path that is no regular file (a pipe, a device, a socket) where only files are read."""


def read_at_most(source: str | Path | BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of a file or stream, read a chunk at a time: never more memory than
    what was read (``read(limit)`` would allocate ``limit`` bytes at once). Each chunk is one read of
    the stream (``read1``): typed at a terminal, Ctrl-D at the start of a line ends the input, where a
    buffered ``read(n)`` would wait for a second Ctrl-D to make up its n bytes."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as stream:
            return read_at_most(stream, limit)
    read = getattr(source, "read1", source.read)
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = read(min(CHUNK, left))
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

from .streams import Guarded, WriteFailed, failed, named

TEMPORARY_MARK = "deploy-advisor"  # temporaries are '.NAME.deploy-advisor-PID-RANDOM.tmp'
NAME_BYTES = 200  # of the target's name kept in a temporary's name, so that it fits in 255 bytes
_DESCRIPTOR_FOLDER = re.compile(r"/proc/[^/]+/fd|/dev/fd")


class Destination(NamedTuple):
    path: Path  # what is written: the path named, or the file its symbolic links lead to
    whole: bool  # True: through a temporary file renamed over ``path``; False: written straight through
    existing: bool  # ``path`` is a file already (whole only)
    mode: int  # permission bits of the new file (whole only): the old file's, never setuid, setgid or sticky


def destination(path: str | Path) -> Destination:
    """How ``path`` is written: looked at with lstat, a symbolic link followed to what it leads to;
    OSError when it cannot be (IsADirectoryError for a folder, ELOOP for a loop of links)."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return Destination(target, True, False, _new_file_mode())
    if stat.S_ISLNK(info.st_mode):
        if _leads_to_a_descriptor(target):
            return Destination(target, False, False, 0)
        resolved = Path(os.path.realpath(target))
        if resolved.is_symlink():  # realpath stops inside a loop of links
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
        return destination(resolved)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder; name a file", str(path))
    if stat.S_ISREG(info.st_mode):
        return Destination(target, True, True, stat.S_IMODE(info.st_mode) & 0o777)
    return Destination(target, False, False, 0)  # a device, a FIFO, a socket


def write_problem(path: str | Path) -> str:
    """Why ``path`` cannot be written, found before any work is done; '' when it looks writable."""
    try:
        where = destination(path)
    except OSError as error:
        return error.strerror or str(error)
    if where.whole and not where.path.parent.is_dir():
        return f"no folder {where.path.parent}"
    if where.existing and not writable(where.path):
        return f"the file is read-only (mode {where.mode:04o}); make it writable (chmod u+w) or name another file"
    return ""


def writable(path: Path) -> bool:
    """Whether we may write the file, as the shell's `>` decides (root may write a 0444 file)."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


@contextlib.contextmanager
def replaced_atomically(path: str | Path) -> Iterator[TextIO]:
    """A text handle for writing ``path``. A regular file (or a link to one) is replaced only once the
    block ends without error, so that an interrupted or failed write leaves it as it was; a device, FIFO
    or open descriptor is written straight through. Failures to write are WriteFailed, naming ``path``."""
    name = str(path)
    try:
        where = destination(path)
    except OSError as error:
        raise failed(error, name) from error
    if not where.whole:
        with _straight(where.path, name) as out:
            yield out
        return
    if where.existing and not writable(where.path):
        raise WriteFailed(errno.EACCES, f"the file is read-only (mode {where.mode:04o})", name)
    with _replaced(where, name) as out:
        yield out


@contextlib.contextmanager
def _straight(path: Path, name: str) -> Iterator[TextIO]:
    try:  # appending: through /dev/stdout onto a file the shell opened with >>, nothing is lost
        raw = open(path, "a", encoding="utf-8", newline="")
    except OSError as error:
        raise failed(error, name) from error
    with _closing(raw, name) as out:
        yield out


@contextlib.contextmanager
def _closing(raw: TextIO, name: str) -> Iterator[TextIO]:
    """The file, guarded, then closed: quietly when the writing failed, else naming the file if the
    last flush fails (a full disk may only show there)."""
    try:
        yield Guarded(raw, name)
    except BaseException:
        with contextlib.suppress(OSError):
            raw.close()
        raise
    named(raw.close, name)


@contextlib.contextmanager
def _replaced(where: Destination, name: str) -> Iterator[TextIO]:
    import tempfile  # here: starting the command line need not import it

    target = where.path
    remove_stale_temporaries(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=temporary_prefix(target.name, os.getpid()), suffix=".tmp",
                                         dir=target.parent)
    except OSError as error:
        raise failed(error, name) from error
    raw = os.fdopen(fd, "w", encoding="utf-8", newline="")
    try:
        with _closing(raw, name) as out:
            yield out
        named(lambda: os.chmod(temporary, where.mode), name)
        named(lambda: os.replace(temporary, target), name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# --- temporaries left by a killed run ----------------------------------------------------------


def temporary_prefix(name: str, pid: int) -> str:
    """'.NAME.deploy-advisor-PID-': recognisable, and short enough for a 255-byte name limit."""
    short = os.fsdecode(os.fsencode(name)[:NAME_BYTES])
    return f".{short}.{TEMPORARY_MARK}-{pid}-"


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporaries of ``target`` left by runs that died (SIGKILL, a crash): those whose
    process is gone. A live process's temporary is kept: it may still be writing."""
    start = temporary_prefix(target.name, 0)[: -len("0-")]
    pattern = re.compile(re.escape(start) + r"(\d+)-\w+\.tmp")
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.fullmatch(entry.name) if entry.name.startswith(start) else None
        if found and not _alive(int(found.group(1))) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # someone else's process (or a PID beyond any): keep it
        return True
    return True


# --- helpers ---------------------------------------------------------------------------------


def _leads_to_a_descriptor(link: Path) -> bool:
    """Whether a chain of symbolic links passes through /proc/PID/fd or /dev/fd (/dev/stdout,
    `>(gzip)`): a descriptor already open, to be written through and never replaced."""
    hop = link
    for _ in range(40):  # the kernel's own limit on links followed
        if _DESCRIPTOR_FOLDER.fullmatch(os.path.realpath(hop.parent)):
            return True
        if not hop.is_symlink():
            return False
        hop = hop.parent / os.readlink(hop)
    return False


def _new_file_mode() -> int:
    """The mode a new file would get (mkstemp makes temporaries private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

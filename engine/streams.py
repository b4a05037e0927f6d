"""Output streams whose write errors name the output (WriteFailed), so that the command line can
tell a full disk from its own failures. Small on purpose: every command imports it at start-up."""
from __future__ import annotations

import codecs
import errno
import os
from typing import Any, Callable, TextIO


class WriteFailed(OSError):
    """The output could not be written (full disk, file too large, read-only folder, closed
    stream...); ``filename`` is the output as named. A closed pipe is not one: the reader stopped."""

    def line(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


class Guarded:
    """A text stream whose write errors are WriteFailed naming the output, so that the command line
    can tell them from its own failures; a closed pipe stays BrokenPipeError (the reader stopped)."""

    def __init__(self, stream: TextIO | None, name: str) -> None:
        self._stream = stream
        self._name = name

    def write(self, text: str) -> int:
        if self._stream is None:  # started with the descriptor closed (`>&-`)
            raise WriteFailed(errno.EBADF, "it is closed", self._name)
        return named(lambda: self._stream.write(text), self._name)

    def flush(self) -> None:
        if self._stream is not None:
            named(self._stream.flush, self._name)

    def write_encoded(self, data: bytes) -> None:
        if self._stream is None:
            raise WriteFailed(errno.EBADF, "it is closed", self._name)
        named(lambda: write_encoded(self._stream, data), self._name)

    def write_pieces(self, pieces: list[bytes]) -> None:
        if self._stream is None:
            raise WriteFailed(errno.EBADF, "it is closed", self._name)
        named(lambda: write_pieces(self._stream, pieces), self._name)

    def __getattr__(self, attribute: str):
        return getattr(self._stream, attribute)


def named(action: Callable[[], object], name: str):
    """Run ``action``; an OSError it raises becomes WriteFailed naming the output."""
    try:
        return action()
    except (BrokenPipeError, WriteFailed):
        raise
    except OSError as error:
        raise failed(error, name) from error


def failed(error: OSError, name: str) -> WriteFailed:
    return WriteFailed(error.errno or errno.EIO, error.strerror or str(error), name)


def write_encoded(out: Any, data: bytes) -> None:
    """UTF-8 ``data`` onto the text stream ``out``, as if ``out.write(data.decode())``: straight onto
    its binary buffer when that writes the very same bytes (a UTF-8 stream, no newline translation),
    which spares decoding and encoding again megabytes of answers; decoded and written as text otherwise."""
    own = getattr(out, "write_encoded", None)
    if own is not None:
        own(data)
        return
    buffer = getattr(out, "buffer", None)
    if buffer is not None and _bytes_as_is(out):
        out.flush()  # what the text layer holds goes first
        buffer.write(data)
    else:
        out.write(data.decode("utf-8"))


def write_pieces(out: Any, pieces: list[bytes]) -> None:
    """UTF-8 ``pieces`` onto the text stream ``out``, in order, as ``write_encoded(out, b"".join(pieces))``
    would: straight onto its descriptor (see shared_descriptor) when it has one, by writev, which spares
    joining a task's megabytes of answers into one object first (a copy that missed the CPU's caches: 4%
    of a large JSON Lines batch); joined and written by write_encoded otherwise."""
    own = getattr(out, "write_pieces", None)
    if own is not None:
        own(pieces)
        return
    fd = shared_descriptor(out) if hasattr(os, "writev") else None  # no writev on Windows
    if fd is None:
        write_encoded(out, b"".join(pieces))
    else:
        write_all(fd, pieces)


IOV_MAX = 1024  # pieces per writev: POSIX guarantees 16, Linux and the BSDs take 1024


def write_all(fd: int, pieces: list[bytes]) -> None:
    """All of ``pieces`` onto the descriptor ``fd``, in order, IOV_MAX at a time; a short write (a
    signal, a pipe whose reader takes less) goes on from where it stopped."""
    writev = getattr(os, "writev", None)  # absent on Windows: everything goes by write, below
    for start in range(0, len(pieces), IOV_MAX):
        some = pieces[start : start + IOV_MAX]
        written = writev(fd, some) if writev is not None else 0
        if written < sum(map(len, some)):
            rest = memoryview(b"".join(some))[written:]
            while rest:
                rest = rest[os.write(fd, rest):]


def shared_descriptor(out: Any) -> int | None:
    """The file descriptor under ``out`` when bytes written to it straight are what ``write_encoded``
    would write (UTF-8, no newline translation), after flushing what ``out`` holds; None otherwise."""
    if not _bytes_as_is(out):
        return None
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor (a StringIO), or closed
        return None
    out.flush()
    return fd


def raise_write_error(code: int, text: str, name: str) -> None:
    """Raise what a write to the output named ``name`` met in another process: a closed pipe as
    BrokenPipeError (the reader stopped), anything else as WriteFailed."""
    if code == errno.EPIPE:
        raise BrokenPipeError(code, text)
    raise WriteFailed(code, text, name)


def _bytes_as_is(out: Any) -> bool:
    """Whether UTF-8 bytes written under the text stream ``out`` are what its own write would put
    there: a UTF-8 stream, and no newline translation."""
    return os.linesep == "\n" and _is_utf8(getattr(out, "encoding", None))


def _is_utf8(encoding: str | None) -> bool:
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False

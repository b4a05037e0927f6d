"""Output streams whose write errors name the output (WriteFailed), so that the command line can
tell a full disk from its own failures. Small on purpose: every command imports it at start-up."""
from __future__ import annotations

import errno
from typing import Callable, TextIO


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

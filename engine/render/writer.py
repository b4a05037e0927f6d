"""What every output format shares: the answer type and the plain writer that puts pieces on the
output. Apart from formats.py so that a format in its own module (html.py) can build on them while
formats.py imports that module only when the format is used."""
from __future__ import annotations

from typing import Any, TextIO

from ..errors import InputError
from ..result import Result
from ..streams import write_encoded, write_pieces

Answer = Result | InputError  # what the engine gives back for each input: its result or its error


class Writer:
    """Puts pieces together on ``out``; ``close`` writes whatever had to wait for the end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def add(self, piece: Any) -> None:
        self.count += 1
        if isinstance(piece, bytes):  # a task's answers, already encoded (batch.Context.run)
            write_encoded(self.out, piece)
        else:
            self.out.write(piece)

    def add_all(self, pieces: list[Any]) -> None:
        """A task's pieces, in order: the answers of a joinable format, each already encoded (see
        batch.Context.run), go onto the output together."""
        if pieces and all(isinstance(piece, bytes) for piece in pieces):
            self.count += len(pieces)
            write_pieces(self.out, pieces)
        else:
            for piece in pieces:
                self.add(piece)

    def close(self) -> None:
        return None

"""wizard/session.py: naming where a redirected standard output went (real files and pipes)."""
from __future__ import annotations

import io
import os

from deploy_advisor.wizard.session import destination


def test_a_file_is_named_relative_to_here_when_below_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / "result.txt", "w") as stream:
        assert destination(stream) == os.path.join("out", "result.txt")
    monkeypatch.chdir(tmp_path / "out")
    elsewhere = tmp_path / "other.txt"
    with open(elsewhere, "w") as stream:
        assert destination(stream) == str(elsewhere)  # not ../other.txt: absolute outside


def test_a_pipe_and_a_stream_without_a_file():
    reading, writing = os.pipe()
    try:
        with os.fdopen(writing, "w") as stream:
            assert destination(stream) == "standard output (a pipe)"
    finally:
        os.close(reading)
    assert destination(io.StringIO()) == "standard output"

"""Golden files: compare a command's output with the file that pins it.

Run `UPDATE_GOLDEN=1 python -m pytest tests/...` to rewrite them after an intended change, then read
the diff before committing it.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE_RULES = HERE / "bad_rules" / "_base"


def assert_golden(golden: Path, actual: str) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run with UPDATE_GOLDEN=1 to create it"
    assert actual == golden.read_text(encoding="utf-8")


def assemble(folder: Path, *parts: Path) -> Path:
    """A rule set folder: the frozen base (catalogue, options, reference page) plus rule files or
    folders of files, later ones overriding earlier ones."""
    shutil.copytree(BASE_RULES, folder)
    for part in parts:
        for path in (sorted(part.iterdir()) if part.is_dir() else [part]):
            shutil.copy(path, folder / path.name)
    return folder

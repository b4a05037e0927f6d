"""Hostile git trees and hostile output paths: `diff --git` writes nothing outside its temporary
folder whatever the compared revision holds, and `-o` writes what the path is (a symbolic link's
target, a device, a FIFO, a pipe) instead of renaming a regular file over it."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from conftest import EXAMPLES, RULES
from deploy_advisor.main import main

GOOD = EXAMPLES / "payments-api.yaml"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# --- diff --git: a tree with '..', '.' or '.git' under rules/ ---------------------------------


def git(repo: Path, *args: str, stdin: bytes = b"") -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, input=stdin, capture_output=True, check=True)
    return done.stdout.decode().strip()


def mktree(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    """A tree object from (mode, id, name) entries; git mktree accepts '..' and '.git' as names."""
    kind = {"040000": "tree", "100644": "blob"}
    text = "".join(f"{mode} {kind[mode]} {oid}\t{name}\n" for mode, oid, name in entries)
    return git(repo, "mktree", stdin=text.encode())


def hostile_commit(repo: Path, path: list[str]) -> str:
    """A commit whose rules/ folder holds the shipped rules plus one file at rules/<path...>."""
    oid, mode = git(repo, "hash-object", "-w", "--stdin", stdin=b"written by a hostile tree\n"), "100644"
    for name in reversed(path[1:]):
        oid, mode = mktree(repo, [(mode, oid, name)]), "040000"
    shipped = []
    for line in git(repo, "ls-tree", "HEAD:rules").splitlines():
        meta, name = line.split("\t", 1)
        entry_mode, _, entry_id = meta.split()
        shipped.append((entry_mode, entry_id, name))
    rules = mktree(repo, shipped + [(mode, oid, path[0])])
    root = mktree(repo, [("040000", rules, "rules")])
    return git(repo, "commit-tree", root, "-m", "hostile")


@pytest.fixture
def repository(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "rules")
    scratch = tmp_path / "tmp"  # the temporary folder diff --git exports into lives here
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(repo)
    return repo


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if ".git" not in p.relative_to(folder).parts}


@needs_git
@pytest.mark.parametrize("path", [
    ["..", "..", "..", "escaped.txt"],  # rules/../../../escaped.txt: beside the repository
    ["..", "escaped.txt"],
    [".git", "hooks", "pre-commit"],
    [".", "twice.yaml"],
    [".GIT", "config"],
], ids=lambda p: "/".join(p))
def test_diff_git_refuses_a_tree_whose_paths_leave_the_folder(repository, capsys, path):
    before = files_under(repository.parent)
    commit = hostile_commit(repository, path)
    assert main(["diff", "--git", commit, "rules", "--sample", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "git-unsafe-path" in err and "Traceback" not in err, err
    assert files_under(repository.parent) == before, "something was written"


@needs_git
def test_diff_git_still_reads_a_sound_revision(repository, capsys):
    assert main(["diff", "--git", "HEAD", "rules", "--sample", "0"]) == 0
    assert "HEAD:rules" in capsys.readouterr().out


@needs_git
@pytest.mark.parametrize("option", ["--output={}", "--format=%x{}", "-o{}"])
def test_diff_git_never_reads_a_revision_as_an_option(repository, capsys, option):
    written = repository.parent / "written-by-an-option"
    revision = option.format(written)
    assert main(["diff", f"--git={revision}", "rules", "--sample", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"no revision {revision!r}" in err, err
    assert not written.exists()

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


# --- -o: what the path is decides how it is written -------------------------------------------


def expected_output(capsys, *argv: str) -> str:
    assert main(["recommend", *argv]) == 0
    return capsys.readouterr().out


def test_o_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path, capsys):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "out.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(Path("real") / "out.txt")
    expected = expected_output(capsys, str(GOOD))
    assert main(["recommend", str(GOOD), "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "out.txt")
    assert target.read_text() == expected
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["out.txt"], "a temporary was left"


def test_o_through_a_link_to_nothing_creates_the_target_like_the_shell(tmp_path, capsys):
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    assert main(["recommend", str(GOOD), "-o", str(link)]) == 0
    assert link.is_symlink() and "Payments API" in (tmp_path / "made.txt").read_text()


def test_o_to_a_loop_of_links_is_one_line(tmp_path, capsys):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert main(["recommend", str(GOOD), "-o", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "cannot write" in err


def test_o_to_a_fifo_writes_into_it_for_its_reader(tmp_path, capsys):
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    expected = expected_output(capsys, str(GOOD), "--format", "jsonl")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["recommend", str(GOOD), "--format", "jsonl", "-o", str(fifo)]) == 0
    reader.join(10)
    assert received == [expected.encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.fifo"]


def null_device(tmp_path: Path) -> Path:
    """A character device like /dev/null, made here when we may (root with CAP_MKNOD), so that a
    regression replaces a device of this test's own and not the machine's /dev/null."""
    private = tmp_path / "null"
    try:
        os.mknod(private, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return private
    except (OSError, AttributeError):
        if os.geteuid() == 0:
            pytest.skip("as root without mknod, a regression would replace the machine's /dev/null")
        return Path("/dev/null")  # not root: a regression fails to write /dev, it cannot replace it


@pytest.mark.parametrize("which", ["a private device", "/dev/null"])
def test_o_to_a_character_device_writes_to_it_and_it_stays_a_device(tmp_path, capsys, which):
    private = null_device(tmp_path)  # skips as root where a regression could not first be caught harmlessly
    path = private if which == "a private device" else Path("/dev/null")
    before = os.lstat(path)
    assert main(["recommend", str(GOOD), "-o", str(path)]) == 0
    after = os.lstat(path)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.")], "a temporary was left"


def run_cli(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy_advisor", *argv], capture_output=True, timeout=60, **kwargs)


def test_o_dev_stdout_writes_to_standard_output(capsys):
    expected = expected_output(capsys, str(GOOD))
    done = run_cli("recommend", str(GOOD), "-o", "/dev/stdout")
    assert (done.returncode, done.stdout.decode(), done.stderr) == (0, expected, b"")
    assert os.path.islink("/dev/stdout") or stat.S_ISCHR(os.stat("/dev/stdout").st_mode)


def test_o_dev_stdout_onto_a_file_opened_by_the_shell_for_appending_keeps_its_content(tmp_path, capsys):
    expected = expected_output(capsys, str(GOOD))
    log = tmp_path / "log.txt"
    log.write_text("earlier\n")
    with open(log, "a") as appended:
        done = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", str(GOOD), "-o", "/dev/stdout"],
                              stdout=appended, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0 and done.stderr == b""
    assert log.read_text() == "earlier\n" + expected


def test_o_to_a_pipe_like_process_substitution(capsys):
    """`-o >(gzip)`: the shell passes /dev/fd/N, a pipe to the other process."""
    expected = expected_output(capsys, str(GOOD), "--format", "csv")
    read, write = os.pipe()
    received: list[bytes] = []
    with os.fdopen(read, "rb") as stream:
        reader = threading.Thread(target=lambda: received.append(stream.read()), daemon=True)
        reader.start()
        try:
            done = run_cli("recommend", str(GOOD), "--format", "csv", "-o", f"/dev/fd/{write}", pass_fds=(write,))
        finally:
            os.close(write)
        reader.join(10)
    assert (done.returncode, done.stderr) == (0, b"")
    assert received == [expected.encode()]


# --- -o onto an input, onto a file we may not write; the mode of the new file ----------------------


def test_o_onto_one_of_its_inputs_is_refused_and_the_input_kept(tmp_path, capsys):
    source = tmp_path / "in.yaml"
    shutil.copy(GOOD, source)
    (tmp_path / "alias.yaml").symlink_to("in.yaml")
    for output, inputs in [(source, [str(source)]),
                           (tmp_path / "alias.yaml", [str(source)]),  # the same file by another name
                           (source, [str(GOOD), str(tmp_path)])]:  # found inside a folder named
        assert main(["recommend", *inputs, "-o", str(output)]) == 2
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and "it is the input" in err, err
        assert source.read_bytes() == GOOD.read_bytes()


def test_o_onto_standard_input_is_refused(tmp_path):
    source = tmp_path / "in.yaml"
    shutil.copy(GOOD, source)
    with open(source, "rb") as stdin:
        done = run_cli("recommend", "-", "-o", str(source), stdin=stdin)
    assert done.returncode == 2 and b"it is standard input" in done.stderr and len(done.stderr.splitlines()) == 1
    assert source.read_bytes() == GOOD.read_bytes()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a 0444 file, as with the shell's >")
def test_o_onto_a_read_only_file_is_refused_like_the_shell(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("kept\n")
    target.chmod(0o444)
    assert main(["recommend", str(GOOD), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "read-only" in err
    assert target.read_text() == "kept\n"


@pytest.mark.parametrize("before, after", [
    (0o640, 0o640),
    (0o4755, 0o755),  # setuid: never given to a file we wrote
    (0o2775, 0o775),  # setgid
    (0o1666, 0o666),  # sticky
    (0o6777, 0o777),
], ids=oct)
def test_o_keeps_the_permission_bits_but_never_setuid_setgid_or_sticky(tmp_path, capsys, before, after):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    target.chmod(before)
    assert stat.S_IMODE(target.stat().st_mode) == before
    assert main(["recommend", str(GOOD), "-o", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == after
    assert "Payments API" in target.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may write a 0444 file")
def test_o_as_root_writes_a_read_only_file_like_the_shell_and_keeps_its_mode(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    target.chmod(0o444)
    assert main(["recommend", str(GOOD), "-o", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o444 and "Payments API" in target.read_text()


# --- temporaries left by a run that was killed -------------------------------------------------


def dead_pid() -> int:
    """The PID of a process that has ended (and whose number no other process has taken since)."""
    while True:
        child = subprocess.Popen(["true"])
        child.wait()
        try:
            os.kill(child.pid, 0)
        except ProcessLookupError:
            return child.pid


def test_stale_temporaries_of_dead_runs_are_removed_and_live_ones_kept(tmp_path, capsys):
    target = tmp_path / "out.txt"
    stale = tmp_path / f".out.txt.deploy-advisor-{dead_pid()}-abc123_x.tmp"
    live = tmp_path / f".out.txt.deploy-advisor-{os.getpid()}-def456yz.tmp"
    other = tmp_path / f".other.txt.deploy-advisor-{dead_pid()}-abc123_x.tmp"  # another target's
    mine = tmp_path / ".out.txt.mine.tmp"  # not ours at all
    for path in (stale, live, other, mine):
        path.write_text("half\n")
    assert main(["recommend", str(GOOD), "-o", str(target)]) == 0
    assert not stale.exists()
    assert live.exists() and other.exists() and mine.exists()
    assert "Payments API" in target.read_text()


def test_a_run_killed_outright_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    import signal
    import time

    target = tmp_path / "out.jsonl"
    child = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "-", "--format", "jsonl", "-o", str(target)],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child.stdin.write(b'{"name": "w", "needs": {"startup": "instant"}}\n' * 2000)
        child.stdin.flush()
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(f".out.jsonl.deploy-advisor-{child.pid}-*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    left = list(tmp_path.glob(".out.jsonl.deploy-advisor-*.tmp"))
    assert len(left) == 1 and f"-{child.pid}-" in left[0].name
    assert run_cli("recommend", str(GOOD), "-o", str(target)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_a_temporary_name_fits_beside_a_254_character_file_name(tmp_path, capsys):
    target = tmp_path / ("n" * 250 + ".txt")
    assert main(["recommend", str(GOOD), "-o", str(target)]) == 0
    assert "Payments API" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_the_wizard_save_writes_through_a_link_and_into_a_fifo_too(tmp_path):
    """The wizard saves through the same helper as -o: the same rules for what the path is."""
    from deploy_advisor.wizard.answers import save

    (tmp_path / "kept").mkdir()
    link = tmp_path / "w.yaml"
    link.symlink_to(Path("kept") / "w.yaml")
    save(str(link), "name: w\n")
    assert link.is_symlink() and (tmp_path / "kept" / "w.yaml").read_text() == "name: w\n"
    fifo = tmp_path / "w.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    save(str(fifo), "name: w\n")
    reader.join(10)
    assert received == [b"name: w\n"] and stat.S_ISFIFO(os.lstat(fifo).st_mode)

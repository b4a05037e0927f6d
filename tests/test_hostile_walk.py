"""Hostile folders (issue 10, items 3, 8, 9): file names that are not UTF-8, pipes named *.yaml, deep
folders, links to / and link "diamonds": each an error in its place or walked once, never a crash or a hang."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from deploy_advisor.engine.batchio.inputs import ErrorUnit, FileUnit, discover
from deploy_advisor.main import main

GOOD = "name: w\nneeds: {latency: critical}\n"
FORMATS = ("text", "json", "yaml", "markdown", "csv", "jsonl")
DEADLINE = 60  # seconds: a liveness bound (a pipe opened for reading blocks for ever), not a speed test


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def recommend_subprocess(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", *argv],
                          capture_output=True, text=True, timeout=DEADLINE)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8_is_written_escaped_in_every_format(tmp_path, capsys, fmt):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    with open(os.path.join(os.fsencode(folder), b"\xff.yaml"), "w") as bad:
        bad.write(GOOD.replace("name: w", "name: z"))
    with open(os.path.join(os.fsencode(folder), b"\xfe-broken.yaml"), "w") as broken:
        broken.write("needs: [\n")
    code, out, err = run(capsys, "-f", fmt, str(folder))
    assert code == 1 and "Traceback" not in err
    (line,) = [e for e in err.splitlines() if e.startswith("deploy-advisor: ")]
    assert line.startswith(f"deploy-advisor: {folder}/\\xfe-broken.yaml:")
    if fmt in ("json", "jsonl", "yaml", "csv"):
        assert "\\xff.yaml" in out.replace("\\\\", "\\")


def test_a_pipe_named_yaml_in_a_folder_is_reported_not_opened(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    os.mkfifo(folder / "b.yaml")
    (folder / "c.yaml").write_text(GOOD)
    done = recommend_subprocess("-f", "jsonl", str(folder))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"deploy-advisor: {folder}/b.yaml: not-a-regular-file: not a regular file "
                                        "(a pipe, a device or a socket) (it is skipped; name it on its own to read it)"]
    assert [json.loads(line)["source"]["file"] for line in done.stdout.splitlines()] == \
           [f"{folder}/a.yaml", f"{folder}/b.yaml", f"{folder}/c.yaml"]


def test_a_pipe_named_on_the_command_line_is_read(tmp_path):
    """As `recommend <(generate)` does: the user asked for it."""
    fifo = tmp_path / "w.yaml"
    os.mkfifo(fifo)
    process = subprocess.Popen([sys.executable, "-m", "deploy_advisor", "recommend", "--no-progress", "-f", "jsonl",
                                str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open(fifo, "w") as writer:
        writer.write(GOOD)
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, err
    assert json.loads(out)["name"] == "w"


def test_a_pipe_in_a_rule_folder_is_reported_by_check(tmp_path):
    from conftest import make_ruleset_dir

    folder = make_ruleset_dir(tmp_path, "rules: []\n")
    os.mkfifo(folder / "zz.yaml")
    done = subprocess.run([sys.executable, "-m", "deploy_advisor", "check", str(folder)], capture_output=True,
                          text=True, timeout=DEADLINE)
    assert done.returncode == 1 and f"{folder}/zz.yaml: not-a-regular-file:" in done.stdout + done.stderr


def test_five_hundred_nested_folders_are_walked_without_recursion(tmp_path):
    deepest = tmp_path / "top"
    path = str(deepest)
    for i in range(500):
        path = os.path.join(path, "d")
    os.makedirs(path)
    with open(os.path.join(path, "w.yaml"), "w") as out:
        out.write(GOOD)
    found = discover([str(deepest)])
    assert [type(u) for u in found.units] == [FileUnit] and found.units[0].name.count("/d") == 500


def test_a_link_to_the_root_folder_is_a_loop_not_a_walk_of_the_disk(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    (folder / "root").symlink_to("/")
    (folder / "parent").symlink_to(tmp_path)
    found = discover([str(folder)])
    assert [(type(u), (u.name if isinstance(u, FileUnit) else u.file).rsplit("/", 1)[-1]) for u in found.units] == \
           [(FileUnit, "a.yaml"), (ErrorUnit, "parent"), (ErrorUnit, "root")]
    assert {u.code for u in found.units if isinstance(u, ErrorUnit)} == {"symlink-loop"}


def test_link_diamonds_visit_each_folder_and_file_once(tmp_path):
    """16 levels of two links to the next level: 65,536 paths to one file, which is read once."""
    levels = [tmp_path / f"level{i}" for i in range(17)]
    for level in levels:
        level.mkdir()
    (levels[-1] / "w.yaml").write_text(GOOD)
    for here, below in zip(levels, levels[1:]):
        (here / "left").symlink_to(below)
        (here / "right").symlink_to(below)
    found = discover([str(levels[0])])
    assert [type(u) for u in found.units] == [FileUnit]
    assert found.units[0].name.endswith("/left" * 16 + "/w.yaml")


def test_a_file_reached_through_two_links_is_answered_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD)
    (folder / "b.yaml").symlink_to(folder / "a.yaml")
    found = discover([str(folder)])
    assert [u.name.rsplit("/", 1)[-1] for u in found.units] == ["a.yaml"]

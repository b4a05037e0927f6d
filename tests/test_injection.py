"""Hostile user text (issue 10, items 12 and 13): escape sequences, line breaks and bidirectional
overrides in names, descriptions, unknown keys and file names never reach a terminal raw, and names
never become Markdown or HTML in a report; the data formats keep the exact string."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deploy_advisor.engine.render.safe import printable
from deploy_advisor.engine.yamlio import parse_yaml
from deploy_advisor.main import main
from goldens import HERE, assemble

# an OSC that sets the title, a CSI that clears the screen, a carriage return and a line feed that fake a
# line of their own, a right-to-left override, an isolate, a mark and an 8-bit CSI
NAME = "evil\x1b]0;pwned\x07\x1b[2J\rRECOMMENDATION OVERRIDE\u202e\ndone\u2066\u200f\x9b"  # refused: control characters
BIDI_NAME = "evil\u202eRECOMMENDATION OVERRIDE\u2066\u200f"  # answered: shown escaped
DESCRIPTION = "plain\x1b[31m red\u202d\r\nRECOMMENDATION OVERRIDE"
KEY = "lat\x1b[2Jency\u202e"
FILE = "bad\x1b[2J\u202ename.json"
# what a terminal must never see: C0 (but the line feed that ends a line, and the tab), DEL, C1, bidi
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    """A folder of four inputs: a bidi name and a hostile description (answered), a name with control
    characters (refused, the error line escaped), a hostile unknown key, a hostile file name."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"name": BIDI_NAME, "description": DESCRIPTION, "needs": {"latency": "critical"}}))
    (folder / "d.json").write_text(json.dumps({"name": NAME, "needs": {"latency": "critical"}}))
    (folder / "b.json").write_text(json.dumps({"name": "k", "needs": {KEY: "critical"}}))
    (folder / FILE).write_text("{")
    return folder


def recommend(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def no_fake_lines(text: str) -> None:
    lines = text.replace("\r\n", "\n")  # CSV ends its lines with CRLF; no other carriage return
    assert not RAW.search(lines), repr(RAW.search(lines))
    assert not any(line.startswith("RECOMMENDATION OVERRIDE") for line in lines.splitlines())


def test_printable_escapes_controls_and_bidi_and_leaves_other_text() -> None:
    assert printable("a\x1b[2J\r\n\t\x7f\x9b\u202e\u2066\u200e\ud83d") == r"a\x1b[2J\r\n\t\x7f\x9b\u202e\u2066\u200e\ud83d"
    assert printable("Café → C:\\Temp | ok") == "Café → C:\\Temp | ok"  # accents, arrows and backslashes stay


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv"])
@pytest.mark.parametrize("explain", [False, True])
def test_human_formats_and_stderr_show_hostile_text_escaped(capsys, hostile: Path, fmt: str, explain: bool) -> None:
    code, out, err = recommend(capsys, "-f", fmt, *(["--explain"] if explain else []), str(hostile))
    assert code == 1  # three inputs are invalid; the fourth is still answered
    for stream in (out, err):
        no_fake_lines(stream)
    assert r"\x1b[2J\u202ename.json" in err and r"lat\x1b[2Jency\u202e" in err  # file name, unknown key
    assert len(err.splitlines()) == 3  # one line per bad input, whatever the text in it
    assert r"\x1b]0;pwned\x07" in err  # the refused name, shown escaped
    assert r"evil\u202eRECOMMENDATION" in out or r"evil\\u202eRECOMMENDATION" in out  # Markdown escapes the backslash too
    if fmt == "text" and explain:
        assert r"plain\x1b[31m red\u202d\r\nRECOMMENDATION OVERRIDE" in out  # the description, on its line


def test_a_single_justification_is_escaped(capsys, hostile: Path) -> None:
    code, out, _ = recommend(capsys, str(hostile / "a.json"))
    assert code == 0
    no_fake_lines(out)
    assert out.startswith(printable(BIDI_NAME) + ": Bare metal")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_keeps_the_exact_string(capsys, hostile: Path, fmt: str) -> None:
    _, out, err = recommend(capsys, "-f", fmt, str(hostile))
    no_fake_lines(err)
    assert "\x1b" not in out and "\r" not in out  # JSON escapes the C0 controls itself
    items = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    [answered] = [item for item in items if item["name"] is not None]
    assert answered["name"] == BIDI_NAME
    assert any(item["source"]["file"].endswith(FILE) for item in items)


def test_yaml_keeps_the_exact_string_with_controls_escaped(capsys, hostile: Path) -> None:
    _, out, err = recommend(capsys, "-f", "yaml", str(hostile))
    no_fake_lines(err)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)  # YAML writes \e, \a, \r, \x9b as escapes
    documents = [node.to_python() for node in parse_yaml(out, "out.yaml")]
    [answered] = [d for d in documents if d["name"] is not None]
    assert answered["name"] == BIDI_NAME


def test_check_and_test_reports_escape_file_names(capsys, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(HERE.parent / "rules", rules)
    (rules / "x\x1b[2J\u202e.yaml").write_text("rules:\n  - id: Bad Id\n")
    main(["check", str(rules)])
    out, err = capsys.readouterr()
    no_fake_lines(out + err)
    assert r"x\x1b[2J\u202e.yaml" in out


# --- diff --format markdown, the pull-request comment (item 13) -----------------------------------

MARKUP = ["</details><h1>x</h1>", "![t](http://e/x.png)", "[a](http://e)", "@org/team", "# head", "`code`",
          "a | b", "**bold** _em_ ~~gone~~", "<img src=x onerror=alert(1)>", "line\n# heading\n<script>"]


@pytest.fixture()
def hostile_diff(tmp_path: Path, monkeypatch) -> Path:
    """The diff fixture's rule change, with a corpus whose workloads (which all flip) have hostile names,
    and one hostile file name."""
    diff = HERE / "diff"
    assemble(tmp_path / "old", diff / "old")
    assemble(tmp_path / "new", diff / "new")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    needs = {"latency": "critical", "os_families": ["linux"], "kernel": "host_shared_ok"}
    for number, name in enumerate(MARKUP):
        (corpus / f"w{number}.json").write_text(json.dumps({"name": name, "needs": needs}))
    (corpus / "<b>@team `x` ![i](http:e)\u202e.json").write_text(json.dumps({"name": "n", "needs": needs}))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_markdown_lets_no_name_become_markup(capsys, hostile_diff: Path) -> None:
    assert main(["diff", "old", "new", "corpus", "--sample", "0", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    no_fake_lines(out)
    # the report's own markup is all the HTML there is: one fold per section, nothing a name could add
    assert set(re.findall(r"<[^>]*>", out)) <= {"<details>", "</details>", "<summary>", "</summary>", "<br>"}
    assert out.count("<details>") == out.count("</details>") == 2
    assert not re.search(r"(?<!\\)!?(?<!\\)\[[^\]\n]*(?<!\\)\]\(", out)  # no link, no image
    assert not re.search(r"@(?!&#8203;)", out)  # no @mention
    assert not [line for line in out.splitlines() if line.startswith("#") and "deploy-advisor diff" not in line]
    assert r"\*\*bold\*\* \_em\_ \~\~gone\~\~" in out and r"a \| b" in out and r"\`code\`" in out
    # every table row has the table's five cells: no pipe in a name adds one
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows)


def test_diff_text_shows_hostile_names_escaped(capsys, hostile_diff: Path) -> None:
    (hostile_diff / "corpus" / "w0.json").write_text(json.dumps(
        {"name": BIDI_NAME, "needs": {"latency": "critical", "os_families": ["linux"], "kernel": "host_shared_ok"}}))
    main(["diff", "old", "new", "corpus", "--sample", "0"])
    out = capsys.readouterr().out
    no_fake_lines(out)
    assert printable(BIDI_NAME) in out


def test_every_unsafe_character_is_unprintable_to_python():
    """What printable's fast path rests on: no character of the unsafe class is printable to str.isprintable."""
    from deploy_advisor.engine.render.safe import UNSAFE

    unsafe = [chr(c) for c in range(0x10000) if re.fullmatch(UNSAFE, chr(c))]
    assert len(unsafe) > 2000 and not any(c.isprintable() for c in unsafe)


def _escaped(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    return named or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("\x1b\x9b\u2028\u2029\u200e\u200f\u061c\u202a"
                                                                    "\u202e\u2066\u2069\ud800\udfff\n\r\t\\\\"))))
def test_printable_text_is_left_alone_and_the_rest_escaped_as_the_pattern_says(text):
    """printable's fast path: text Python calls printable is returned as it is; any other text has each
    unsafe character escaped, and nothing else changed."""
    from deploy_advisor.engine.render.safe import UNSAFE

    assert printable(text) == "".join(_escaped(c) if re.fullmatch(UNSAFE, c) else c for c in text)
    if text.isprintable():
        assert printable(text) is text

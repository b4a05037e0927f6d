"""Spreadsheet inventories (CSV, TSV, XLSX) and mapping files: 10,000-row portfolios answered as
their YAML equivalents are, bad cells reported by row and column, and the other rows answered."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from deploy_advisor.engine.requirements import Workload, read_file
from deploy_advisor.engine.yamlio import dump_yaml
from deploy_advisor.main import main

from spreadsheets import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ROWS = 10_000


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["recommend", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def examples(advisor) -> list[tuple[Workload, object]]:
    """Each shipped example's workload and its answer, read from its YAML."""
    out = []
    for path in EXAMPLES:
        (workload,) = read_file(path, str(path), advisor.catalogue)
        out.append((workload, advisor.evaluate([workload])[0]))
    return out


def _answer_key(data: dict) -> tuple:
    return data["recommendation"], tuple(sorted(data["scores"].items())), data["confidence"], data["needs"]


def _expected(example_result) -> tuple:
    from deploy_advisor.engine.render.data import result_dict

    return _answer_key(result_dict(example_result))


def _cell(value) -> str:
    return ";".join(value) if isinstance(value, tuple) else value


def test_a_10k_row_csv_is_answered_as_its_yaml(tmp_path, capsys, advisor, examples):
    ids = advisor.catalogue.ids
    header = ["name", "description", "label:team", *ids]
    rows = [header]
    for i in range(ROWS):
        workload, _ = examples[i % len(examples)]
        needs = dict(workload.needs)
        rows.append([f"{workload.name} #{i}", workload.description, f"team-{i % 5}", *(_cell(needs.get(c, "")) for c in ids)])
    path = write_csv(tmp_path / "inventory.csv", rows, bom=True)
    code, out, err = run(capsys, "-f", "jsonl", str(path))
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == ROWS
    for i, data in enumerate(lines):
        workload, result = examples[i % len(examples)]
        assert data["name"] == f"{workload.name} #{i}"
        assert _answer_key(data) == _expected(result)
        assert data["labels"] == {"team": f"team-{i % 5}"}
        assert data["source"] == {"file": str(path), "document": i + 2, "line": i + 2}


def _foreign_value(criterion, value: str, row: int) -> str:
    """How an export might spell a value: the catalogue's label, in varying case, or an OS product name."""
    if criterion.id == "os_families" and value == "linux":
        return "Red Hat Enterprise Linux 8 (64-bit)"
    if criterion.id == "os_families" and value == "windows":
        return "Microsoft Windows Server 2019 (64-bit)"
    label = criterion.value(value).label
    return label.upper() if row % 2 else label


def _mapping_yaml(catalogue) -> str:
    columns = {}
    for criterion in catalogue.criteria:
        values: dict = {v.label: v.id for v in criterion.values}
        if criterion.id == "os_families":
            values.update({"*Linux*": "linux", "Microsoft Windows Server *": "windows"})
        columns[f"CMDB {criterion.question[:40]}"] = {"criterion": criterion.id, "values": values, "otherwise": "error"}
    return dump_yaml({"sheet": "vInfo", "name": "VM", "description": "Annotation",
                      "labels": {"team": "Owner", "environment": "Env"}, "columns": columns})


def test_a_10k_row_xlsx_with_a_mapping_of_foreign_columns_and_values_is_answered_as_its_yaml(tmp_path, capsys, advisor, examples):
    catalogue = advisor.catalogue
    mapping = tmp_path / "rvtools.yaml"
    mapping.write_text(_mapping_yaml(catalogue), encoding="utf-8")
    header = ["VM", "Powerstate", "Annotation", "Owner", "Env", *(f"CMDB {c.question[:40]}" for c in catalogue.criteria)]
    rows = [header]
    for i in range(ROWS):
        workload, _ = examples[i % len(examples)]
        needs = dict(workload.needs)
        cells = []
        for criterion in catalogue.criteria:
            value = needs.get(criterion.id)
            values = value if isinstance(value, tuple) else (value,) if value else ()
            cells.append("; ".join(_foreign_value(criterion, v, i) for v in values))
        rows.append([f"vm-{i:05d}", "poweredOn", workload.description, f"team-{i % 3}", "prod", *cells])
    path = write_xlsx(tmp_path / "export.xlsx", {"vHost": [["ignored"]], "vInfo": rows})
    code, out, err = run(capsys, "-f", "jsonl", "--map", str(mapping), str(path))
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == ROWS
    for i, data in enumerate(lines):
        _, result = examples[i % len(examples)]
        assert data["name"] == f"vm-{i:05d}"
        assert _answer_key(data) == _expected(result)
        assert data["labels"] == {"team": f"team-{i % 3}", "environment": "prod"}


def test_bad_cells_are_reported_by_row_and_column_and_every_other_row_is_answered(tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", [
        ["name", "latency", "os_families", "containerizable"],
        ["good one", "critical", "linux", "yes"],
        ["typo", "critcal", "linux", "yes"],
        ["two wrong", "sensitive", "linux;plan9", "maybe"],
        ["", "tolerant", "Linux;Windows", "No"],  # no name: named after the file and row; case is forgiven
    ])
    code, out, err = run(capsys, "-f", "jsonl", str(path))
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["name"] for d in lines] == ["good one", None, None, "bad-5"]
    assert lines[3]["needs"] == {"latency": "tolerant", "os_families": ["linux", "windows"], "containerizable": "no"}
    errors = err.splitlines()
    assert errors[0] == (f"deploy-advisor: {path}:3:2: unknown-value: column 2 (latency): 'critcal' is not a value of "
                         "'latency' (did you mean 'critical'?)")
    assert errors[1].startswith(f"deploy-advisor: {path}:4:3: unknown-value: column 3 (os_families): 'plan9'")
    assert errors[2].startswith(f"deploy-advisor: {path}:4:4: unknown-value: column 4 (containerizable)")  # every problem, a line each
    problems = lines[2]["error"]["problems"]
    assert [(p["line"], p["column"], p["code"]) for p in problems] == [(4, 3, "unknown-value"), (4, 4, "unknown-value")]


def test_an_xlsx_bad_cell_is_named_by_sheet_and_cell(tmp_path, capsys):
    rows = [["name", "latency", "startup"]] + [[f"w{i}", "critical", "instant"] for i in range(2, 7)]
    rows.append(["w7", "critical", "whenever"])  # row 7, column C
    path = write_xlsx(tmp_path / "inv.xlsx", {"Sheet1": rows})
    code, out, err = run(capsys, "-f", "jsonl", str(path))
    assert code == 1
    assert len(out.splitlines()) == 6
    assert err.startswith(f"deploy-advisor: {path}:7:3: unknown-value: Sheet1!C7 (startup): 'whenever' is not a value")


def test_header_problems_are_reported_once_and_the_rows_still_answered(tmp_path, capsys):
    rows = [["name", "latancy", "startup", "Startup", "label:bad key"]] + [[f"w{i}", "x", "instant", "slow_ok", "v"] for i in range(700)]
    path = write_csv(tmp_path / "h.csv", rows)
    code, out, err = run(capsys, "-f", "jsonl", str(path))
    assert code == 1
    answered = [json.loads(line) for line in out.splitlines() if '"error"' not in line]
    assert len(answered) == 700 and all(d["needs"] == {"startup": "instant"} for d in answered)
    assert err.count("\n") == 3  # the header's three problems, once each, not once per unit of rows
    assert "h.csv:1:2: unknown-column: column 2 (latancy)" in err and "did you mean 'latency'?" in err
    assert "(and 2 more problems)" not in err  # every problem has its own line


def test_csv_quoting_crlf_bom_and_formula_looking_cells_are_only_text(tmp_path, capsys):
    raw = ('\ufeffname,description,startup\r\n'
           '"=HYPERLINK(""http://x"",""y"")","two\r\nlines, with a comma",instant\r\n'
           '+1 plan,-,fast\r\n')
    path = tmp_path / "odd.csv"
    path.write_bytes(raw.encode("utf-8"))
    code, out, err = run(capsys, "-f", "json", str(path))
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [d["name"] for d in data] == ['=HYPERLINK("http://x","y")', "+1 plan"]
    assert [d["source"]["line"] for d in data] == [2, 4]
    code, out, _ = run(capsys, "-f", "csv", str(path))
    names = [row["name"] for row in csv.DictReader(io.StringIO(out, newline=""))]
    assert names == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1 plan"]  # written back defused


def test_standard_input_with_input_format(tmp_path, capsys, monkeypatch):
    tsv = "name\tstartup\tlatency\nw1\tinstant\tcritical\nw2\tslow_ok\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(tsv.encode())))
    code, out, err = run(capsys, "-f", "jsonl", "--input-format", "tsv", "-")
    assert (code, err) == (0, "")
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["w1", "w2"]
    book = write_xlsx(tmp_path / "in.xlsx", {"S": [["name", "startup"], ["x1", "instant"]]})
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(book.read_bytes())))
    code, out, err = run(capsys, "-f", "jsonl", "--input-format", "xlsx", "-")
    assert (code, err) == (0, "")
    assert json.loads(out)["source"] == {"file": "-", "document": 2, "line": 2}


def test_a_folder_is_searched_for_spreadsheets(tmp_path, capsys):
    write_csv(tmp_path / "a.csv", [["name", "startup"], ["from csv", "instant"]])
    write_xlsx(tmp_path / "b.xlsx", {"S": [["name", "startup"], ["from xlsx", "instant"]]})
    write_csv(tmp_path / "c.tsv", [["name", "startup"], ["from tsv", "fast"]], delimiter="\t")
    code, out, _ = run(capsys, "-f", "jsonl", str(tmp_path))
    assert code == 0
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["from csv", "from xlsx", "from tsv"]


def test_unreadable_spreadsheets_are_one_error_each(tmp_path, capsys):
    (tmp_path / "fake.xlsx").write_text("not a zip")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "latin1.csv").write_bytes("name,startup\nCaf\xe9,instant\n".encode("latin-1"))
    write_csv(tmp_path / "z.csv", [["name", "startup"], ["fine", "instant"]])
    code, out, err = run(capsys, "-f", "jsonl", str(tmp_path))
    assert code == 1
    assert [json.loads(line)["name"] for line in out.splitlines()].count("fine") == 1
    assert "empty.csv: empty: the spreadsheet has no header row" in err
    assert "fake.xlsx: xlsx-unreadable" in err
    assert "latin1.csv:2:1: not-utf8: column 1 (name): the cell is not UTF-8 text" in err


def test_mapping_errors_are_located_in_the_mapping_file_with_a_hint(tmp_path, capsys):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: VM\ncolumns:\n  OS:\n    criterion: os_familes\n  Boot:\n    criterion: startup\n"
                       "    values:\n      Quick: instnt\n    otherwise: sometimes\n", encoding="utf-8")
    path = write_csv(tmp_path / "x.csv", [["VM", "OS"], ["a", "linux"]])
    code, out, err = run(capsys, "--map", str(mapping), str(path))
    assert (code, out) == (2, "")
    assert f"{mapping}:4:16: unknown-criterion: unknown criterion 'os_familes' (did you mean 'os_families'?)" in err
    assert f"{mapping}:8:14: unknown-value: 'instnt' is not a value of 'startup' (did you mean 'instant'?)" in err
    assert f"{mapping}:9:16: unknown-value: 'otherwise' cannot be 'sometimes'" in err


def test_a_mapped_value_that_matches_nothing_follows_otherwise(tmp_path, capsys):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: Host\ncolumns:\n  Guest OS:\n    criterion: os_families\n    values:\n"
                       "      'Windows*': windows\n      'other': ~\n    otherwise: error\n"
                       "  Boot: {criterion: startup, values: {Quick: instant}}\n", encoding="utf-8")
    path = write_csv(tmp_path / "x.csv", [["Host", "Guest OS", "BOOT", "Unrelated"],
                                          ["a", "windows 2019", "quick", "?"], ["b", "OTHER", "fast", ""],
                                          ["c", "Solaris", "", ""], ["d", "Windows 10; other", "", ""]])
    code, out, err = run(capsys, "-f", "jsonl", "--map", str(mapping), str(path))
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["needs"] == {"os_families": ["windows"], "startup": "instant"}
    assert lines[1]["needs"] == {"startup": "fast"}  # unanswered by mapping; 'fast' kept as written
    assert lines[2]["error"]["code"] == "unmapped-value"
    assert lines[3]["needs"] == {"os_families": ["windows"]}
    assert f"{path}:4:2: unmapped-value: column 2 (Guest OS): 'Solaris' matches no line of the mapping" in err


def test_the_xlsx_reader_is_imported_by_one_module_only():
    users = [p for p in (ROOT / "engine").rglob("*.py") if "python_calamine" in p.read_text(encoding="utf-8")]
    assert [p.name for p in users] == ["xlsx.py"]


def test_the_documented_mapping_loads(advisor):
    from deploy_advisor.engine.batchio.mapping import load_mapping

    mapping = load_mapping(str(ROOT / "docs" / "examples" / "rvtools-mapping.yaml"), advisor.catalogue)
    assert mapping.sheet == "vInfo" and mapping.name == "VM"
    assert [c.criterion for c in mapping.columns] == ["os_families", "startup"]


def test_several_processes_write_the_same_bytes(tmp_path, capsys, advisor):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(_mapping_yaml(advisor.catalogue), encoding="utf-8")
    header = ["VM", "Owner", *(f"CMDB {c.question[:40]}" for c in advisor.catalogue.criteria)]
    rows = [header] + [[f"vm{i}", f"t{i % 4}", *(["Bad value"] if i % 97 == 0 else [""]),
                        *([""] * (len(header) - 3))] for i in range(1500)]
    path = write_xlsx(tmp_path / "e.xlsx", {"vInfo": rows})
    outputs = [run(capsys, "-f", "jsonl", "--jobs", jobs, "--map", str(mapping), str(path)) for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and outputs[0][2].count("unmapped-value") == len(range(0, 1500, 97))


def test_input_format_is_for_standard_input(tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", [["name"], ["x"]])
    code, _, err = run(capsys, "--input-format", "csv", str(path))
    assert code == 2 and "--input-format says what standard input holds" in err

"""Spreadsheet inventories: how fast rows become checked workloads, against a floor measured in the
same run on the same file.

    python benchmarks/bench_spreadsheet.py                 # 10,000 and 100,000 rows
    python benchmarks/bench_spreadsheet.py --sizes 2000 20000

For each size it writes a CSV and an XLSX inventory from the shipped examples' answers (one row per
workload, every criterion a column), then prints, best of a few runs:

* CSV: rows per second read into workloads (deploy_advisor.engine.batchio.inputs.read_outcomes: the csv
  module, header, cells checked against the catalogue), and that time as a multiple of the floor,
  ``csv.reader`` alone over the same file;
* XLSX: the same, against the floor of python-calamine alone reading the sheet's cells;
* at the first size, the XLSX reader choice: python-calamine against openpyxl's read-only mode
  (when openpyxl is installed), the measurement behind engine/batchio/xlsx.py.

Evaluation is not included: bench_batch.py measures the engine.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from spreadsheets import write_csv, write_xlsx  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=(10_000, 100_000))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from deploy_advisor.engine.batchio.inputs import read_outcomes
    from deploy_advisor.engine.requirements import Workload, read_file
    from deploy_advisor.engine.rulefiles import load_ruleset

    catalogue = load_ruleset().catalogue
    examples = [read_file(p, str(p), catalogue)[0] for p in sorted((ROOT / "examples").glob("*.yaml"))]
    header = ["name", *catalogue.ids]
    with tempfile.TemporaryDirectory() as tmp:
        for index, size in enumerate(args.sizes):
            rows = [header] + [_row(examples[i % len(examples)], i, catalogue.ids) for i in range(size)]
            csv_path = write_csv(Path(tmp) / f"inv-{size}.csv", rows)
            xlsx_path = write_xlsx(Path(tmp) / f"inv-{size}.xlsx", {"Sheet1": rows})

            def ours(path: Path) -> int:
                count = sum(isinstance(o, Workload) for o in read_outcomes([str(path)], catalogue, max_bytes=1 << 30))
                assert count == size, f"{count} workloads of {size}"
                return count

            floor_csv = _best(lambda: _csv_floor(csv_path), args.repeat)
            ours_csv = _best(lambda: ours(csv_path), args.repeat)
            floor_xlsx = _best(lambda: _calamine_floor(xlsx_path), args.repeat)
            ours_xlsx = _best(lambda: ours(xlsx_path), args.repeat)
            print(f"{size:>9,} rows  CSV : {size / ours_csv:>9,.0f} rows/s  ({ours_csv / floor_csv:4.1f}x csv.reader alone, "
                  f"{size / floor_csv:,.0f} rows/s)")
            print(f"{size:>9,} rows  XLSX: {size / ours_xlsx:>9,.0f} rows/s  ({ours_xlsx / floor_xlsx:4.1f}x calamine alone, "
                  f"{size / floor_xlsx:,.0f} rows/s)")
            if index == 0:
                _reader_choice(xlsx_path, size, args.repeat)
    return 0


def _row(workload, i: int, ids: tuple[str, ...]) -> list[str]:
    needs = dict(workload.needs)
    return [f"{workload.name} #{i}", *(";".join(v) if isinstance(v, tuple) else v or "" for v in map(needs.get, ids))]


def _csv_floor(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return sum(1 for _ in csv.reader(stream))


def _calamine_floor(path: Path) -> int:
    import python_calamine

    return len(python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())


def _openpyxl(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _reader_choice(path: Path, size: int, repeat: int) -> None:
    calamine = _best(lambda: _calamine_floor(path), repeat)
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        print("  (openpyxl not installed: pip install openpyxl to compare the XLSX readers)")
        return
    other = _best(lambda: _openpyxl(path), repeat)
    print(f"  XLSX reader at {size:,} rows: python-calamine {calamine * 1000:,.0f} ms, openpyxl read-only "
          f"{other * 1000:,.0f} ms ({other / calamine:.1f}x slower)")


def _best(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


if __name__ == "__main__":
    raise SystemExit(main())

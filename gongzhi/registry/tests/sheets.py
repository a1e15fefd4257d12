"""Builders of import files for the tests."""

import csv
import datetime as dt
import io

from openpyxl import Workbook

from gongzhi.core.ids import make_id_number
from gongzhi.registry.spreadsheets import SHEETS

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静丽强磊军洋"


def person_values(i: int, grid: str = "", dwelling: str = "", role: str = "") -> dict:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=i % 25000)
    return {
        "姓名": SURNAMES[i % 10] + GIVEN[(i // 10) % 10] + GIVEN[(i // 100) % 10],
        "证件号码": make_id_number("110105", birth, i % 997),
        "联系电话": f"139{i:08d}",
        "人口类型": "户籍" if i % 3 else "流动",
        "房屋编号": dwelling,
        "与房屋关系": role,
        "网格编码": grid,
    }


def rows_for(kind: str, records: list[dict]) -> list[list]:
    headers = [c.header for c in SHEETS[kind].columns]
    return [headers] + [[record.get(h, "") for h in headers] for record in records]


def csv_bytes(kind: str, records: list[dict]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows_for(kind, records))
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, list[dict]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, records in sheets.items():
        sheet = workbook.create_sheet(SHEETS[kind].title)
        for row in rows_for(kind, records):
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

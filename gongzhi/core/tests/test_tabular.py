"""The one reader of spreadsheets and CSV files (core.tabular), with files as offices write them."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from gongzhi.core import tabular
from gongzhi.core.tabular import Column, FormatError, Problems

COLUMNS = (
    Column("id_number", "证件号码", True, aliases=("身份证号",), numeric_allowed=False),
    Column("name", "姓名", True),
    Column("phone", "联系电话", aliases=("手机号",)),
    Column("born", "出生日期"),
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx(*rows, title="人员") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_one(data: bytes, filename: str) -> tabular.Table:
    [(title, headers, rows, count)] = tabular.read(data, filename)
    return tabular.table(title, headers, rows, COLUMNS, count)


def test_a_gb18030_csv_from_chinese_excel_is_read_with_its_headers_as_written():
    text = "身份证号,姓名,手机号,备注\r\n110105194912310021,张伟,13912345678,楼长\r\n,,,\r\n"
    table = read_one(text.encode("gb18030"), "名单.csv")
    assert table.headers == {"id_number": "身份证号", "name": "姓名", "phone": "手机号"}
    assert list(table.rows) == [(2, {"id_number": "110105194912310021", "name": "张伟", "phone": "13912345678"})]


def test_utf8_with_and_without_bom_and_full_width_brackets_in_headers():
    for data in ("姓名,联系电话（手机）\n王芳,139\n".encode("utf-8-sig"), "姓名,联系电话（手机）\n王芳,139\n".encode()):
        table = read_one(data, "a.csv")
        assert [row for _n, row in table.rows] == [{"name": "王芳"}]
    mapping = tabular.header_map([Column("phone", "联系电话(手机)")])
    assert tabular.recognised(["联系电话（手机）"], mapping) == {"phone"}


def test_neither_utf8_nor_gb18030_is_refused_clearly():
    with pytest.raises(FormatError, match="neither UTF-8 nor GB18030"):
        tabular.read(b"\x81\x30\xff\xff", "a.csv")
    with pytest.raises(FormatError, match="empty"):
        tabular.read(b"", "a.csv")
    with pytest.raises(FormatError, match="readable XLSX"):
        tabular.read(b"not a workbook", "a.xlsx")
    with pytest.raises(FormatError, match=".xlsx and .csv"):
        tabular.read(b"x", "a.xls")


def test_an_id_number_typed_as_a_number_is_refused_not_guessed():
    table = read_one(xlsx(["证件号码", "姓名"], [110105194912310000, "张伟"], ["110105194912310021", "李娜"]), "a.xlsx")
    rows = list(table.rows)
    with pytest.raises(ValueError, match="format the column as text"):
        tabular.cell_text(rows[0][1]["id_number"], numeric_allowed=False)
    assert tabular.cell_text(rows[1][1]["id_number"], numeric_allowed=False) == "110105194912310021"


def test_long_numbers_are_refused_anywhere_and_whole_numbers_read_without_a_fraction():
    with pytest.raises(ValueError, match="more than 15 digits"):
        tabular.cell_text(1234567890123456)
    with pytest.raises(ValueError, match="more than 15 digits"):
        tabular.cell_text(1.2345678901234567e17)
    assert tabular.cell_text(13912345678.0) == "13912345678"  # a mobile typed as a number keeps its 11 digits
    assert tabular.cell_text(86.5) == "86.5"
    assert tabular.cell_text(True) == "1"
    assert tabular.cell_text(None) == ""
    assert tabular.cell_text("  3号楼 ") == "3号楼"


def test_dates_from_date_cells_text_and_excel_serial_numbers():
    table = read_one(xlsx(["姓名", "出生日期"], ["张伟", dt.datetime(1949, 12, 31)], ["李娜", 45915],
                          ["王芳", "1950/3/1"]), "a.xlsx")
    born = [tabular.cell_date(row["born"]) for _n, row in table.rows]
    assert born == [dt.date(1949, 12, 31), dt.date(2025, 9, 15), dt.date(1950, 3, 1)]
    assert tabular.cell_date("45915") == dt.date(2025, 9, 15)  # the serial saved into a CSV
    assert tabular.cell_date("2025年9月15日") == dt.date(2025, 9, 15)
    assert tabular.cell_date("20250915") == dt.date(2025, 9, 15)
    assert tabular.cell_date("") is None
    for wrong in ("2025-02-30", "soon", 45915.5, 12):
        with pytest.raises(ValueError, match="is not a date"):
            tabular.cell_date(wrong)


def test_blank_rows_are_skipped_short_rows_padded_and_row_numbers_are_the_files():
    table = read_one(xlsx(["姓名", "证件号码"], [None, None], ["张伟"], ["", "  "], ["李娜", "1101"]), "a.xlsx")
    assert list(table.rows) == [(3, {"name": "张伟", "id_number": None}), (5, {"name": "李娜", "id_number": "1101"})]


def test_a_workbook_gives_every_sheet_with_its_title():
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["这是说明"])
    workbook.create_sheet("人员").append(["姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [title for title, *_rest in tabular.read(buffer.getvalue(), "a.xlsx")] == ["说明", "人员"]


def test_problems_count_every_one_and_list_the_first_limit():
    problems = Problems()
    for row in range(2, 602):
        problems.add(row, "证件号码", "wrong")
    assert problems.total == 600 and len(problems.listed) == 500 and problems.truncated
    assert str(problems.listed[0]) == "Row 2, column 证件号码: wrong"
    assert str(tabular.Problem(3, "姓名", "required", sheet="人员")) == "Sheet 人员, row 3, column 姓名: required"
    assert not Problems()


@pytest.mark.parametrize(("written", "moment"), [
    ("2019/2/28 9:05:05", dt.datetime(2019, 2, 28, 9, 5, 5)),
    ("2018/4/24", dt.datetime(2018, 4, 24)),
    ("2019年2月28日 11时25分", dt.datetime(2019, 2, 28, 11, 25)),
    ("2019年2月28日11时25分30秒", dt.datetime(2019, 2, 28, 11, 25, 30)),
    ("2019.02.28 11:25", dt.datetime(2019, 2, 28, 11, 25)),
    ("2019-02-28 09:05:05.0", dt.datetime(2019, 2, 28, 9, 5, 5)),
    ("20190228090505", dt.datetime(2019, 2, 28, 9, 5, 5)),
    (43524.5, dt.datetime(2019, 2, 28, 12, 0)),  # an Excel serial with a fraction of a day
    ("43524.25", dt.datetime(2019, 2, 28, 6, 0)),  # the same saved into a CSV
    (43524, dt.datetime(2019, 2, 28)),
    (dt.date(2019, 2, 28), dt.datetime(2019, 2, 28)),
])
def test_dates_and_times_as_hotline_exports_write_them(written, moment):
    assert tabular.cell_datetime(written) == moment


def test_a_date_and_time_keeps_its_offset_and_refuses_what_is_none():
    assert tabular.cell_datetime("2025-09-15T11:30:00+08:00").utcoffset() == dt.timedelta(hours=8)
    assert tabular.cell_datetime("  ") is None
    for wrong in ("2019/2/30 10:00", "2019/2/28 25:00", "soon", 12, "2019年2月"):
        with pytest.raises(ValueError, match="is not a date"):
            tabular.cell_datetime(wrong)
    with translation.override("zh-hans"):
        with pytest.raises(ValueError, match="不是有效的日期时间"):
            tabular.cell_datetime("soon")

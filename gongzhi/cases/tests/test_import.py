"""import_cases: the 12345 hand-off is idempotent, all or nothing, dry-runnable, and names bad rows."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.importing import import_cases
from gongzhi.cases.models import Case, CaseContact, CaseEvent, Channel
from gongzhi.core.geo import wgs84_to_gcj02

from .conftest import POINT_A1, POINT_B1, TZ

HEADERS = ["工单编号", "来电时间", "诉求类别", "紧急程度", "标题", "诉求内容", "地址", "经度", "纬度", "坐标系", "来电人",
           "联系电话"]


def rows(world):
    gcj = wgs84_to_gcj02(*POINT_B1)
    return [
        ["GD20250915001", "2025-09-15 09:12:00", "0201", "一般", "夜间施工噪声", "工地每晚十点后仍在施工。", "永安里小区东侧",
         POINT_A1[0], POINT_A1[1], "WGS84", "王秀英", "13812345678"],
        ["GD20250915002", "2025/9/15 10:05", "环境保护/垃圾分类与清运", "紧急", "", "垃圾桶满溢无人清运\n已三天", "光华里5号楼",
         gcj[0], gcj[1], "高德", "", ""],
        ["GD20250915003", "2025-09-15T11:30:00+08:00", "噪声扰民", "", "广场舞噪声", "晚上广场舞音响太大。", "建外街道",
         "", "", "", "李四", "010-65001234"],
    ]


def csv_file(tmp_path, data_rows, name="hotline.csv", encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS + ["区划代码"])
    for row in data_rows:
        writer.writerow([*row, "110105001000" if not row[7] else ""])
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(actor, path, **options):
    return import_cases(actor=actor, data=path.read_bytes(), filename=path.name, **options)


@pytest.mark.django_db
def test_an_import_takes_cases_in_through_intake_and_is_idempotent(world, tmp_path):
    path = csv_file(tmp_path, rows(world))
    report = run(world.users.admin, path)
    assert report.ok, report.errors
    assert (report.rows, report.created, report.skipped) == (3, 3, 0)
    cases = {c.hotline_id: c for c in Case.objects.all()}
    assert set(cases) == {"GD20250915001", "GD20250915002", "GD20250915003"}
    first, second, third = (cases[f"GD2025091500{i}"] for i in (1, 2, 3))
    assert all(c.channel == Channel.HOTLINE_12345 and c.state == "received" for c in cases.values())
    assert first.grid == world.tree["grid_a1"] and first.created_at == dt.datetime(2025, 9, 15, 9, 12, tzinfo=TZ)
    assert second.grid == world.tree["grid_b1"] and second.crs == "gcj02" and second.urgency == "urgent"
    assert second.category.code == "0204" and second.title == "垃圾桶满溢无人清运"
    assert third.region_code == "110105001000" and third.grid is None and third.category.code == "0201"
    # The same intake event as every channel, at the time of the call.
    event = CaseEvent.objects.get(case=first)
    assert (event.action, event.at, event.payload["channel"]) == ("intake", first.created_at, "hotline_12345")
    # The caller's phone is kept encrypted, never in clear.
    assert CaseContact.objects.get(case=first).phone == "13812345678"
    assert CaseContact.objects.get(case=third).phone == "01065001234"
    assert not CaseContact.objects.filter(case=second).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM cases_casecontact")
        stored = " ".join(value for (value,) in cursor.fetchall())
    assert "13812345678" not in stored and "65001234" not in stored
    assert AuditEvent.objects.filter(action="cases.import").count() == 1

    again = run(world.users.admin, path)
    assert again.ok and (again.created, again.skipped) == (0, 3)
    assert Case.objects.count() == 3 and CaseEvent.objects.count() == 3


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_is_named(world, tmp_path):
    data = rows(world)
    data.append(["GD20250915004", "2025-09-15 12:00", "不存在的类别", "一般", "x", "y", "", "", "", "", "", ""])
    data.append(["GD20250915005", "2025-09-15 12:00", "0201", "一般", "x", "y", "", 100.0, 30.0, "", "", ""])
    data.append(["GD20250915006", "next tuesday", "0201", "很急", "x", "", "", "abc", "", "火星", "", "12345"])
    path = csv_file(tmp_path, data)
    with translation.override("en"):
        report = run(world.users.admin, path)
    assert not report.ok and report.created == 0
    problems = {(e.row, e.column) for e in report.errors}
    assert (5, "诉求类别") in problems  # spreadsheet rows: header = 1, so the 4th data row is row 5
    assert {(7, "来电时间"), (7, "紧急程度"), (7, "诉求内容"), (7, "经度"), (7, "坐标系")} <= problems
    # Every check of intake runs on every row too, so the point in no grid is reported in the same pass.
    assert (6, "经度") in problems
    assert Case.objects.count() == 0 and CaseContact.objects.count() == 0
    message = next(e for e in report.errors if e.row == 5)
    assert "不存在的类别" in str(message) and str(message).startswith("Row 5, column 诉求类别")

    fixable = rows(world) + [data[4]]  # only the point in no grid is wrong now
    report = run(world.users.admin, csv_file(tmp_path, fixable, "second.csv"))
    assert [(e.row, e.column) for e in report.errors] == [(5, "经度")]
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(action="cases.import").exists()


@pytest.mark.django_db
def test_repeated_ids_and_missing_columns_are_reported(world, tmp_path):
    data = rows(world)
    data.append(list(data[0]))
    report = run(world.users.admin, csv_file(tmp_path, data))
    assert [(e.row, e.column) for e in report.errors] == [(5, "工单编号")]
    path = tmp_path / "short.csv"
    path.write_text("工单编号,标题\nA1,x\n", encoding="utf-8")
    report = run(world.users.admin, path)
    assert report.errors[0].row == 1 and "来电时间" in report.errors[0].message
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert not run(world.users.admin, path).ok


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing(world, tmp_path):
    report = run(world.users.admin, csv_file(tmp_path, rows(world)), dry_run=True)
    assert report.ok and report.created == 3 and report.case_ids == []
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="cases.").exists()


@pytest.mark.django_db
def test_xlsx_with_typed_cells_and_gbk_csv(world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([20250915007, dt.datetime(2025, 9, 15, 9, 0), "0201", "一般", "施工噪声", "夜间施工。", "", POINT_A1[0],
                  POINT_A1[1], "", "张三", 13900001111])
    path = tmp_path / "hotline.xlsx"
    workbook.save(path)
    report = run(world.users.admin, path)
    assert report.ok, report.errors
    case = Case.objects.get(hotline_id="20250915007")
    assert case.created_at == dt.datetime(2025, 9, 15, 9, 0, tzinfo=TZ)
    assert CaseContact.objects.get(case=case).phone == "13900001111"

    report = run(world.users.admin, csv_file(tmp_path, rows(world)[:1], "gbk.csv", encoding="gb18030"))
    assert report.ok and report.created == 1


@pytest.mark.django_db
def test_the_importer_needs_intake_rights_and_its_area(world, tmp_path):
    from django.core.exceptions import PermissionDenied

    path = csv_file(tmp_path, rows(world))
    with pytest.raises(PermissionDenied):
        run(world.users.leader, path)
    # A grid worker of A1 may register cases in A1 only.
    report = run(world.users.grid_a1, path)
    assert {e.row for e in report.errors} == {3, 4}
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_the_command(world, tmp_path, capsys):
    path = csv_file(tmp_path, rows(world))
    call_command("import_cases", str(path), "--dry-run", "--no-progress", "--language", "en")
    assert "Dry run" in capsys.readouterr().out
    assert Case.objects.count() == 0
    call_command("import_cases", str(path), "--no-progress", "--as-user", "dispatcher")
    assert Case.objects.count() == 3
    call_command("import_cases", str(path), "--no-progress")
    assert Case.objects.count() == 3

    bad = csv_file(tmp_path, [["GD9", "2025-09-15 09:00", "9999", "", "x", "y", "", "", "", "", "", ""]], "bad.csv")
    with pytest.raises(CommandError):
        call_command("import_cases", str(bad), "--no-progress", "--language", "en")
    assert "Row 2, column 诉求类别" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import_cases", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), "--as-user", "leader", "--no-progress")


@pytest.mark.django_db
def test_a_work_order_number_excel_cut_short_is_refused_not_imported(world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([2025091512345678901, dt.datetime(2025, 9, 15, 9, 0), "0201", "一般", "施工噪声", "夜间施工。", "",
                  POINT_A1[0], POINT_A1[1], "", "张三", "13900001111"])
    path = tmp_path / "hotline.xlsx"
    workbook.save(path)
    with translation.override("en"):
        report = run(world.users.admin, path)
        assert [(e.row, e.column) for e in report.errors] == [(2, "工单编号")]
        assert "more than 15 digits" in report.errors[0].message
    assert Case.objects.count() == 0

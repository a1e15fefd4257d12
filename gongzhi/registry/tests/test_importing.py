"""Import: all or nothing, idempotent, reports naming row and column, scoped."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongzhi.audit.models import AuditEvent
from gongzhi.core.tests.statistics import planner_rows
from gongzhi.registry.importing import import_registry
from gongzhi.registry.models import (
    Building,
    Compound,
    Dwelling,
    Household,
    HouseholdMember,
    Person,
    PersonCareTag,
    Residence,
)

from .sheets import csv_bytes, person_values, xlsx_bytes

GRID_A1 = "110105001001001"
GRID_B1 = "110105001002001"


def _workbook():
    dwellings = [
        {"房屋编号": "D-1", "网格编码": GRID_A1, "小区": "永安里小区", "楼栋": "3", "单元": "2", "房号": "501",
         "楼层": 5, "建筑面积": "86.50", "用途": "自住"},
        {"房屋编号": "D-2", "网格编码": GRID_A1, "小区": "永安里小区", "楼栋": "3", "单元": "2", "房号": "502",
         "建筑面积": 72, "用途": "出租"},
        {"房屋编号": "D-3", "网格编码": GRID_A1, "门牌地址": "建国路8号", "用途": "商用"},
    ]
    persons = [
        {**person_values(1, dwelling="D-1", role="产权人"), "关爱标签": "独居老人"},
        person_values(2, dwelling="D-1", role="家庭成员"),
        {**person_values(3, dwelling="D-2", role="租户"), "人员编号": "P-3"},
        person_values(4, grid=GRID_A1),
    ]
    households = [
        {"户编号": "H-1", "房屋编号": "D-1", "证件号码": persons[0]["证件号码"], "与户主关系": "户主"},
        {"户编号": "H-1", "房屋编号": "D-1", "证件号码": persons[1]["证件号码"], "与户主关系": "配偶"},
        {"户编号": "H-2", "房屋编号": "D-2", "人员编号": "P-3", "与户主关系": "户主"},
    ]
    return xlsx_bytes({"dwellings": dwellings, "persons": persons, "households": households}), persons


def _snapshot():
    """Every row of the registry tables, raw (ciphertexts and timestamps included)."""
    tables = ["registry_compound", "registry_building", "registry_entrance", "registry_dwelling", "registry_person",
              "registry_residence", "registry_household", "registry_householdmember", "registry_personcaretag"]
    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            result[table] = cursor.fetchall()
    return result


def test_workbook_import_creates_everything(staff, tree):
    data, persons = _workbook()
    report = import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx")
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts() == {
        "dwellings": {"rows": 3, "created": 3, "updated": 0, "unchanged": 0},
        "persons": {"rows": 4, "created": 4, "updated": 0, "unchanged": 0},
        "households": {"rows": 3, "created": 2, "updated": 0, "unchanged": 0},
    }
    assert Compound.objects.count() == 1 and Building.objects.count() == 1
    assert Dwelling.objects.get(external_id="D-1").address_text == "永安里小区 3号楼 2单元 501室"
    owner = Person.objects.get(name=persons[0]["姓名"])
    assert owner.id_number == persons[0]["证件号码"] and owner.phone == persons[0]["联系电话"]
    assert owner.dwelling.external_id == "D-1" and owner.dwelling_role == "owner"
    assert owner.name_initials and owner.birth_date is not None
    assert PersonCareTag.objects.get().person == owner
    assert Residence.objects.count() == 3
    household = Household.objects.get(external_id="H-1")
    assert household.head == owner and household.members.count() == 2
    event = AuditEvent.objects.get(action="registry.import")
    assert event.changes["persons"]["created"] == 4 and len(event.changes["sha256"]) == 64


def test_the_same_import_twice_changes_nothing(staff, tree):
    data, _persons = _workbook()
    assert import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx").ok
    before = _snapshot()
    events = AuditEvent.objects.count()
    report = import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx")
    assert report.ok
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert report.counts()["persons"]["unchanged"] == 4
    assert _snapshot() == before
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_only_that_record_and_keeps_history(staff, tree):
    data, persons = _workbook()
    import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx")
    moved = {**person_values(4, dwelling="D-3", role="租户")}
    report = import_registry(actor=staff["community_a"], data=csv_bytes("persons", [moved]), filename="fix.csv")
    assert report.ok and report.counts()["persons"] == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0}
    person = Person.objects.get(id_number_index=Person.objects.get(name=persons[3]["姓名"]).id_number_index)
    assert person.dwelling.external_id == "D-3"
    assert Residence.objects.filter(person=person, end_date__isnull=True).get().dwelling == person.dwelling


def test_ten_thousand_rows_with_one_bad_row_write_nothing_and_name_the_row(staff, tree):
    records = [person_values(i, grid=GRID_A1) for i in range(10_000)]
    bad = records[9_997]  # spreadsheet row 9,999 (the header is row 1)
    bad["证件号码"] = bad["证件号码"][:17] + ("0" if bad["证件号码"][17] != "0" else "1")
    report = import_registry(actor=staff["community_a"], data=csv_bytes("persons", records), filename="big.csv")
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(9_999, "证件号码")]
    assert "row 9999" in str(report.errors[0]) and "check character" in str(report.errors[0])
    assert bad["证件号码"] not in str(report.errors[0])
    assert Person.objects.count() == 0 and not AuditEvent.objects.filter(action="registry.import").exists()


def test_every_bad_cell_is_reported(staff, tree):
    records = [
        {**person_values(1, grid=GRID_A1), "性别": "女"},  # gender contradicts the ID number (odd = male)
        {**person_values(2, grid=GRID_B1)},  # outside the importer's community
        {**person_values(3, grid=GRID_A1), "联系电话": "12"},
        {**person_values(4, grid=GRID_A1), "人口类型": "外星"},
        {**person_values(1, grid=GRID_A1), "姓名": ""},  # same ID as row 2, no name
        {**person_values(6), "房屋编号": "NOPE", "与房屋关系": "租户"},
        {**person_values(7, grid=GRID_A1), "关爱标签": "独居老人、不存在"},
    ]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("persons", records), filename="bad.csv")
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(2, "性别"), (3, "网格编码"), (4, "联系电话"), (5, "人口类型"), (6, "姓名"), (6, "证件号码"),
                     (7, "房屋编号"), (8, "关爱标签")}
    assert Person.objects.count() == 0


def test_numbers_typed_as_numbers_in_id_columns_are_refused(staff, tree):
    record = person_values(1, grid=GRID_A1)
    record["证件号码"] = 110105194001010011  # what Excel makes of an ID typed without formatting
    report = import_registry(actor=staff["community_a"], data=xlsx_bytes({"persons": [record]}), filename="x.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "证件号码")]
    assert "text" in report.errors[0].message


def test_household_rules(staff, tree):
    data, persons = _workbook()
    import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx")
    rows = [
        {"户编号": "H-9", "证件号码": persons[3]["证件号码"], "与户主关系": "配偶"},  # no head
        {"户编号": "H-8", "证件号码": "110105194912310021", "与户主关系": "户主"},  # unknown person
    ]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("households", rows), filename="h.csv")
    assert {(e.row, e.column) for e in report.errors} == {(2, "与户主关系"), (3, "证件号码")}
    # Moving a member to another household through the import.
    rows = [{"户编号": "H-2", "证件号码": persons[1]["证件号码"], "与户主关系": "配偶"},
            {"户编号": "H-2", "人员编号": "P-3", "与户主关系": "户主"}]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("households", rows), filename="h.csv")
    assert report.ok, [str(e) for e in report.errors]
    assert HouseholdMember.objects.get(person__name=persons[1]["姓名"]).household.external_id == "H-2"
    assert Household.objects.get(external_id="H-1").members.count() == 1


def test_dry_run_counts_but_writes_nothing(staff, tree):
    data, _persons = _workbook()
    report = import_registry(actor=staff["community_a"], data=data, filename="ledger.xlsx", dry_run=True)
    assert report.ok and report.created["persons"] == 4
    assert Person.objects.count() == Dwelling.objects.count() == Compound.objects.count() == 0


def test_import_needs_the_capability(staff, tree):
    with pytest.raises(PermissionDenied):
        import_registry(actor=staff["worker_a1"], data=b"", filename="x.csv")


def test_unreadable_files_are_reported(staff, tree):
    report = import_registry(actor=staff["community_a"], data=b"not a workbook", filename="x.xlsx")
    assert not report.ok and report.errors[0].row == 0
    report = import_registry(actor=staff["community_a"], data="a,b\n1,2\n".encode(), filename="x.csv")
    assert not report.ok


def test_gbk_csv_from_chinese_excel_is_read(staff, tree):
    text = csv_bytes("persons", [person_values(1, grid=GRID_A1)]).decode("utf-8-sig")
    report = import_registry(actor=staff["community_a"], data=text.encode("gb18030"), filename="gbk.csv")
    assert report.ok and Person.objects.count() == 1


def test_command_imports_and_reports(staff, tree, tmp_path):
    data, _persons = _workbook()
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(data)
    out = StringIO()
    call_command("import_registry", str(path), "--dry-run", "--as-user", "community_a", "--no-progress",
                 "--language", "en", stdout=out)
    assert "persons: 4 rows, 4 created" in out.getvalue() and Person.objects.count() == 0
    call_command("import_registry", str(path), "--as-user", "community_a", "--no-progress", "--language", "en",
                 stdout=StringIO())
    assert Person.objects.count() == 4

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("persons", [{**person_values(9, grid=GRID_A1), "证件号码": "110105194912310021"}]))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", str(bad), "--as-user", "community_a", "--no-progress", "--language", "en",
                     stderr=err)
    assert "row 2, column 证件号码" in err.getvalue()
    assert "110105194912310021" not in err.getvalue()


def test_a_bulk_registry_import_refreshes_the_statistics(staff, tree, monkeypatch):
    monkeypatch.setattr("gongzhi.registry.importing.BULK_ROWS", 3)  # three rows stand for a bulk import here
    data = csv_bytes("persons", [person_values(n, grid="110105001001001") for n in range(1, 4)])
    report = import_registry(actor=staff["community_a"], data=data, filename="persons.csv")
    assert report.ok, [str(e) for e in report.errors]
    assert planner_rows(Person._meta.db_table) == Person.objects.count() == 3


def test_a_small_import_leaves_the_statistics_alone(staff, tree):
    before = planner_rows(Person._meta.db_table)
    data = csv_bytes("persons", [person_values(1, grid="110105001001001")])
    assert import_registry(actor=staff["community_a"], data=data, filename="persons.csv").ok
    assert planner_rows(Person._meta.db_table) == before


def test_the_command_without_as_acts_as_its_system_actor_not_the_first_superuser(staff, tree, tmp_path,
                                                                                  make_user):
    make_user("root", role="admin", is_superuser=True, is_staff=True)
    data, _persons = _workbook()
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(data)
    call_command("import_registry", str(path), "--no-progress", stdout=StringIO())
    assert Person.objects.count() == 4
    events = AuditEvent.objects.filter(action__startswith="registry.")
    assert events.exists()
    assert set(events.values_list("actor_id", flat=True)) == {None}  # nobody who did not act is named
    assert all(label.startswith("system:import_registry (") for label in events.values_list("actor_label", flat=True))
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_registry", str(path), "--no-progress", "--as", "nobody", stdout=StringIO())


def test_600_problems_are_counted_as_600_and_the_first_500_listed(staff, tree, tmp_path):
    def wrong_check_digit(number):
        return number[:-1] + ("0" if number[-1] != "0" else "1")

    bad = [{**person_values(i, grid=GRID_A1)} for i in range(600)]
    for record in bad:
        record["证件号码"] = wrong_check_digit(record["证件号码"])
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("persons", bad))
    report = import_registry(actor=staff["community_a"], data=path.read_bytes(), filename="bad.csv")
    assert report.error_count == 600 and len(report.errors) == 500 and report.truncated
    assert report.errors[0].row == 2 and report.errors[-1].row == 501
    err = StringIO()
    with pytest.raises(CommandError, match="600 problems found"):
        call_command("import_registry", str(path), "--as", "community_a", "--no-progress", "--language", "en",
                     stderr=err)
    assert err.getvalue().count("column 证件号码") == 500
    assert Person.objects.count() == 0

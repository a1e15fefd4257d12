"""No ID number or phone number in clear text in the database file or the logs after an import."""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from gongzhi.registry import services
from gongzhi.registry.exporting import export_persons
from gongzhi.registry.models import Person

from .sheets import csv_bytes, person_values, xlsx_bytes

GRID_A1 = "110105001001001"


def _all_rows_as_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_file_holds_no_clear_personal_data(staff, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    dwellings = [{"房屋编号": f"D-{i}", "网格编码": GRID_A1, "小区": "永安里小区", "楼栋": str(i % 5 + 1),
                  "房号": f"{100 + i}"} for i in range(20)]
    people = [person_values(i, dwelling=f"D-{i % 20}", role="家庭成员") for i in range(200)]
    households = [{"户编号": f"H-{i}", "证件号码": people[i]["证件号码"], "与户主关系": "户主"} for i in range(20)]
    workbook = tmp_path / "ledger.xlsx"
    workbook.write_bytes(xlsx_bytes({"dwellings": dwellings, "persons": people, "households": households}))
    call_command("import_registry", str(workbook), "--as-user", "community_a", "--no-progress", stdout=StringIO())
    # A correction file with changed phone numbers, and the usual daily work on top.
    changed = [{**p, "联系电话": f"137{i:08d}"} for i, p in enumerate(people[:50])]
    csv_file = tmp_path / "fix.csv"
    csv_file.write_bytes(csv_bytes("persons", changed))
    call_command("import_registry", str(csv_file), "--as-user", "community_a", "--no-progress", stdout=StringIO())
    person = Person.objects.order_by("pk").first()
    services.update_person(actor=staff["community_a"], person=person, phone="13600000000")
    services.reveal_personal_field(actor=staff["community_a"], person=person, field="id_number", reason="核对")
    export_persons(actor=staff["community_a"])
    assert Person.objects.count() == 200

    secrets = {p["证件号码"] for p in people} | {p["联系电话"] for p in people} | {
        p["联系电话"] for p in changed} | {"13600000000"}
    rows = _all_rows_as_text()
    assert not [s for s in secrets if s in rows]
    assert not [s for s in secrets if s in caplog.text]

    if connection.vendor == "sqlite":
        # The database as a file, byte for byte (also when the test database lives in memory).
        copy = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        content = copy.read_bytes()
        assert len(content) > 100_000
        assert not [s for s in secrets if s.encode() in content]
        assert "永安里小区".encode() in content  # the grep does see clear text that is stored in clear

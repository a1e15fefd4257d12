"""The assessment API: a KPI set, a month's scores with formulas, freezing, the snapshot's difference, appeals."""

import pytest
from django.test import Client

from gongzhi.assessment.models import KpiSet

from .test_kpis import SEPTEMBER, september  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_month_through_the_api(world, september):  # noqa: F811
    u = world.users
    admin, leader, cg = client_of(u.admin), client_of(u.leader), client_of(u.cg_clerk)
    bad = admin.post("/api/v1/assessment/kpi-sets", {
        "name": "x", "unit_kind": "department", "region": world.tree["district"].code, "valid_from": "2025/9",
        "kpis": [{"measure": "nothing", "weight": 1}]}, content_type="application/json")
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"valid_from", "kpis"}
    assert not KpiSet.objects.exists()
    created = admin.post("/api/v1/assessment/kpi-sets", {
        "name": "区职能部门考核", "unit_kind": "department", "region": world.tree["district"].code,
        "valid_from": "2025-01", "kpis": [{"measure": "response_rate", "weight": 1}]},
        content_type="application/json")
    assert created.status_code == 201, created.content
    set_id = created.json()["id"]
    scores = admin.get(f"/api/v1/assessment/kpi-sets/{set_id}/scores", {"month": SEPTEMBER}).json()
    assert scores["columns"][0]["formula"] and not scores["frozen"]
    cg_row = next(r for r in scores["rows"] if r["unit"] == "U-CG")
    assert cg_row["values"][0]["numerator"] == 1 and cg_row["values"][0]["denominator"] == 2
    assert cg_row["score"] == pytest.approx(50.0)
    # 城管 sees its own row only.
    own = cg.get(f"/api/v1/assessment/kpi-sets/{set_id}/scores", {"month": SEPTEMBER}).json()
    assert [r["unit"] for r in own["rows"]] == ["U-CG"]

    assert admin.post(f"/api/v1/assessment/kpi-sets/{set_id}/snapshots", {"month": SEPTEMBER},
                      content_type="application/json").status_code == 201
    appeal = cg.post("/api/v1/assessment/appeals", {"case_id": september["b"].pk, "month": SEPTEMBER,
                                                    "reason": "签收延误非本单位原因"}, content_type="application/json")
    assert appeal.status_code == 201, appeal.content
    decided = leader.post(f"/api/v1/assessment/appeals/{appeal.json()['id']}/decision",
                          {"uphold": True, "reason": "属实"}, content_type="application/json")
    assert decided.status_code == 200 and decided.json()["state"] == "upheld"
    frozen = admin.get(f"/api/v1/assessment/kpi-sets/{set_id}/snapshot", {"month": SEPTEMBER}).json()
    assert {(d["unit"], d["measure"]) for d in frozen["difference"]} == {("U-CG", "response_rate"), ("U-CG", "")}
    total = next(r for r in frozen["rows"] if r["unit"] == "U-CG" and r["measure"] == "")
    assert total["value"] == pytest.approx(50.0)
    listed = cg.get("/api/v1/assessment/appeals").json()
    assert listed["count"] == 1 and listed["items"][0]["state"] == "upheld"


def test_the_page_shows_scores_with_their_formulas_and_the_assessor_freezes_and_decides(world, september):  # noqa: F811
    u = world.users
    client_of(u.admin).post("/api/v1/assessment/kpi-sets", {
        "name": "区职能部门考核", "unit_kind": "department", "region": world.tree["district"].code,
        "valid_from": "2025-01", "kpis": [{"measure": "response_rate", "weight": 1}]},
        content_type="application/json")
    admin = client_of(u.admin)
    page = admin.get("/console/assessment/", {"month": SEPTEMBER})
    text = page.content.decode()
    assert page.status_code == 200 and "1 ÷ 2 = 50%" in text and "dispatches acknowledged by their response" in text
    assert "Freeze this month" in text
    admin.post("/console/assessment/?month=2025-09", {"action": "freeze"})
    text = admin.get("/console/assessment/", {"month": SEPTEMBER}).content.decode()
    assert "the same as the snapshot" in text
    assert client_of(u.grid_a1).get("/console/assessment/").status_code == 403
    assert client_of(u.resident).get("/console/assessment/").status_code == 403

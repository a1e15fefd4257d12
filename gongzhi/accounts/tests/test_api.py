"""/api/v1/accounts/: me and the units of the caller's area."""

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role


def test_me_of_a_user(client, grid_worker, tree):
    client.force_login(grid_worker)
    assert client.get("/api/v1/accounts/me").json() == {
        "kind": "user", "name": "gw_a1", "role": "grid_worker", "region_code": tree["grid_a1"].code,
        "unit_code": None}


def test_units_need_a_caller(client, units):
    assert client.get("/api/v1/accounts/units").status_code == 401


def test_units_of_an_area_admin_are_paginated_and_filtered(client, comm_admin, tree, units):
    for n in range(3):
        Unit.objects.create(code=f"U-A2-{n}", name=f"第二网格站 {n}", kind=UnitKind.OTHER, region=tree["grid_a2"])
    client.force_login(comm_admin)
    page = client.get("/api/v1/accounts/units", {"page_size": 2}).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    codes = [u["code"] for u in client.get("/api/v1/accounts/units", {"page": 3, "page_size": 2}).json()["items"]]
    assert codes == ["U-CA"]
    first = client.get("/api/v1/accounts/units", {"kind": "community_committee"}).json()["items"]
    assert first == [{"code": "U-CA", "name": "unit U-CA", "kind": "community_committee",
                      "kind_label": first[0]["kind_label"], "region_code": tree["comm_a"].code,
                      "supervisor_code": None, "is_active": True}]
    assert [u["code"] for u in client.get("/api/v1/accounts/units", {"q": "第二网格"}).json()["items"]] == [
        "U-A2-0", "U-A2-1", "U-A2-2"]


def test_residents_see_no_units(client, make_user, units):
    client.force_login(make_user("resident", role=Role.RESIDENT))
    assert client.get("/api/v1/accounts/units").json() == {"items": [], "count": 0}


def test_global_admin_sees_every_unit(client, global_admin, units):
    client.force_login(global_admin)
    assert client.get("/api/v1/accounts/units").json()["count"] == len(units)

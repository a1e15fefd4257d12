import json

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.regions.models import Region

from .shapes import bowtie, square


@pytest.fixture
def admin_client(client, make_staff):
    client.force_login(make_staff("site-admin", Role.ADMIN, is_staff=True))
    return client


def grid_form(**overrides):
    data = {"code": "110105001001003", "name": "第三网格", "parent": "", "community_type": "",
            "boundary": json.dumps(square(116.46, 39.90))}
    data.update(overrides)
    return data


def test_add_grid_through_admin_is_validated_and_audited(admin_client, tree):
    response = admin_client.post("/admin/regions/grid/add/", grid_form(parent=tree["comm_a"].pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    grid = Region.objects.get(code="110105001001003")
    assert grid.level == "grid"
    assert AuditEvent.objects.filter(action="regions.region.create", object_id=str(grid.pk)).exists()


def test_overlapping_boundary_is_refused_by_the_admin_form(admin_client, tree):
    response = admin_client.post("/admin/regions/grid/add/", grid_form(
        parent=tree["comm_a"].pk, boundary=json.dumps(square(116.455, 39.90))), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Grid 110105001001003 overlaps grid 110105001001002" in text
    assert not Region.objects.filter(code="110105001001003").exists()


def test_self_intersecting_boundary_is_refused_on_change(admin_client, tree):
    grid = tree["grid_a1"]
    response = admin_client.post(f"/admin/regions/region/{grid.pk}/change/", {
        "name": grid.name, "community_type": "", "boundary": json.dumps(bowtie(116.44, 39.90))},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The boundary of 110105001001001 intersects itself" in response.content.decode()
    grid.refresh_from_db()
    assert grid.boundary == square(116.44, 39.90)


def test_grid_worker_may_view_but_not_change(client, make_staff, tree):
    worker = make_staff("w-a1", Role.GRID_WORKER, region=tree["grid_a1"], is_staff=True)
    client.force_login(worker)
    assert client.get(f"/admin/regions/grid/{tree['grid_a1'].pk}/change/").status_code == 200
    assert client.get(f"/admin/regions/grid/{tree['grid_b1'].pk}/change/").status_code in (302, 403, 404)
    response = client.post(f"/admin/regions/grid/{tree['grid_a1'].pk}/change/", {
        "name": "renamed", "community_type": "", "boundary": json.dumps(square(116.44, 39.90))})
    assert response.status_code == 403
    tree["grid_a1"].refresh_from_db()
    assert tree["grid_a1"].name != "renamed"

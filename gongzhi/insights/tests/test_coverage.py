"""15-minute service coverage on a hand-computed example, service points added and closed in scope,
and the coverage page with its map data.

The example (grid A1): building 1 stands 0.005° of latitude south of a service station, compound 2
0.015° south of it. With R = 6,371,008.8 m, 0.001° of latitude is 111.195 m, so the straight lines
are 555.98 m and 1,667.93 m; × 1.3 and at 80 m a minute: 9.03 and 27.10 minutes. Building 1 has two
households (within 15 minutes), compound 2 one (beyond), and one household has no place: the
station covers 2 of 3 placed households; no clinic exists, so nobody is covered for clinics.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.insights import coverage
from gongzhi.insights.models import ServicePoint
from gongzhi.registry.models import Building, Compound, Dwelling, Household

LON, LAT = 116.445, 39.905


@pytest.fixture
def example(world):
    grid = world.tree["grid_a1"]
    near = Compound.objects.create(name="永安里小区", grid=grid)
    building = Building.objects.create(compound=near, number="1", grid=grid, longitude=LON, latitude=LAT - 0.005)
    far = Compound.objects.create(name="金台里", grid=grid, longitude=LON, latitude=LAT - 0.015)
    for _ in range(2):
        Household.objects.create(grid=grid, dwelling=Dwelling.objects.create(grid=grid, compound=near,
                                                                             building=building))
    Household.objects.create(grid=grid, dwelling=Dwelling.objects.create(grid=grid, compound=far))
    Household.objects.create(grid=grid)  # no dwelling: not placed
    station = coverage.add_point(actor=world.users.comm_a_staff, kind="station", name="永安里社区服务站", grid=grid,
                                 longitude=LON, latitude=LAT)
    return building, far, station


def test_the_hand_computed_example(world, example):
    building, far, _station = example
    found = coverage.coverage(world.users.leader)
    minutes = {place.key: place.minutes for place in found.places}
    assert minutes[f"building:{building.pk}"]["station"] == 9.0
    assert minutes[f"compound:{far.pk}"]["station"] == 27.1
    assert minutes[f"compound:{far.pk}"]["clinic"] is None
    (grid,) = found.grids
    assert grid.code == world.tree["grid_a1"].code and grid.households == 3 and grid.unplaced == 1
    assert grid.within == {"station": 2} and grid.share("station") == pytest.approx(2 / 3)
    assert grid.share("clinic") == 0
    station_gaps = found.gaps("station")
    assert [(place.key, kind, m) for place, kind, m in station_gaps] == [(f"compound:{far.pk}", "station", 27.1)]
    # Every kind: the two places lack the four other kinds, the far one the station too.
    assert len(found.gaps()) == 2 * 4 + 1


def test_a_walk_limit_of_30_minutes_covers_the_far_compound(world, example, settings):
    settings.INSIGHTS_COVERAGE_MINUTES = 30
    (grid,) = coverage.coverage(world.users.leader).grids
    assert grid.within == {"station": 3}


def test_coverage_keeps_to_the_area(world, example):
    assert coverage.coverage(world.users.grid_b1).grids == []


def test_service_points_are_added_and_closed_in_scope_with_reasons(world, example):
    _b, _f, station = example
    assert AuditEvent.objects.filter(action="insights.service_point.add").count() == 1
    with pytest.raises(PermissionDenied):
        coverage.add_point(actor=world.users.leader, kind="clinic", name="x", grid=world.tree["grid_a1"],
                           longitude=LON, latitude=LAT)
    with pytest.raises(PermissionDenied):
        coverage.add_point(actor=world.users.comm_a_staff, kind="clinic", name="x", grid=world.tree["grid_b1"],
                           longitude=LON, latitude=LAT)
    with pytest.raises(ValidationError, match="longitude and latitude"):
        coverage.add_point(actor=world.users.comm_a_staff, kind="clinic", name="x", grid=world.tree["grid_a1"],
                           longitude="east", latitude=LAT)
    with pytest.raises(ValidationError, match="kind"):
        coverage.add_point(actor=world.users.comm_a_staff, kind="zoo", name="x", grid=world.tree["grid_a1"],
                           longitude=LON, latitude=LAT)
    assert ServicePoint.objects.count() == 1
    with pytest.raises(PermissionDenied):
        coverage.close_point(actor=world.users.grid_b1, point=station)
    coverage.close_point(actor=world.users.comm_a_staff, point=station, reason="搬迁")
    with pytest.raises(ValidationError, match="already closed"):
        coverage.close_point(actor=world.users.comm_a_staff, point=station)
    (grid,) = coverage.coverage(world.users.leader).grids
    assert grid.within == {}


def test_the_coverage_page_shows_shares_gaps_and_the_map_data(client, world, example):
    building, far, _station = example
    client.force_login(world.users.comm_a_staff)
    client.cookies["django_language"] = "en"
    html = client.get("/console/insights/coverage/", {"kind": "station"}).content.decode()
    row = html.split(f'data-grid="{world.tree["grid_a1"].code}"')[1].split("</tr>")[0]
    assert '<td class="num overdue" data-kind="station">67%</td>' in row
    assert f'data-gap="compound:{far.pk}:station"' in html and f'data-gap="building:{building.pk}' not in html
    assert '"style": "gap"' in html and "27.1 minutes away" in html and "永安里社区服务站" in html
    assert "no road graph is loaded" in html
    response = client.post("/console/insights/coverage/", {"kind": "clinic", "name": "永安里卫生服务站",
                                                           "grid": world.tree["grid_a1"].code,
                                                           "longitude": str(LON), "latitude": str(LAT - 0.004)})
    assert response.status_code == 302 and ServicePoint.objects.filter(kind="clinic").count() == 1
    (grid,) = coverage.coverage(world.users.leader).grids
    assert grid.within["clinic"] == 2  # building 1 is 0.001° away; compound 2 is 0.011° (≈ 19.9 minutes)
    client.force_login(world.users.leader)
    html = client.get("/console/insights/coverage/").content.decode()
    assert 'id="add-point"' not in html  # leaders look; the community keeps the points


def test_the_api_gives_the_coverage_by_grid(client, world, example):
    client.force_login(world.users.leader)
    body = client.get("/api/v1/insights/coverage").json()
    (grid,) = body["grids"]
    assert body["minutes_limit"] == 15 and grid["households"] == 3 and grid["unplaced"] == 1
    assert grid["within"] == {"station": 2} and round(grid["shares"]["station"], 3) == 0.667
    assert grid["shares"]["clinic"] == 0
    client.force_login(world.users.grid_b1)
    assert client.get("/api/v1/insights/coverage").json()["grids"] == []

"""An API key sees at most what a staff member of its unit with the same capabilities sees (#11 item 3).

Reading cases needs ``cases.view`` among the key's capabilities; with it, a
district department's key sees the cases dispatched or summoned to the
department, as the department's staff do, not every case of the district.
"""

import pytest

from gongzhi.accounts.services import create_api_key
from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState

from .conftest import MONDAY, POINT_A2, POINT_B1

CASES = "/api/v1/cases/"


def ids_seen(client, **auth):
    response = client.get(CASES, {"page_size": 100}, **auth)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def key_for(world, unit, *capabilities):
    return create_api_key(actor=world.users.admin, name=f"bridge {unit.code}", unit=unit,
                          capabilities=list(capabilities))[1]


@pytest.fixture
def spread(world, case_in, new_case):
    """Cases all over the district: one dispatched to 城管, one to 水务, three not dispatched."""
    to_chengguan = case_in(CaseState.IN_PROGRESS)
    to_water = services.dispatch_case(case=new_case(point=POINT_A2), actor=world.users.dispatcher,
                                      unit=world.units.water, at=MONDAY)
    waiting = [new_case(), new_case(point=POINT_A2), new_case(point=POINT_B1)]
    return to_chengguan, to_water, waiting


@pytest.mark.django_db
def test_a_district_departments_key_without_capability_reads_no_case(client, world, spread):
    to_chengguan, *_ = spread
    raw = key_for(world, world.units.chengguan)
    assert ids_seen(client, HTTP_X_API_KEY=raw) == set()
    assert client.get(f"{CASES}{to_chengguan.pk}", HTTP_X_API_KEY=raw).status_code == 404
    # Capabilities for other things do not open the cases either.
    raw_regions = key_for(world, world.units.chengguan, "regions.view")
    assert ids_seen(client, HTTP_X_API_KEY=raw_regions) == set()


@pytest.mark.django_db
def test_with_cases_view_a_departments_key_sees_what_its_staff_see_not_the_district(client, world, spread):
    to_chengguan, to_water, waiting = spread
    raw = key_for(world, world.units.chengguan, "cases.view")
    client.force_login(world.users.cg_clerk)
    staff_sees = ids_seen(client)
    client.logout()
    assert staff_sees == {to_chengguan.pk}
    assert ids_seen(client, HTTP_X_API_KEY=raw) == staff_sees
    assert Case.objects.filter(region_code__startswith=world.tree["district"].prefix).count() == 5
    response = client.get(f"{CASES}{to_chengguan.pk}", HTTP_X_API_KEY=raw)
    assert response.status_code == 200 and response.json()["id"] == to_chengguan.pk
    assert client.get(f"{CASES}{to_water.pk}", HTTP_X_API_KEY=raw).status_code == 404
    assert client.get(f"{CASES}{waiting[0].pk}", HTTP_X_API_KEY=raw).status_code == 404


@pytest.mark.django_db
def test_a_community_committees_key_sees_what_its_staff_see(client, world, spread):
    raw = key_for(world, world.units.comm_a, "cases.view")
    client.force_login(world.users.comm_a_staff)
    staff_sees = ids_seen(client)
    client.logout()
    assert staff_sees and ids_seen(client, HTTP_X_API_KEY=raw) == staff_sees
    assert ids_seen(client, HTTP_X_API_KEY=key_for(world, world.units.comm_a)) == set()


@pytest.mark.django_db
def test_staff_keep_seeing_their_cases_and_residents_their_own(client, world, spread):
    to_chengguan, to_water, waiting = spread
    client.force_login(world.users.dispatcher)
    assert ids_seen(client) == {to_chengguan.pk, to_water.pk, *(c.pk for c in waiting)}
    client.force_login(world.users.resident)  # reported all five, holds no cases.view
    assert ids_seen(client) == {to_chengguan.pk, to_water.pk, *(c.pk for c in waiting)}
    client.force_login(world.users.neighbour)
    assert ids_seen(client) == set()

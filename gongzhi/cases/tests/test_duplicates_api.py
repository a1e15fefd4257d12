"""Duplicates at intake in the API: already reported before filing, 附议, similar cases for staff."""

import json

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import CaseSupporter

from .conftest import POINT_A1, POINT_B1, reload
from .test_duplicates import (
    LAMP_AGAIN_TEXT,
    LAMP_AGAIN_TITLE,
    LAMP_TEXT,
    LAMP_TITLE,
    NEAR_A1,
    _make,
    lamp,  # noqa: F401 - fixture
    lamp_category,  # noqa: F401 - fixture
)

URL = "/api/v1/cases/"


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def as_user(client):
    def login(user, language="en"):
        client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return login


@pytest.mark.django_db
def test_before_filing_a_resident_sees_already_reported_and_adds_their_voice(world, lamp, as_user):
    client = as_user(world.users.neighbour)
    response = post(client, f"{URL}similar", {"title": LAMP_AGAIN_TITLE, "description": LAMP_AGAIN_TEXT,
                                              "lon": NEAR_A1[0], "lat": NEAR_A1[1]})
    assert response.status_code == 200, response.content
    found = response.json()
    assert [r["id"] for r in found] == [lamp.pk]
    assert set(found[0]) == {"id", "number", "title", "category", "place", "state", "state_label", "received_on", "supporters",
                             "similarity", "distance_m"}  # no description, no reporter
    assert found[0]["place"] == "永安里第一网格"
    supported = post(client, f"{URL}{lamp.pk}/support")
    assert supported.status_code == 201 and supported.json() == {"case": lamp.pk, "supporters": 1}
    again = post(client, f"{URL}{lamp.pk}/support")
    assert again.status_code == 422 and "already added your voice" in again.json()["errors"]["case"][0]
    assert reload(lamp).supporter_count == 1 and CaseSupporter.objects.count() == 1
    # The reporter does not see their own case as "already reported".
    own = post(as_user(world.users.resident), f"{URL}similar", {"title": LAMP_AGAIN_TITLE,
                                                                "description": LAMP_AGAIN_TEXT,
                                                                "lon": NEAR_A1[0], "lat": NEAR_A1[1]})
    assert own.json() == []


@pytest.mark.django_db
def test_support_refused_in_chinese_and_for_unknown_cases(world, lamp, as_user):
    client = as_user(world.users.neighbour, "zh-hans")
    assert post(client, f"{URL}{lamp.pk}/support").status_code == 201
    again = post(client, f"{URL}{lamp.pk}/support")
    assert again.status_code == 422 and "附议" in again.json()["errors"]["case"][0]
    assert post(client, f"{URL}999999/support").status_code == 422


@pytest.mark.django_db
def test_far_away_and_unrelated_are_not_already_reported(world, lamp, lamp_category, as_user):
    client = as_user(world.users.neighbour)
    far = post(client, f"{URL}similar", {"title": LAMP_AGAIN_TITLE, "description": LAMP_AGAIN_TEXT,
                                         "lon": POINT_B1[0], "lat": POINT_B1[1]})
    assert far.status_code == 200 and far.json() == []
    unrelated = post(client, f"{URL}similar", {"title": "油烟扰民", "description": "楼下饭店排放油烟。",
                                               "lon": POINT_A1[0], "lat": POINT_A1[1]})
    assert unrelated.json() == []
    bad = post(client, f"{URL}similar", {"description": "路灯坏了", "lon": 10.0, "lat": 10.0})
    assert bad.status_code == 422 and "lon" in bad.json()["errors"]
    missing = post(client, f"{URL}similar", {"title": "路灯"})
    assert missing.status_code == 422


@pytest.mark.django_db
def test_staff_get_similar_cases_of_their_area_and_merge(world, lamp, lamp_category, as_user):
    again = _make(world, NEAR_A1, LAMP_AGAIN_TITLE, LAMP_AGAIN_TEXT, lamp_category)
    client = as_user(world.users.dispatcher)
    response = client.get(f"{URL}{again.pk}/similar")
    assert response.status_code == 200
    similar = response.json()
    assert [s["id"] for s in similar] == [lamp.pk] and similar[0]["similarity"] >= 45
    assert similar[0]["grid"] == world.tree["grid_a1"].code
    merged = post(client, f"{URL}{again.pk}/merge", {"parent": similar[0]["id"], "version": again.version})
    assert merged.status_code == 200 and merged.json()["state"] == "merged"
    assert as_user(world.users.grid_b1).get(f"{URL}{again.pk}/similar").status_code == 404
    far = _make(world, POINT_B1, LAMP_TITLE, LAMP_TEXT, lamp_category)
    assert as_user(world.users.dispatcher).get(f"{URL}{far.pk}/similar").json() == []


@pytest.mark.django_db
def test_intake_on_every_channel_is_found(world, lamp_category, as_user):
    """A case entered by the API, the hotline and Open311 is a candidate like one from the web form."""
    from gongzhi.cases.services.hotline import register_hotline_case

    hotline = register_hotline_case(actor=world.users.dispatcher, hotline_id="GD-1", category=lamp_category,
                                    title=LAMP_TITLE, description=LAMP_TEXT, lon=POINT_A1[0], lat=POINT_A1[1])
    created = post(as_user(world.users.resident), URL, {
        "category": lamp_category.code, "title": LAMP_AGAIN_TITLE, "description": LAMP_AGAIN_TEXT,
        "lon": NEAR_A1[0], "lat": NEAR_A1[1], "channel": "api"})
    assert created.status_code == 201
    similar = as_user(world.users.dispatcher).get(f"{URL}{created.json()['id']}/similar").json()
    assert [s["id"] for s in similar] == [hotline.pk]
    services.support_case(case=hotline, actor=world.users.neighbour)
    assert as_user(world.users.dispatcher).get(f"{URL}{created.json()['id']}/similar").json()[0]["supporters"] == 1


@pytest.mark.django_db
def test_an_open311_request_is_found_as_similar(world, lamp, lamp_category, as_user, client):
    from gongzhi.accounts.services import create_api_key
    from gongzhi.cases.models import Case

    _key, raw = create_api_key(actor=world.users.admin, name="随手拍 app", unit=world.units.street,
                               capabilities=["cases.intake"])
    response = client.post("/open311/v2/requests.json", data={
        "api_key": raw, "service_code": lamp_category.code, "lat": NEAR_A1[1], "long": NEAR_A1[0],
        "description": LAMP_AGAIN_TITLE + "，" + LAMP_AGAIN_TEXT, "phone": "13812345678"})
    assert response.status_code in (200, 201), response.content
    submitted = Case.objects.get(channel="open311")
    similar = as_user(world.users.dispatcher).get(f"{URL}{submitted.pk}/similar").json()
    assert [s["id"] for s in similar] == [lamp.pk]

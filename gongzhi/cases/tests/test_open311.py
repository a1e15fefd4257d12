"""Open311 GeoReport v2: JSON and XML shapes, filters, POST through the intake service, every error code."""

import json
import re
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from gongzhi.accounts.services import create_api_key
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseContact, CaseEvent, Channel, Open311Submission
from gongzhi.cases.services.reveal import reveal_contact

from .conftest import MONDAY, POINT_A1, POINT_B1

BASE = "/open311/v2/"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
SEPTEMBER = {"start_date": "2025-09-01T00:00:00+08:00", "end_date": "2025-09-30T00:00:00+08:00"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
                  "work_order_number"}  # the extension: the number the resident quotes on the phone


def xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def error_codes(response, fmt="json"):
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    body = response.json()
    assert isinstance(body, list) and body
    return [(e["code"], e["description"]) for e in body]


@pytest.fixture
def key(world):
    """An Open311 client's key, acting for the street office, allowed to take in cases."""
    _key, raw = create_api_key(actor=world.users.admin, name="随手拍 app", unit=world.units.street,
                               capabilities=["cases.intake"])
    return raw


def post(client, fmt="json", **fields):
    return client.post(f"{BASE}requests.{fmt}", data=fields)


def good(key, **extra):
    fields = {"api_key": key, "service_code": "0201", "lat": POINT_A1[1], "long": POINT_A1[0],
              "description": "小区东侧工地每晚十点以后仍在施工，噪声很大。", "address_string": "永安里小区东侧",
              "first_name": "秀英", "last_name": "王", "phone": "13812345678"}
    fields.update(extra)
    return fields


# --- services ---------------------------------------------------------------------

@pytest.mark.django_db
def test_services_are_the_leaf_categories_in_json_and_xml(client):
    response = client.get(f"{BASE}services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    rows = response.json()
    by_code = {row["service_code"]: row for row in rows}
    assert "0201" in by_code and "02" not in by_code  # leaves only
    assert by_code["0201"] == {"service_code": "0201", "service_name": "噪声扰民", "description": "环境保护 / 噪声扰民",
                               "metadata": True, "type": "realtime", "keywords": "", "group": "环境保护"}

    root = xml(client.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    services_xml = root.findall("service")
    assert [s.findtext("service_code") for s in services_xml] == [row["service_code"] for row in rows]
    noise = next(s for s in services_xml if s.findtext("service_code") == "0201")
    assert noise.findtext("group") == "环境保护"
    assert noise.findtext("metadata") == "true"


@pytest.mark.django_db
def test_a_service_definition_names_its_attribute(client):
    body = client.get(f"{BASE}services/0201.json").json()
    assert body["service_code"] == "0201"
    [attribute] = body["attributes"]
    assert attribute["code"] == "crs" and attribute["datatype"] == "singlevaluelist"
    assert attribute["required"] is False
    assert [v["key"] for v in attribute["values"]] == ["wgs84", "cgcs2000", "gcj02", "bd09"]

    root = xml(client.get(f"{BASE}services/0201.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "0201"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute/values/value")]
    assert keys == ["wgs84", "cgcs2000", "gcj02", "bd09"]
    assert root.findtext("attributes/attribute/variable") == "true"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["9999", "02", "%00", "x" * 300])
def test_an_unknown_service_is_404_in_the_spec_error_format(client, fmt, code):
    response = client.get(f"{BASE}services/{code}.{fmt}")
    assert response.status_code == 404
    assert [c for c, _ in error_codes(response, fmt)] == [404]


# --- POST ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_posting_a_request_goes_through_intake_and_keeps_the_phone_encrypted(client, world, key):
    response = post(client, **good(key, media_url="https://img.example.cn/a.jpg"))
    assert response.status_code == 201, response.content
    [row] = response.json()
    case = Case.objects.get(pk=int(row["service_request_id"]))
    assert row["token"] == case.open311.token
    assert case.channel == Channel.OPEN311
    assert case.grid == world.tree["grid_a1"]
    assert case.reporter is None and case.category.code == "0201"
    assert case.title.startswith("小区东侧工地")
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["intake"]
    contact = CaseContact.objects.get(case=case)
    assert (contact.name, contact.phone) == ("王 秀英", "13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM cases_casecontact WHERE id = %s", [contact.pk])
        assert "13812345678" not in cursor.fetchone()[0]
    assert case.open311.media_url == "https://img.example.cn/a.jpg"

    # The token finds the request again, in both formats.
    token = row["token"]
    assert client.get(f"{BASE}tokens/{token}.json").json() == [{"service_request_id": str(case.pk), "token": token}]
    root = xml(client.get(f"{BASE}tokens/{token}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == str(case.pk)


@pytest.mark.django_db
def test_posting_in_xml_and_with_only_an_address(client, world, key):
    response = post(client, "xml", **good(key, lat="", long="", jurisdiction_id="gongzhi.local"))
    assert response.status_code == 201
    root = xml(response)
    case = Case.objects.get(pk=int(root.findtext("request/service_request_id")))
    assert root.findtext("request/token") == case.open311.token
    # Without a point the case lies in the key's area, with the address kept for the dispatcher.
    assert case.region_code == world.tree["street"].code and case.grid is None
    assert case.address == "永安里小区东侧"


@pytest.mark.django_db
def test_a_gcj02_point_is_converted(client, world, key):
    from gongzhi.core.geo import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(*POINT_A1)
    response = post(client, **good(key, lat=lat, long=lon, **{"attribute[crs]": "gcj02"}))
    assert response.status_code == 201
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert case.crs == "gcj02" and case.grid == world.tree["grid_a1"]


BAD_POSTS = [
    ({"api_key": ""}, 403),
    ({"api_key": "gz_not-a-real-key"}, 403),
    ({"jurisdiction_id": "elsewhere.example"}, 404),
    ({"service_code": ""}, 400),
    ({"service_code": "9999"}, 400),
    ({"service_code": "02"}, 400),  # a group, not a service
    ({"lat": "", "long": "", "address_string": ""}, 400),
    ({"long": ""}, 400),
    ({"lat": "north"}, 400),
    ({"lat": "nan"}, 400),
    ({"lat": "95"}, 400),
    ({"lat": POINT_B1[1], "long": 100.0}, 400),  # in no grid, and outside the key's area
    ({"description": ""}, 400),
    ({"description": "噪声\x00"}, 400),
    ({"description": "长" * 4001}, 400),
    ({"address_string": "地" * 201}, 400),
    ({"phone": "12345"}, 400),
    ({"phone": "138-1234-567a"}, 400),
    ({"first_name": "名" * 60}, 400),
    ({"media_url": "javascript:alert(1)"}, 400),
    ({"attribute[crs]": "mars"}, 400),
    ({"address_id": "A-1", "lat": "", "long": "", "address_string": ""}, 400),
]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "status"), BAD_POSTS)
def test_bad_posts_get_the_spec_error_and_change_nothing(client, key, fmt, change, status):
    before = (Case.objects.count(), CaseContact.objects.count(), Open311Submission.objects.count())
    response = post(client, fmt, **good(key, **change))
    assert response.status_code == status, response.content
    codes = error_codes(response, fmt)
    assert {c for c, _ in codes} == {status}
    assert all(description for _, description in codes)
    assert (Case.objects.count(), CaseContact.objects.count(), Open311Submission.objects.count()) == before


@pytest.mark.django_db
def test_a_key_without_intake_or_outside_its_area_is_refused(client, world):
    _k, raw_without = create_api_key(actor=world.users.admin, name="只读", unit=world.units.street)
    response = post(client, **good(raw_without))
    assert response.status_code == 403
    _k, raw_comm_a = create_api_key(actor=world.users.admin, name="永安里", unit=world.units.comm_a,
                                    capabilities=["cases.intake"])
    response = post(client, **good(raw_comm_a, lat=POINT_B1[1], long=POINT_B1[0]))
    assert response.status_code == 400
    assert "lat" in response.json()[0]["description"]
    assert Case.objects.count() == 0


# --- GET requests ---------------------------------------------------------------

@pytest.fixture
def two_cases(world, case_in):
    closed = case_in("closed")
    received = services.create_case(
        actor=world.users.resident, channel="web", category="0204", title="垃圾桶满溢",
        description="请联系我 13900001111，身份证 110105194912310021。", lon=POINT_B1[0], lat=POINT_B1[1], at=MONDAY)
    return closed, received


@pytest.mark.django_db
def test_requests_in_json_show_public_fields_only(client, world, two_cases):
    closed, received = two_cases
    response = client.get(f"{BASE}requests.json", SEPTEMBER)
    assert response.status_code == 200
    rows = response.json()
    assert [r["service_request_id"] for r in rows] == [str(received.pk), str(closed.pk)]
    for row in rows:
        assert set(row) == REQUEST_FIELDS
        assert W3C.match(row["requested_datetime"]) and W3C.match(row["updated_datetime"])
    by_id = {r["service_request_id"]: r for r in rows}
    done = by_id[str(closed.pk)]
    assert done["status"] == "closed" and done["agency_responsible"] == "朝阳区城管执法局"
    assert done["status_notes"].endswith("已责令工地夜间停工。")
    assert W3C.match(done["expected_datetime"])
    assert (done["lat"], done["long"]) == (pytest.approx(closed.lat), pytest.approx(closed.lon))
    fresh = by_id[str(received.pk)]
    assert fresh["status"] == "open" and fresh["expected_datetime"] is None and fresh["agency_responsible"] == ""
    # Never the reporter; numbers in free text masked.
    text = response.content.decode()
    for secret in ("resident", "13900001111", "110105194912310021"):
        assert secret not in text
    assert "139****1111" in fresh["description"]


@pytest.mark.django_db
def test_requests_in_xml_have_the_same_content(client, two_cases):
    rows = client.get(f"{BASE}requests.json", SEPTEMBER).json()
    root = xml(client.get(f"{BASE}requests.xml", SEPTEMBER))
    assert root.tag == "service_requests"
    items = root.findall("request")
    assert [i.findtext("service_request_id") for i in items] == [r["service_request_id"] for r in rows]
    for item, row in zip(items, rows, strict=True):
        assert {child.tag for child in item} == REQUEST_FIELDS
        assert item.findtext("status") == row["status"]
        assert item.findtext("expected_datetime") == (row["expected_datetime"] or "")
        assert float(item.findtext("lat")) == pytest.approx(row["lat"])


@pytest.mark.django_db
def test_request_filters(client, two_cases):
    closed, received = two_cases

    def ids(**params):
        response = client.get(f"{BASE}requests.json", params)
        assert response.status_code == 200, response.content
        return [int(r["service_request_id"]) for r in response.json()]

    assert ids(**SEPTEMBER, status="open") == [received.pk]
    assert ids(**SEPTEMBER, status="closed") == [closed.pk]
    assert ids(**SEPTEMBER, status="open,closed") == [received.pk, closed.pk]
    assert ids(**SEPTEMBER, service_code="0201") == [closed.pk]
    assert ids(**SEPTEMBER, service_code="0201,0204") == [received.pk, closed.pk]
    assert ids(start_date="2025-09-16T00:00:00+08:00", end_date="2025-10-01T00:00:00+08:00") == []
    assert ids(start_date="2025-09-15", end_date="2025-09-16") == [received.pk, closed.pk]  # local dates
    assert ids() == []  # by default the last 90 days, and these are older
    # An id list overrides every other filter.
    assert ids(service_request_id=f"{closed.pk},{received.pk}", status="open") == [received.pk, closed.pk]
    # A "+" in an offset that arrived unencoded (decoded as a space) is still understood.
    response = client.get(f"{BASE}requests.json?start_date=2025-09-01T00:00:00+08:00&end_date=2025-09-30T00:00:00"
                          "+08:00")
    assert [int(r["service_request_id"]) for r in response.json()] == [received.pk, closed.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"},
    {"end_date": "2025-13-01"},
    {"start_date": "2025-09-30", "end_date": "2025-09-01"},
    {"start_date": "2025-01-01", "end_date": "2025-09-01"},
    {"start_date": "9999-12-31T00:00:00+00:00"},
    {"end_date": "0001-01-01T00:00:00+00:00"},
    {"status": "pending"},
    {"service_request_id": "1,abc"},
    {"service_request_id": "²"},
    {"service_request_id": "99999999999999999999999"},
    {"service_request_id": ",".join(["1"] * 101)},
    {"service_code": "0201\x00"},
])
def test_bad_searches_are_400(client, fmt, params):
    response = client.get(f"{BASE}requests.{fmt}", params)
    assert response.status_code == 400, response.content
    assert [c for c, _ in error_codes(response, fmt)] == [400]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_and_the_404s(client, two_cases, fmt):
    closed, _received = two_cases
    response = client.get(f"{BASE}requests/{closed.pk}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        [row] = response.json()
        assert row["service_request_id"] == str(closed.pk) and row["status"] == "closed"
    else:
        assert xml(response).findtext("request/service_request_id") == str(closed.pk)
    for missing in ("999999", "abc", "0", "-1", "9" * 30, "²", "%00"):
        response = client.get(f"{BASE}requests/{missing}.{fmt}")
        assert response.status_code == 404, missing
        assert [c for c, _ in error_codes(response, fmt)] == [404]
    for path in ("tokens/nope", "tokens/" + "t" * 80, "tokens/%00", "nothing-here", "requests/1.csv"):
        response = client.get(f"{BASE}{path}.{fmt}")
        assert response.status_code == 404, path
        assert [c for c, _ in error_codes(response, fmt)] == [404]


@pytest.mark.django_db
def test_a_reopened_request_is_open_again_with_its_fresh_deadline(client, world, case_in):
    case = services.record_callback(case=case_in("replied"), actor=world.users.resident, solved=False,
                                    satisfaction="unsatisfied", at=MONDAY)
    [row] = client.get(f"{BASE}requests/{case.pk}.json").json()
    assert (row["status"], row["status_notes"]) == ("open", str(case.get_state_display()))
    assert row["agency_responsible"] == "朝阳区城管执法局"
    assert row["expected_datetime"] == "2025-09-22T10:00:00+08:00"  # 5 working days after Monday 15 Sep
    assert "已责令工地夜间停工。" not in row["status_notes"]  # the reply that did not satisfy is no status


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction_and_method_checks(client, two_cases, fmt):
    assert client.get(f"{BASE}services.{fmt}", {"jurisdiction_id": "gongzhi.local"}).status_code == 200
    for path in ("services", "services/0201", "requests", f"requests/{two_cases[0].pk}"):
        response = client.get(f"{BASE}{path}.{fmt}", {"jurisdiction_id": "other.city"})
        assert response.status_code == 404, path
        assert [c for c, _ in error_codes(response, fmt)] == [404]
    response = client.put(f"{BASE}requests.{fmt}")
    assert response.status_code == 405
    assert [c for c, _ in error_codes(response, fmt)] == [405]
    assert client.post(f"{BASE}services.{fmt}").status_code == 405


@pytest.mark.django_db
def test_a_broken_body_is_400_not_500(client, key):
    response = client.post(f"{BASE}requests.json", data=b"--x\r\nbroken", content_type="multipart/form-data")
    assert response.status_code in (400, 403)
    assert error_codes(response)
    response = client.post(f"{BASE}requests.json", data=json.dumps(good(key)), content_type="application/json")
    assert response.status_code == 403  # the spec posts form fields; a JSON body carries no api_key


# --- the caller's contact ---------------------------------------------------------

@pytest.mark.django_db
def test_the_callers_phone_is_revealed_only_with_a_reason_and_audited(client, world, key):
    response = post(client, **good(key))
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"]))
    with pytest.raises(ValidationError):
        reveal_contact(actor=world.users.dispatcher, case=case, reason="")
    with pytest.raises(PermissionDenied):
        reveal_contact(actor=world.users.grid_b1, case=case, reason="回访")
    assert reveal_contact(actor=world.users.dispatcher, case=case, reason="回访") == {
        "name": "王 秀英", "phone": "13812345678"}
    event = AuditEvent.objects.filter(action="cases.contact.reveal").get()
    assert event.reason == "回访" and event.actor_id == world.users.dispatcher.pk

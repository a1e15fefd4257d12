"""The cases API: create, list, detail, actions; bad input → 4xx and nothing changes; area scoping."""

import io
import json

import pytest
from PIL import ExifTags, Image

from gongzhi.cases import services
from gongzhi.cases.images import has_location
from gongzhi.cases.models import Attachment, Case, CaseEvent, CaseState

from .conftest import MONDAY, POINT_A1, POINT_B1, local

URL = "/api/v1/cases/"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def good_body(**extra):
    body = {"category": "0201", "title": "工地夜间施工噪声", "description": "每天晚上十一点以后还在打桩，吵得睡不着。",
            "lon": POINT_A1[0], "lat": POINT_A1[1], "channel": "web", "address": "永安里小区东侧"}
    body.update(extra)
    return body


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.mark.django_db
def test_a_resident_reports_a_case_and_sees_its_timeline(world, as_user):
    client = as_user(world.users.resident)
    response = post(client, URL, good_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "received"
    assert data["grid"] == world.tree["grid_a1"].code
    assert data["region_code"] == world.tree["grid_a1"].code
    assert data["reporter"] == "resident"
    assert data["links"] == {"self": f"{URL}{data['id']}", "attachments": f"{URL}{data['id']}/attachments"}
    assert "timeline" not in data  # the answer is what was stored; the timeline is one GET away
    detail = client.get(data["links"]["self"]).json()
    assert detail["title"] == "工地夜间施工噪声"
    assert [e["action"] for e in detail["timeline"]] == ["intake"]
    assert sorted(detail["actions"]) == ["attach", "cancel"]
    same = {k: v for k, v in detail.items() if k in data}
    assert same == {k: v for k, v in data.items() if k != "links"}  # the answer says what the detail says


@pytest.mark.django_db
def test_points_in_other_coordinate_systems_are_stored_in_wgs84(world, as_user):
    from gongzhi.core.geo import wgs84_to_gcj02

    gcj = wgs84_to_gcj02(*POINT_A1)
    data = post(as_user(world.users.resident), URL, good_body(lon=gcj[0], lat=gcj[1], crs="gcj02")).json()
    assert data["crs"] == "gcj02"
    assert data["input_lon"] == pytest.approx(gcj[0])
    assert (data["lon"], data["lat"]) == (pytest.approx(POINT_A1[0], abs=1e-6), pytest.approx(POINT_A1[1], abs=1e-6))
    assert data["grid"] == world.tree["grid_a1"].code


BAD_BODIES = [
    ({"category": "9999"}, "category"),
    ({"title": ""}, "title"),
    ({"title": "长" * 101}, "title"),
    ({"description": "  "}, "description"),
    ({"lat": None}, "lat"),
    ({"crs": "mars2000"}, "crs"),
    ({"lon": 500.0}, "location"),
    ({"lon": 100.0, "lat": 30.0}, "lon"),  # in no grid, and no region named
    ({"urgency": "whenever"}, "urgency"),
    ({"channel": "hotline_12345"}, "channel"),  # a resident cannot register hotline cases
    ({"region": "999999999999", "lon": None, "lat": None}, "region"),
    ({"lon": None, "lat": None}, "location"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), BAD_BODIES, ids=[f for _, f in BAD_BODIES])
def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(world, as_user, change, field):
    response = post(as_user(world.users.resident), URL, good_body(**change))
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"], body
    assert Case.objects.count() == 0


MALFORMED = [
    good_body(lon="abc"),
    good_body(lon=float("nan")),
    good_body(lon=float("inf")),
    good_body(title="噪声\x00"),
    {"title": "缺少类别"},
    good_body(is_anonymous="maybe"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_input_is_a_4xx_never_a_5xx(world, as_user, body):
    client = as_user(world.users.resident)
    response = client.post(URL, data=json.dumps(body, allow_nan=True), content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_garbage_bodies_and_paths_are_4xx(world, as_user):
    client = as_user(world.users.resident)
    assert client.post(URL, data="{not json", content_type="application/json").status_code in (400, 422)
    assert client.get(f"{URL}99999999999999999999999").status_code == 404
    assert client.get(f"{URL}{2**63 + 5}").status_code == 404
    assert client.get(URL, {"page": 0}).status_code == 422
    assert client.get(URL, {"page_size": 1000}).status_code == 422
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_staff_register_hotline_cases_by_region_and_hotline_ids_are_unique(world, as_user):
    client = as_user(world.users.dispatcher)
    body = good_body(channel="hotline_12345", hotline_id="BJ12345-0001", lon=None, lat=None,
                     region=world.tree["comm_b"].code)
    first = post(client, URL, body)
    assert first.status_code == 201, first.content
    assert first.json()["region_code"] == world.tree["comm_b"].code
    assert first.json()["reporter"] is None
    again = post(client, URL, body)
    assert again.status_code == 422
    assert "hotline_id" in again.json()["errors"]
    assert Case.objects.count() == 1


@pytest.fixture
def several(world, new_case):
    u = world.users
    a = new_case(point=POINT_A1, at=local(2025, 9, 15, 10))
    b = services.create_case(actor=u.resident, channel="web", category="0804", title="买到的电热水壶漏电",
                             description="超市买的热水壶第一次用就漏电", lon=POINT_B1[0], lat=POINT_B1[1],
                             at=local(2025, 9, 16, 10))
    c = services.create_case(actor=u.neighbour, channel="web", category="0203", title="小河有黑臭水体",
                             description="河道里有大量垃圾和异味", lon=POINT_A1[0], lat=POINT_A1[1],
                             at=local(2025, 9, 17, 10))
    services.dispatch_case(case=a, actor=u.dispatcher, unit=world.units.chengguan, at=local(2025, 9, 15, 11))
    return a, b, c


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.django_db
def test_list_filters(world, as_user, several):
    a, b, c = several
    client = as_user(world.users.dispatcher)
    assert ids(client.get(URL)) == [c.pk, b.pk, a.pk]
    assert ids(client.get(URL, {"state": "dispatched"})) == [a.pk]
    assert ids(client.get(URL, {"state": "received,dispatched"})) == [c.pk, b.pk, a.pk]
    assert ids(client.get(URL, {"category": "02"})) == [c.pk, a.pk]  # the subtree of 环境保护
    assert ids(client.get(URL, {"region": world.tree["comm_b"].code})) == [b.pk]
    assert ids(client.get(URL, {"unit": "U-CG"})) == [a.pk]
    assert ids(client.get(URL, {"created_from": "2025-09-16", "created_to": "2025-09-16"})) == [b.pk]
    assert ids(client.get(URL, {"overdue": True})) == [a.pk]  # dispatched in 2025, never acknowledged
    assert ids(client.get(URL, {"overdue": False})) == [c.pk, b.pk]
    page = client.get(URL, {"page": 2, "page_size": 2}).json()
    assert (page["count"], [i["id"] for i in page["items"]]) == (3, [a.pk])


@pytest.mark.django_db
def test_text_search_works_for_chinese(world, as_user, several):
    a, b, c = several
    client = as_user(world.users.dispatcher)
    assert ids(client.get(URL, {"q": "噪声"})) == [a.pk]
    assert ids(client.get(URL, {"q": "热水壶漏电"})) == [b.pk]  # words found apart from each other
    assert ids(client.get(URL, {"q": "河道垃圾"})) == [c.pk]
    assert ids(client.get(URL, {"q": "垃圾 噪声"})) == []
    assert ids(client.get(URL, {"q": f"#{b.pk}"})) == [b.pk]
    assert ids(client.get(URL, {"q": "的"})) == []


@pytest.mark.django_db
def test_bad_filters_are_422(world, as_user, several):
    client = as_user(world.users.dispatcher)
    for params, field in [({"state": "lost"}, "state"), ({"region": "123"}, "region"),
                          ({"category": "zz"}, "category"),
                          ({"created_from": "2025-09-17", "created_to": "2025-09-16"}, "created_from")]:
        response = client.get(URL, params)
        assert response.status_code == 422, (params, response.content)
        assert field in response.json()["errors"]
    assert client.get(URL, {"created_from": "yesterday"}).status_code == 422
    assert client.get(URL, {"created_from": "0001-01-01"}).status_code == 422
    assert client.get(URL, {"created_to": "9999-12-31"}).status_code == 422


@pytest.mark.django_db
def test_the_whole_lifecycle_through_the_api(world, client, new_case):
    u = world.users
    case = new_case()

    def act(user, action, body=None):
        client.force_login(user)
        return post(client, f"{URL}{case.pk}/{action}", body or {})

    routing = (client.force_login(u.dispatcher), client.get(f"{URL}{case.pk}/routing"))[1]
    assert routing.status_code == 200 and routing.json()["source"] == "command_centre"
    response = act(u.dispatcher, "dispatch", {"unit": "U-CG", "assisting_units": ["U-YAL"], "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["assisting_units"] == ["U-YAL"]
    assert act(u.cg_clerk, "acknowledge", {"version": 2}).json()["state"] == "in_progress"
    assert act(u.cg_clerk, "extension", {"days": 3, "reason": "需要协调"}).status_code == 200
    assert act(u.dispatcher, "extension/approve", {}).json()["extensions"][0]["state"] == "approved"
    assert act(u.dispatcher, "whistle", {"units": ["U-WATER"], "report_within_hours": 2}).status_code == 200
    reported = act(u.water_clerk, "report-in", {"note": "已到场"})  # a summoned unit sees and acts on it
    assert reported.status_code == 200, reported.content
    assert reported.json()["whistles"][0]["responses"][0]["reported_at"] is not None
    assert act(u.cg_clerk, "reply", {"content": "已责令停工"}).json()["state"] == "replied"
    closed = act(u.resident, "callback", {"solved": True, "satisfaction": "basically_satisfied"})
    assert closed.json()["state"] == "closed"
    assert closed.json()["callbacks"][0]["by_resident"] is True
    assert [e["action"] for e in closed.json()["timeline"]] == [
        "intake", "dispatch", "acknowledge", "request_extension", "approve_extension", "whistle", "report_in",
        "reply", "callback"]


@pytest.mark.django_db
def test_conflicts_wrong_states_and_refusals_are_4xx_and_change_nothing(world, client, case_in):
    u = world.users
    case = case_in(CaseState.DISPATCHED)
    client.force_login(u.cg_clerk)
    stale = post(client, f"{URL}{case.pk}/acknowledge", {"version": case.version - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    wrong = post(client, f"{URL}{case.pk}/reply", {"content": "已处理"})
    assert wrong.status_code == 409 and wrong.json()["code"] == "transition_not_allowed"
    empty_reason = post(client, f"{URL}{case.pk}/return", {"reason": " "})
    assert empty_reason.status_code == 422 and "reason" in empty_reason.json()["errors"]
    client.force_login(u.water_clerk)
    assert post(client, f"{URL}{case.pk}/acknowledge", {}).status_code == 404  # not theirs: not visible
    client.force_login(u.resident)
    refused = post(client, f"{URL}{case.pk}/acknowledge", {})
    assert refused.status_code == 403
    client.force_login(u.dispatcher)
    assert post(client, f"{URL}{case.pk}/merge", {"parent": 2**62}).status_code == 422
    assert post(client, f"{URL}{case.pk}/dispatch", {"unit": "U-NOPE"}).status_code == 422
    assert post(client, f"{URL}{case.pk}/extension", {"days": 5, "reason": "需协调"}).status_code == 409
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.version, fresh.lead_unit_id) == (case.state, case.version, case.lead_unit_id)
    assert CaseEvent.objects.filter(case=case).count() == 2


@pytest.mark.django_db
def test_a_grid_worker_cannot_see_or_act_on_a_case_in_another_grid(world, client, new_case):
    u = world.users
    in_b1 = new_case(point=POINT_B1)
    in_a1 = new_case(point=POINT_A1)
    client.force_login(u.grid_a1)
    assert ids(client.get(URL)) == [in_a1.pk]
    assert client.get(f"{URL}{in_b1.pk}").status_code == 404
    assert post(client, f"{URL}{in_b1.pk}/answer", {"answer": "x"}).status_code == 404
    assert post(client, f"{URL}{in_b1.pk}/attachments", {}).status_code in (404, 422)
    # Nor register a patrol report in grid B1.
    patrol = post(client, URL, good_body(channel="grid_patrol", lon=POINT_B1[0], lat=POINT_B1[1]))
    assert patrol.status_code == 403
    assert Case.objects.count() == 2
    client.force_login(u.grid_b1)
    assert ids(client.get(URL)) == [in_b1.pk]
    assert client.get(f"{URL}{in_b1.pk}").status_code == 200


@pytest.mark.django_db
def test_anonymous_reporters_are_hidden_from_handlers_but_not_from_themselves(world, client, new_case):
    case = new_case(is_anonymous=True)
    client.force_login(world.users.dispatcher)
    data = client.get(f"{URL}{case.pk}").json()
    assert data["reporter"] is None
    assert data["timeline"][0]["actor"] != "resident"
    assert "reporter_id" not in data["timeline"][0]["payload"]
    client.force_login(world.users.resident)
    assert client.get(f"{URL}{case.pk}").json()["reporter"] == "resident"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = image.getexif()
    exif[ExifTags.Base.Orientation] = 1
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 18.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 26.0, 42.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.django_db
def test_photos_are_checked_and_lose_their_location(world, client, new_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = new_case()
    client.force_login(world.users.resident)
    photo = jpeg_with_gps()
    assert has_location(photo)
    upload = io.BytesIO(photo)
    upload.name = "现场.jpg"
    response = client.post(f"{URL}{case.pk}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    stored = Attachment.objects.get()
    assert stored.content_type == "image/jpeg" and not stored.location_shared
    assert not has_location(stored.file.read())
    download = client.get(response.json()["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"

    shared = io.BytesIO(photo)
    shared.name = "keep.jpg"
    kept = client.post(f"{URL}{case.pk}/attachments", {"file": shared, "share_location": "true"})
    assert kept.json()["location_shared"] is True
    assert has_location(Attachment.objects.get(pk=kept.json()["id"]).file.read())

    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    refused = client.post(f"{URL}{case.pk}/attachments", {"file": fake})
    assert refused.status_code == 422 and "file" in refused.json()["errors"]
    gif = io.BytesIO()
    Image.new("RGB", (2, 2)).save(gif, format="GIF")
    gif.seek(0)
    gif.name = "a.gif"
    assert client.post(f"{URL}{case.pk}/attachments", {"file": gif}).status_code == 422
    settings.CASE_ATTACHMENT_MAX_BYTES = 100
    big = io.BytesIO(photo)
    big.name = "big.jpg"
    assert client.post(f"{URL}{case.pk}/attachments", {"file": big}).status_code == 422
    assert Attachment.objects.count() == 2


@pytest.mark.django_db
def test_categories_are_public_to_signed_in_users(world, client):
    client.force_login(world.users.resident)
    categories = client.get(f"{URL}categories").json()
    noise = next(c for c in categories if c["code"] == "0201")
    assert noise["parent"] == "02" and noise["name"] == "噪声扰民"


@pytest.mark.django_db
def test_the_api_needs_authentication(client):
    assert client.get(URL).status_code == 401
    assert post(client, URL, good_body()).status_code == 401


@pytest.mark.django_db
def test_openapi_schema_lists_the_actions(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for action in ("dispatch", "acknowledge", "return", "whistle", "report-in", "extension", "reply", "callback",
                   "merge", "cancel", "invalidate", "decide", "answer"):
        assert f"/api/v1/cases/{{case_id}}/{action}" in paths, action


def test_monday_is_the_reference_working_day():
    assert MONDAY.weekday() == 0


ACTION_PATHS = ["answer", "dispatch", "decide", "acknowledge", "return", "whistle", "report-in", "extension",
                "extension/approve", "extension/refuse", "reply", "callback", "merge", "cancel", "invalidate"]
JUNK = [
    None, [], "text", 12, {"version": "x"}, {"version": 0}, {"version": 2**80}, {"unit": ["U-CG"]},
    {"units": "U-WATER"}, {"units": [None]}, {"report_by": "tomorrow"}, {"report_within_hours": "NaN"},
    {"report_by": "0001-01-01T00:00:00"}, {"days": 2**40}, {"days": "3"}, {"parent": -1}, {"parent": "abc"},
    {"solved": "perhaps", "satisfaction": 3}, {"content": None}, {"answer": "\x00"}, {"reason": "\x00"},
    {"assisting_units": ["U-CG", "U-CG"], "unit": "U-CG"}, {"satisfaction": "delighted", "solved": True},
]


@pytest.mark.django_db
def test_no_junk_body_on_any_action_gets_a_5xx_and_every_refusal_changes_nothing(world, client, case_in):
    """Some junk is acceptable (extra fields are ignored; dispatch without a unit follows routing): then
    the action happens. Everything else is a 4xx that leaves the case as it was."""
    u = world.users
    case = case_in(CaseState.DISPATCHED)
    refusals = 0
    for user in (u.dispatcher, u.cg_clerk):
        client.force_login(user)
        for path in ACTION_PATHS:
            for body in JUNK:
                before = (Case.objects.values_list("state", "version").get(pk=case.pk),
                          CaseEvent.objects.filter(case=case).count())
                raw = json.dumps(body) if body is not None else ""
                response = client.post(f"{URL}{case.pk}/{path}", data=raw, content_type="application/json")
                assert response.status_code < 500, (user.username, path, body, response.content)
                if response.status_code >= 400:
                    refusals += 1
                    after = (Case.objects.values_list("state", "version").get(pk=case.pk),
                             CaseEvent.objects.filter(case=case).count())
                    assert after == before, (user.username, path, body)
    assert refusals > 0.9 * 2 * len(ACTION_PATHS) * len(JUNK)

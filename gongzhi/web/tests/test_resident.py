"""The resident's pages: report with photos and a point, follow, rate, withdraw."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState

from .conftest import POINT_A1, png_bytes


def report_body(**overrides):
    body = {"category": "0201", "title": "夜间施工噪声", "description": "工地每晚十点后仍在施工。",
            "lon": str(POINT_A1[0]), "lat": str(POINT_A1[1]), "address": "永安里东口"}
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_report_page_has_category_search_map_and_photo_input(world, signed_in):
    html = signed_in(world.users.resident).get("/r/new/").content.decode()
    assert 'data-filters="id_category"' in html
    assert 'data-map data-outlines="map-outlines"' in html and 'id="map-outlines"' in html
    assert 'type="file" name="photos"' in html and "multiple" in html
    assert '<option value="0201" data-keywords="' in html  # the words people use, for the search
    assert "vendor/leaflet/leaflet.js" in html


@pytest.mark.django_db
def test_resident_reports_with_photos_and_a_point(world, signed_in):
    client = signed_in(world.users.resident)
    photos = [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
              SimpleUploadedFile("b.png", png_bytes((0, 90, 0)), "image/png")]
    response = client.post("/r/new/", {**report_body(is_anonymous="on"), "photos": photos})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/r/cases/{case.pk}/"
    assert case.reporter == world.users.resident and case.is_anonymous and case.channel == "web"
    assert case.grid == world.tree["grid_a1"]
    assert case.attachments.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "We received your request." in page and "A photo was added." in page


@pytest.mark.django_db
def test_report_without_a_place_keeps_the_input_and_says_why(world, signed_in):
    client = signed_in(world.users.resident)
    response = client.post("/r/new/", report_body(lon="", lat="", title="路灯不亮了"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the place: put a pin on the map" in html
    assert 'value="路灯不亮了"' in html and "工地每晚十点后仍在施工。" in html
    assert 'aria-invalid="true"' in html
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_report_errors_are_in_the_users_language(world, signed_in):
    client = signed_in(world.users.resident, "zh-hans")
    html = client.post("/r/new/", report_body(title="", category="")).content.decode()
    assert "这个字段是必填项。" in html  # Django's own zh-Hans catalogue
    assert "工地每晚十点后仍在施工。" in html


@pytest.mark.django_db
def test_point_outside_every_grid_is_refused_at_the_place_field(world, signed_in):
    html = signed_in(world.users.resident).post("/r/new/", report_body(lon="100.0", lat="30.0")).content.decode()
    assert "lies in no grid" in html
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_too_many_or_bad_photos_are_refused_before_anything_is_saved(world, signed_in, settings):
    settings.WEB_MAX_PHOTOS = 1
    client = signed_in(world.users.resident)
    photos = [SimpleUploadedFile(f"{n}.png", png_bytes(), "image/png") for n in range(2)]
    assert "Attach at most 1 photo." in client.post("/r/new/", {**report_body(), "photos": photos}).content.decode()
    fake = SimpleUploadedFile("x.png", b"not an image", "image/png")
    html = client.post("/r/new/", {**report_body(), "photos": [fake]}).content.decode()
    assert "x.png:" in html
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_resident_sees_only_own_requests(world, signed_in, new_case):
    mine, theirs = new_case(), new_case(reporter=world.users.neighbour)
    client = signed_in(world.users.resident)
    html = client.get("/r/").content.decode()
    assert f"/r/cases/{mine.pk}/" in html and f"/r/cases/{theirs.pk}/" not in html
    assert client.get(f"/r/cases/{theirs.pk}/").status_code == 404


@pytest.mark.django_db
def test_resident_rates_the_reply_in_plain_words(world, signed_in, case_in):
    case = case_in(CaseState.REPLIED)
    client = signed_in(world.users.resident)
    html = client.get(f"/r/cases/{case.pk}/").content.decode()
    assert "Rate the reply" in html
    assert "朝阳区城管执法局 took it on." in html and "已责令工地夜间停工。" in html
    # Missing answers: errors, nothing recorded, the comment kept.
    html = client.post(f"/r/cases/{case.pk}/", {"action": "rate", "version": case.version,
                                                 "comment": "还是很吵"}).content.decode()
    assert "This field is required." in html and "还是很吵" in html
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED
    response = client.post(f"/r/cases/{case.pk}/", {"action": "rate", "version": case.version, "solved": "yes",
                                                     "satisfaction": "satisfied", "comment": "谢谢"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    callback = case.callbacks.get()
    assert callback.by_resident and callback.solved


@pytest.mark.django_db
def test_an_unsatisfied_rating_reopens_the_request_in_plain_words(world, signed_in, case_in):
    case = case_in(CaseState.REPLIED)
    client = signed_in(world.users.resident)
    response = client.post(f"/r/cases/{case.pk}/", {"action": "rate", "version": case.version, "solved": "no",
                                                     "satisfaction": "unsatisfied", "comment": "还是很吵"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == (CaseState.DISPATCHED, 1)
    html = client.get(f"/r/cases/{case.pk}/").content.decode()
    assert "It was reopened and goes back to 朝阳区城管执法局." in html
    assert "must acknowledge it again" not in html and "Rate the reply" not in html
    services.acknowledge_case(case=case, actor=world.users.cg_clerk)
    assert "朝阳区城管执法局 took it on again." in client.get(f"/r/cases/{case.pk}/").content.decode()


@pytest.mark.django_db
def test_stale_rating_is_refused_with_a_message(world, signed_in, case_in):
    case = case_in(CaseState.REPLIED)
    client = signed_in(world.users.resident)
    html = client.post(f"/r/cases/{case.pk}/", {"action": "rate", "version": case.version - 1, "solved": "no",
                                                 "satisfaction": "unsatisfied"}).content.decode()
    assert "was changed by someone else" in html
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED


@pytest.mark.django_db
def test_resident_withdraws_a_request_nobody_took_up(world, signed_in, new_case):
    case = new_case()
    client = signed_in(world.users.resident)
    assert "Withdraw this request" in client.get(f"/r/cases/{case.pk}/").content.decode()
    client.post(f"/r/cases/{case.pk}/", {"action": "withdraw", "version": case.version, "reason": "已自行解决"})
    case.refresh_from_db()
    assert case.state == CaseState.CANCELLED

"""On-site verification through the pages: the dispatcher asks on the console, the grid worker
finds it among their tasks and answers from the mobile case page; the resident's timeline stays plain."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.cases import services
from gongzhi.cases.models import CaseState, Verification

from .conftest import POINT_B1, png_bytes

pytestmark = pytest.mark.django_db


def test_ask_find_answer_and_see_the_finding(world, signed_in, case_in, new_case):
    u = world.users
    case = case_in(CaseState.RECEIVED)
    console = signed_in(u.dispatcher)  # one test client: each signed_in() switches its user
    assert 'data-action="request_verification"' in console.get(f"/console/cases/{case.pk}/").content.decode()
    response = console.post(f"/console/cases/{case.pk}/", {
        "action": "request_verification", "version": case.version,
        "request_verification-note": "夜里去看看是否施工", "request_verification-within_hours": "4"})
    assert response.status_code == 302
    pending = Verification.objects.get(case=case)

    grid = signed_in(u.grid_a1)
    other = new_case(point=POINT_B1)
    services.request_verification(case=other, actor=u.dispatcher)
    tasks = grid.get("/grid/").content.decode()
    assert 'id="to-verify"' in tasks and f"/grid/cases/{case.pk}/#action-verify" in tasks
    assert f"/grid/cases/{other.pk}/" not in tasks  # grid B1's question is not ours
    page = grid.get(f"/grid/cases/{case.pk}/").content.decode()
    assert 'data-action="verify"' in page and "Is the reported problem real?" in page and "夜里去看看是否施工" in page
    assert "data-locate=" in page
    photo = SimpleUploadedFile("site.png", png_bytes(), content_type="image/png")
    case.refresh_from_db()
    response = grid.post(f"/grid/cases/{case.pk}/", {
        "action": "verify", "version": case.version, "verify-finding": "confirmed", "verify-note": "确有施工",
        "verify-lon": "116.4452", "verify-lat": "39.9051", "verify-photo": photo})
    assert response.status_code == 302, response.content.decode()[:2000]
    pending.refresh_from_db()
    assert pending.finding == "confirmed" and pending.photo is not None and pending.lat == 39.9051
    assert "Nothing to verify." in grid.get("/grid/").content.decode()

    html = signed_in(u.dispatcher).get(f"/console/cases/{case.pk}/").content.decode()
    assert 'id="verifications"' in html and "Confirmed: the problem is there" in html and "确有施工" in html
    assert "Verified on site: Confirmed: the problem is there." in html

    mine = signed_in(u.resident).get(f"/r/cases/{case.pk}/").content.decode()
    assert "Verified on site" not in mine and "夜里去看看是否施工" not in mine


def test_the_form_says_what_is_missing_in_the_users_language_and_keeps_the_note(world, signed_in, case_in):
    case = services.request_verification(case=case_in(CaseState.REPLIED), actor=world.users.dispatcher)
    client = signed_in(world.users.grid_a1, language="zh-hans")
    html = client.post(f"/grid/cases/{case.pk}/", {"action": "verify", "version": case.version,
                                                    "verify-note": "路灯仍不亮"}).content.decode()
    assert "这个字段是必填项" in html and "路灯仍不亮" in html
    assert "问题是否已整改？" in html and "未整改" in html
    assert Verification.objects.get(case=case).is_pending


def test_the_verify_form_is_only_for_the_grid_asked(world, signed_in, case_in):
    case = services.request_verification(case=case_in(CaseState.RECEIVED), actor=world.users.dispatcher)
    html = signed_in(world.users.comm_a_staff).get(f"/console/cases/{case.pk}/").content.decode()
    assert 'data-action="verify"' not in html
    response = signed_in(world.users.comm_a_staff).post(f"/console/cases/{case.pk}/", {
        "action": "verify", "version": case.version, "verify-finding": "confirmed"})
    assert response.status_code == 302 and Verification.objects.get(case=case).is_pending

"""Duplicates at intake on the pages: "already reported" and 附议 for residents, similar cases for staff."""

import pytest

from gongzhi.cases.models import Case, CaseState, CaseSupporter
from gongzhi.cases.tests.test_duplicates import (
    LAMP_AGAIN_TEXT,
    LAMP_AGAIN_TITLE,
    LAMP_TEXT,
    LAMP_TITLE,
    NEAR_A1,
    _make,
    lamp,  # noqa: F401 - fixture
    lamp_category,  # noqa: F401 - fixture
)

from .conftest import POINT_B1


def body(category, **overrides):
    data = {"category": category.code, "title": LAMP_AGAIN_TITLE, "description": LAMP_AGAIN_TEXT,
            "lon": str(NEAR_A1[0]), "lat": str(NEAR_A1[1])}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_resident_sees_already_reported_and_adds_their_voice(world, signed_in, lamp, lamp_category):
    client = signed_in(world.users.neighbour, "zh-hans")
    response = client.post("/r/new/", body(lamp_category))
    html = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == 1  # nothing filed yet
    assert "已有人反映" in html and f'data-reported="{lamp.pk}"' in html and "我要附议" in html
    assert LAMP_TEXT not in html  # the other resident's description is not shown
    assert f'value="{LAMP_AGAIN_TITLE}"' in html  # the form keeps what was typed

    supported = client.post("/r/support/", {"case": lamp.pk})
    assert supported.status_code == 302 and supported["Location"] == "/r/"
    page = client.get("/r/").content.decode()
    assert "您已附议诉求" in page and "我附议的诉求" in page and LAMP_TITLE in page
    assert Case.objects.get(pk=lamp.pk).supporter_count == 1

    twice = client.post("/r/support/", {"case": lamp.pk}, follow=True).content.decode()
    assert "每人对同一诉求只能附议一次" in twice
    assert CaseSupporter.objects.count() == 1


@pytest.mark.django_db
def test_a_resident_with_another_problem_sends_it_anyway(world, signed_in, lamp, lamp_category):
    client = signed_in(world.users.neighbour)
    html = client.post("/r/new/", body(lamp_category)).content.decode()
    assert 'name="file_anyway"' in html
    response = client.post("/r/new/", body(lamp_category, file_anyway="1"))
    assert response.status_code == 302 and Case.objects.count() == 2


@pytest.mark.django_db
def test_nothing_alike_nearby_files_at_once(world, signed_in, lamp, lamp_category):
    client = signed_in(world.users.neighbour)
    far = client.post("/r/new/", body(lamp_category, lon=str(POINT_B1[0]), lat=str(POINT_B1[1])))
    assert far.status_code == 302
    other = client.post("/r/new/", body(lamp_category, title="楼下饭店油烟扰民", description="饭店每晚排放油烟。"))
    assert other.status_code == 302 and Case.objects.count() == 3


@pytest.mark.django_db
def test_support_page_needs_post_and_a_resident(world, signed_in, lamp):
    assert signed_in(world.users.neighbour).get("/r/support/").status_code == 405
    assert signed_in(world.users.dispatcher).post("/r/support/", {"case": lamp.pk}).status_code == 403
    assert "no such case" in signed_in(world.users.neighbour).post("/r/support/", {"case": "x"},
                                                                   follow=True).content.decode()


@pytest.mark.django_db
def test_staff_see_similar_cases_and_merge_from_the_panel(world, signed_in, lamp, lamp_category):
    again = _make(world, NEAR_A1, LAMP_AGAIN_TITLE, LAMP_AGAIN_TEXT, lamp_category)
    client = signed_in(world.users.dispatcher)
    html = client.get(f"/console/cases/{again.pk}/").content.decode()
    assert 'id="similar-cases"' in html and f'data-similar="{lamp.pk}"' in html
    assert f"Merge this case into {lamp.number}" in html
    response = client.post(f"/console/cases/{again.pk}/", {"action": "merge", "version": again.version,
                                                           "merge-parent": lamp.pk})
    assert response.status_code == 302
    again.refresh_from_db()
    assert again.state == CaseState.MERGED and again.parent_id == lamp.pk
    # The grid worker's case page shows the panel too, without the merge button (no right to merge).
    grid_html = signed_in(world.users.grid_a1).get(f"/grid/cases/{lamp.pk}/").content.decode()
    assert 'id="similar-cases"' in grid_html and "Merge this case into" not in grid_html


@pytest.mark.django_db
def test_the_case_page_counts_the_voices(world, signed_in, lamp):
    from gongzhi.cases import services

    services.support_case(case=lamp, actor=world.users.neighbour)
    html = signed_in(world.users.dispatcher, "zh-hans").get(f"/console/cases/{lamp.pk}/").content.decode()
    assert "另有 1 位居民反映了同一问题" in html


@pytest.mark.django_db
def test_a_call_registered_at_the_desk_shows_its_similar_cases_at_once(world, signed_in, lamp, lamp_category):
    staff = signed_in(world.users.dispatcher)
    response = staff.post("/console/desk/", {
        "channel": "hotline_12345", "hotline_id": "GD-DUP-1", "caller_name": "王小明", "caller_phone": "13900139000",
        "category": lamp_category.code, "title": LAMP_AGAIN_TITLE, "description": LAMP_AGAIN_TEXT,
        "urgency": "normal", "lon": NEAR_A1[0], "lat": NEAR_A1[1], "region": "", "address": "永安里北门"},
        follow=True)
    case = Case.objects.get(hotline_id="GD-DUP-1")
    assert response.redirect_chain[-1][0] == f"/console/cases/{case.pk}/"
    page = response.content.decode()
    assert f'data-similar="{lamp.pk}"' in page and f"Merge this case into {lamp.number}" in page

"""The pages of the second pass, through HTTP: the dispatch confirmation names the unit and the
deadlines, a dispatched case offers 改派 with a reason, names instead of codes and login names,
the list of problems at the top of a refused form, photos refused in MB naming the ones that
were fine, the department's case page with the reveal, the small map and checkboxes."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import Case

from .conftest import POINT_A1, png_bytes

pytestmark = pytest.mark.django_db


def short(moment):
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def test_the_dispatch_confirmation_names_the_unit_and_the_deadlines(world, signed_in, new_case):
    case = new_case()
    client = signed_in(world.users.dispatcher, "zh-hans")
    response = client.post(f"/console/cases/{case.pk}/", {"action": "dispatch", "version": case.version,
                                                           "dispatch-unit": "U-CG"}, follow=True)
    case.refresh_from_db()
    html = response.content.decode()
    assert (f"已派给 朝阳区城管执法局，响应时限 {short(case.response_due)}，办结时限 {short(case.resolution_due)}。"
            in html)
    # Now the action is a re-dispatch (改派), whose reason is required.
    assert "<summary>改派</summary>" in html
    refused = client.post(f"/console/cases/{case.pk}/", {"action": "dispatch", "version": case.version,
                                                          "dispatch-unit": "U-WATER"}).content.decode()
    assert 'href="#id_dispatch-reason"' in refused and Case.objects.get(pk=case.pk).lead_unit.code == "U-CG"


def test_filters_pick_areas_and_units_by_name(world, signed_in):
    html = signed_in(world.users.dispatcher, "zh-hans").get("/console/cases/").content.decode()
    assert re.search(r'<select name="region"[^>]*>', html) and re.search(r'<select name="unit"[^>]*>', html)
    assert f'<option value="{world.tree["comm_a"].code}">\u3000\u3000永安里社区</option>' in html
    assert '<option value="U-CG">朝阳区城管执法局</option>' in html
    filtered = signed_in(world.users.dispatcher, "zh-hans").get(
        "/console/cases/", {"region": world.tree["comm_a"].code, "unit": "U-CG"})
    assert filtered.status_code == 200 and not filtered.context["form"].errors


def test_the_timeline_names_people_and_grids_never_logins_or_codes(world, signed_in, new_case):
    world.users.grid_a1.display_name = "张三"
    world.users.grid_a1.save()
    case = new_case()
    services.request_verification(case=case, actor=world.users.dispatcher, note="请核实路灯")
    html = signed_in(world.users.dispatcher, "zh-hans").get(f"/console/cases/{case.pk}/").content.decode()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))
    assert "已请 永安里第一网格 网格员 张三 核实" in text
    for login in ("dispatcher", "grid_a1", "resident"):
        assert login not in text
    assert case.number in text  # the work-order number is meant to be read out; a division code is not
    assert not re.search(r"(?<!\d)(?:\d{12}|\d{15})(?!\d)", text)


def test_a_refused_form_lists_its_problems_at_the_top_with_links(world, signed_in):
    html = signed_in(world.users.resident, "zh-hans").post("/r/new/", {"category": "0201"}).content.decode()
    top = html[html.index("data-form-errors"):]
    assert 'href="#id_title"' in top and 'href="#id_description"' in top
    assert "web/js/form-errors.js" in html


def test_a_refused_photo_is_named_in_megabytes_and_the_fine_ones_are_named_too(world, signed_in, settings):
    settings.CASE_ATTACHMENT_MAX_BYTES = 1024 * 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (1024 * 1024), content_type="image/png")
    fine = SimpleUploadedFile("fine.png", png_bytes(), content_type="image/png")
    body = {"category": "0201", "title": "噪声", "description": "夜间施工", "lon": str(POINT_A1[0]),
            "lat": str(POINT_A1[1]), "photos": [big, fine]}
    html = signed_in(world.users.resident, "zh-hans").post("/r/new/", body).content.decode()
    assert "big.png：照片超过 1 MB，请重新选择" in html
    assert "以下照片没有问题，但需要重新选择：fine.png" in html
    assert not Case.objects.exists()


def test_the_department_page_reveals_the_reporters_phone_shows_the_place_and_checkboxes(world, signed_in,
                                                                                       new_case):
    world.users.resident.phone = "13800138000"
    world.users.resident.save()
    case = services.dispatch_case(case=new_case(), actor=world.users.dispatcher, unit=world.units.chengguan)
    client = signed_in(world.users.cg_clerk, "zh-hans")
    html = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html and "data-reveal-button" in html
    assert 'id="case-map"' in html and 'id="case-grid"' in html and 'id="case-point"' in html
    revealed = client.post(f"/console/cases/{case.pk}/", {"action": "reveal_contact",
                                                          "reveal_contact-reason": "联系居民确认位置"})
    assert "13800138000" in revealed.content.decode()
    dispatcher_html = signed_in(world.users.dispatcher, "zh-hans").get(f"/console/cases/{case.pk}/").content.decode()
    assert 'type="checkbox" name="dispatch-assisting_units"' in dispatcher_html


def test_an_anonymous_report_keeps_the_phone_from_the_handlers(world, signed_in, new_case):
    world.users.resident.phone = "13800138000"
    world.users.resident.save()
    case = services.dispatch_case(case=new_case(is_anonymous=True), actor=world.users.dispatcher,
                                  unit=world.units.chengguan)
    html = signed_in(world.users.cg_clerk, "zh-hans").get(f"/console/cases/{case.pk}/").content.decode()
    assert "138****8000" not in html and "data-reveal-button" not in html


def test_the_report_page_offers_the_most_reported_categories(world, signed_in, new_case):
    from django.core.cache import cache

    cache.clear()
    new_case(at=timezone.now())
    html = signed_in(world.users.resident, "zh-hans").get("/r/new/").content.decode()
    assert 'data-chips-for="id_category"' in html and 'data-code="0201"' in html
    cache.clear()


def test_a_link_naming_a_grid_filters_by_it_by_name(world, signed_in, settings, monkeypatch):
    from gongzhi.web.forms import filters

    monkeypatch.setattr(filters, "GRIDS_UP_TO", 1)  # grids left out of the list
    response = signed_in(world.users.dispatcher, "zh-hans").get("/console/cases/",
                                                                {"region": world.tree["grid_a1"].code})
    assert response.status_code == 200 and not response.context["form"].errors
    assert f'<option value="{world.tree["grid_a1"].code}" selected>永安里第一网格</option>' in response.content.decode()

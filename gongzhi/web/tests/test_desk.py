"""The desk (issue 14, item 5): calls and visits registered by staff, the caller's earlier cases found
through the blind index, reply templates, the printed work order, the case list as XLSX and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import exporting, services
from gongzhi.cases.models import Case, CaseContact, CaseState, ReplyTemplate
from gongzhi.cases.services.hotline import register_hotline_case

from .conftest import POINT_A1, POINT_B1

PHONE = "13800138000"


def _desk_post(**values):
    data = {"channel": "hotline_12345", "hotline_id": "", "caller_name": "王小明", "caller_phone": PHONE,
            "category": "0201", "title": "夜间施工噪声", "description": "工地每晚十点以后仍在施工。",
            "urgency": "normal", "lon": POINT_A1[0], "lat": POINT_A1[1], "region": "", "address": "永安里东街"}
    data.update(values)
    return data


def _call(world, noise, point, hotline_id, phone=PHONE):
    return register_hotline_case(actor=world.users.admin, hotline_id=hotline_id, category=noise, title="噪声扰民",
                                 description="夜间施工", lon=point[0], lat=point[1], caller_name="王小明",
                                 caller_phone=phone)


@pytest.mark.django_db
def test_the_desk_registers_a_call_and_gives_its_number(world, signed_in):
    staff = signed_in(world.users.dispatcher, "zh-hans")
    response = staff.post("/console/desk/", _desk_post(hotline_id="GD-001"), follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/console/cases/{case.pk}/"
    page = response.content.decode()
    assert case.number in page and "GD-001" in page
    assert case.channel == "hotline_12345" and case.hotline_id == "GD-001"
    contact = CaseContact.objects.get(case=case)
    assert contact.phone == PHONE and contact.phone_index  # encrypted, with its blind index
    assert PHONE not in page  # handlers see it masked


@pytest.mark.django_db
def test_the_desk_refuses_bad_input_in_chinese_and_saves_nothing(world, signed_in):
    staff = signed_in(world.users.dispatcher, "zh-hans")
    bad_phone = staff.post("/console/desk/", _desk_post(caller_phone="12ab"))
    assert bad_phone.status_code == 200
    assert "不是电话号码" in bad_phone.content.decode() or "电话" in bad_phone.content.decode()
    walk_in = staff.post("/console/desk/", _desk_post(channel="walk_in", hotline_id="GD-002"))
    assert "来访" in walk_in.content.decode() or "热线工单" in walk_in.content.decode()
    assert "A walk-in" not in walk_in.content.decode()
    no_title = staff.post("/console/desk/", _desk_post(title=""))
    assert no_title.status_code == 200
    assert Case.objects.count() == 0 and CaseContact.objects.count() == 0


@pytest.mark.django_db
def test_earlier_cases_of_the_caller_are_found_through_the_blind_index(world, noise, signed_in):
    mine = _call(world, noise, POINT_A1, "H-1")
    elsewhere = _call(world, noise, POINT_B1, "H-2")  # community B: outside community A's staff's area
    _call(world, noise, POINT_A1, "H-3", phone="13900139000")  # another caller
    staff = signed_in(world.users.comm_a_staff)
    with CaptureQueriesContext(connection) as queries:
        response = staff.post("/console/desk/", {"find": "1", "caller_phone": "138 0013 8000", "title": "还没写完"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-case="{mine.pk}"' in page
    assert f'data-case="{elsewhere.pk}"' not in page  # scoped
    assert "H-3" not in page
    assert 'value="还没写完"' in page  # what was typed is kept
    # The number is never searched in clear: no statement carries it.
    assert not [q["sql"] for q in queries.captured_queries if PHONE in q["sql"]]
    event = AuditEvent.objects.get(action="cases.caller_lookup")
    assert event.changes == {"phone": "138****8000", "found": 1}


@pytest.mark.django_db
def test_a_bad_phone_is_refused_at_look_up(world, signed_in):
    staff = signed_in(world.users.dispatcher, "zh-hans")
    response = staff.post("/console/desk/", {"find": "1", "caller_phone": ""})
    assert "data-lookup-error" in response.content.decode()
    assert "电话" in response.content.decode()
    assert not AuditEvent.objects.filter(action="cases.caller_lookup").exists()


@pytest.mark.django_db
def test_a_unit_keeps_reply_templates_and_uses_them_when_replying(world, case_in, signed_in):
    clerk = signed_in(world.users.cg_clerk, "zh-hans")
    saved = clerk.post("/console/reply-templates/", {"category": "0201", "name": "已停工",
                                                     "text": "经核查，已责令工地夜间停工。", "is_active": "on"})
    assert saved.status_code == 302
    template = ReplyTemplate.objects.get()
    assert template.unit == world.units.chengguan
    assert AuditEvent.objects.filter(action="cases.reply_template.create").count() == 1
    # The same name twice in a category is refused, in Chinese, and nothing is added.
    again = clerk.post("/console/reply-templates/", {"category": "0201", "name": "已停工", "text": "另一段"})
    assert "已有" in again.content.decode()
    assert ReplyTemplate.objects.count() == 1
    # Another unit's member neither sees nor changes it.
    water = signed_in(world.users.water_clerk)
    assert "已停工" not in water.get("/console/reply-templates/").content.decode()
    assert water.get(f"/console/reply-templates/?edit={template.pk}").status_code == 404
    # Replying: the template is offered, and used when nothing else is written.
    case = case_in(CaseState.IN_PROGRESS)
    clerk = signed_in(world.users.cg_clerk, "zh-hans")
    page = clerk.get(f"/console/cases/{case.pk}/").content.decode()
    assert "data-reply-template" in page and 'data-text="经核查，已责令工地夜间停工。"' in page
    empty = clerk.post(f"/console/cases/{case.pk}/", {"action": "reply", "version": case.version,
                                                       "reply-content": "", "reply-template": ""})
    assert "模板" in empty.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_PROGRESS
    done = clerk.post(f"/console/cases/{case.pk}/", {"action": "reply", "version": case.version,
                                                      "reply-content": "", "reply-template": str(template.pk)})
    assert done.status_code == 302
    replied = Case.objects.get(pk=case.pk)
    assert replied.state == CaseState.REPLIED and replied.reply == template.text


@pytest.mark.django_db
def test_changing_a_template_is_audited_and_retiring_hides_it(world, case_in, signed_in):
    clerk = signed_in(world.users.cg_clerk)
    clerk.post("/console/reply-templates/", {"category": "0201", "name": "已停工", "text": "已停工。", "is_active": "on"})
    template = ReplyTemplate.objects.get()
    clerk.post(f"/console/reply-templates/?edit={template.pk}", {"template": template.pk, "category": "0201",
                                                                  "name": "已停工", "text": "已停工。"})
    assert ReplyTemplate.objects.get().is_active is False
    assert AuditEvent.objects.get(action="cases.reply_template.change").changes["is_active"] == [True, False]
    case = case_in(CaseState.IN_PROGRESS)
    assert "data-reply-template" not in clerk.get(f"/console/cases/{case.pk}/").content.decode()


@pytest.mark.django_db
def test_the_printed_work_order(world, new_case, signed_in):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(description="很长的描述。" * 400)
    staff = signed_in(world.users.dispatcher)
    response = staff.get(f"/console/cases/{case.pk}/print/")
    page = response.content.decode()
    assert response.status_code == 200
    assert case.number in page and "web/print.css" in page
    assert "style=" not in page and "<script>" not in page
    assert "shortened here" in page
    assert f'href="/console/cases/{case.pk}/print/"' in staff.get(f"/console/cases/{case.pk}/").content.decode()
    assert signed_in(world.users.grid_b1).get(f"/console/cases/{case.pk}/print/").status_code == 403


def _rows(response):
    if response["Content-Type"].startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert rows[-2] == [] and "dispatcher" in rows[-1][0]  # the watermark: who, when, why
        return rows[:-2]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.django_db
def test_the_case_list_exports_with_its_filters_masked_and_audited(world, noise, new_case, signed_in):
    call = _call(world, noise, POINT_A1, "H-9")
    other = new_case()
    Case.objects.filter(pk=other.pk).update(title="=HYPERLINK(\"http://x\")", description="身份证110101199003071234")
    staff = signed_in(world.users.dispatcher, "zh-hans")
    for fmt in ("xlsx", "csv"):
        everything = _rows(staff.get(f"/console/cases/export.{fmt}"))
        assert everything[0][0] == "受理编号"
        numbers = {row[0] for row in everything[1:]}
        assert numbers == {call.number, other.number}
        flat = [str(value) for row in everything for value in row if value is not None]
        assert PHONE not in " ".join(flat) and "138****8000" in flat
        assert "'=HYPERLINK(\"http://x\")" in flat  # neutralised
        assert not any("110101199003071234" in value for value in flat)
        only_call = _rows(staff.get(f"/console/cases/export.{fmt}", {"q": "H-9"}))
        assert [row[0] for row in only_call[1:]] == [call.number]
    events = AuditEvent.objects.filter(action="cases.export").order_by("id")
    assert [e.changes["rows"] for e in events] == [2, 1, 2, 1]
    assert events.last().changes["filters"] == {"q": "H-9"} and events.last().changes["masked"] is True


@pytest.mark.django_db
def test_an_export_too_large_is_refused_and_nothing_is_recorded(world, new_case, signed_in, monkeypatch):
    new_case(), new_case()
    monkeypatch.setattr(exporting, "MAX_ROWS", 1)
    staff = signed_in(world.users.dispatcher, "zh-hans")
    response = staff.get("/console/cases/export.xlsx", {"state": "received"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/console/cases/?state=received")
    assert "缩小" in response.content.decode()
    bad_filter = staff.get("/console/cases/export.csv", {"created_from": "not-a-date"}, follow=True)
    assert bad_filter.redirect_chain
    assert not AuditEvent.objects.filter(action="cases.export").exists()
    assert services  # the services module is the one the pages call

"""The request flow as each person sees it, step by step, in Chinese: a resident on a phone
reports (finding the category by a word they use, a refused form and a refused photo on the
way) → the dispatcher on a desktop corrects the routing suggestion in one step and is told
the unit and the deadlines → the department reveals the caller's phone with a reason,
acknowledges and replies → the resident, told at every step, sees the expected reply date and
rates. Each step is photographed into var/test/screenshots/ for review; no page shows a
login name or a division code, and (through ``Watched``) none logs a console error or asks
another host for anything."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Case, CaseState, RoutingRule
from gongzhi.notifications.models import Notification

from ..conftest import png_bytes
from .conftest import DESKTOP, PHONE, SCREENSHOTS
from .test_flow import PIN, submit

SHOTS = SCREENSHOTS.parent / "test" / "screenshots"
# A division code has 12 digits (15 for a grid); a work-order number (13) is meant to be read.
CODE = re.compile(r"(?<!\d)(?:\d{12}|\d{15})(?!\d)")
LOGINS = ("resident", "dispatcher", "cg_clerk", "grid_a1", "comm_a_staff")
PHONE_NUMBER = "13800138000"


def shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def names_only(page):
    """No 12-15 digit division code and no login name anywhere in the page's text."""
    text = page.inner_text("body")
    assert not CODE.search(text), f"a division code on {page.url}: {CODE.search(text).group()}"
    for login in LOGINS:
        assert login not in text, f"the login name {login} on {page.url}"


def short(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_report_dispatch_acknowledge_reply_rate_step_by_step(world, watched, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.CASE_ATTACHMENT_MAX_BYTES = 1024 * 1024  # 1 MB, so that the refused photo stays small
    u = world.users
    u.dispatcher.display_name = "王派单"
    u.dispatcher.save()
    u.resident.phone = PHONE_NUMBER
    u.resident.save()

    # --- The resident, on a phone: a refused form first.
    resident = watched(viewport=PHONE, mobile=True)
    page = resident.sign_in("resident")
    page.click('[data-menu="resident_new"]')
    submit(page, "form[data-report-form]")
    summary = page.locator("[data-form-errors]")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-form-errors')")
    assert summary.locator('a[href="#id_title"]').count() == 1
    summary.locator('a[href="#id_title"]').click()
    assert page.evaluate("() => document.activeElement.id") == "id_title"
    shoot(page, "01-resident-refused-form")
    names_only(page)

    # The category found by the word people use; the place by a pin.
    page.fill("#category-search", "路灯")
    assert page.input_value("#id_category") == "0102"
    assert "路灯" in page.locator("#id_category option[value='0102']").inner_text()
    page.fill("#id_title", "北门路灯不亮")
    page.fill("#id_description", "小区北门的路灯坏了一周，晚上很黑。")
    x, y = page.evaluate(PIN)
    page.locator("#report-map").click(position={"x": x, "y": y})
    # One photo too large, one fine: the large one is refused at once, the fine one kept.
    page.set_input_files("#id_photos", files=[
        {"name": "big.png", "mimeType": "image/png", "buffer": png_bytes() + b"\0" * (1024 * 1024)},
        {"name": "lamp.png", "mimeType": "image/png", "buffer": png_bytes()}])
    note = page.locator("#id_photos-note")
    assert "big.png：照片超过 1 MB，请重新选择" in note.inner_text()
    assert note.locator("[data-photos-kept]").get_attribute("data-photos-kept") == "1"
    assert page.evaluate("() => document.getElementById('id_photos').files.length") == 1
    shoot(page, "02-resident-photo-refused")
    submit(page, "form[data-report-form]")
    match = re.search(r"/r/cases/(\d+)/$", page.url)
    assert match, page.url
    case = Case.objects.get(pk=int(match.group(1)))
    assert case.category.code == "0102" and case.attachments.count() == 1
    # Before dispatch: the latest reply date the rules allow, and where the request stands.
    expected = page.locator("[data-expected-reply]")
    assert expected.is_visible() and "预计最迟" in expected.inner_text()
    assert page.locator(".stages li[aria-current=step]").inner_text() == "已受理"
    shoot(page, "03-resident-received")
    names_only(page)

    # --- The dispatcher, on a desktop: the suggestion (the command centre) corrected in one step.
    dispatcher = watched(viewport=DESKTOP)
    page = dispatcher.sign_in("dispatcher")
    page.click(f'#to-dispatch tr[data-case="{case.pk}"] a')
    suggestion = page.locator("#id_dispatch-unit option[value='']").inner_text()
    assert suggestion.startswith("按分拨建议：") and world.units.street.name in suggestion
    assert page.locator("#case-map").is_visible()
    names_only(page)
    shoot(page, "04-dispatcher-case")
    page.select_option("#id_dispatch-unit", "U-CG")
    page.check("#id_dispatch-remember_rule")
    submit(page, 'form[data-action="dispatch"]')
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.lead_unit == world.units.chengguan
    confirmation = page.locator(".messages").inner_text()
    assert (f"已派给 朝阳区城管执法局，响应时限 {short(case.response_due)}，办结时限 {short(case.resolution_due)}"
            in confirmation)
    rule = RoutingRule.objects.get(category=case.category, region=world.tree["comm_a"], is_active=True)
    assert rule.unit == world.units.chengguan
    assert AuditEvent.objects.filter(action="cases.routing_rule.learn", object_id=str(rule.pk)).exists()
    # Once dispatched, dispatching again is a re-dispatch, with a reason.
    assert page.locator("#action-dispatch summary").inner_text() == "改派"
    assert page.locator("#id_dispatch-reason").get_attribute("required") is not None
    assert "王派单" in page.locator(".timeline").inner_text()
    names_only(page)
    shoot(page, "05-dispatcher-dispatched")

    # --- The department: the caller's phone with a reason, acknowledge, reply.
    department = watched(viewport=DESKTOP)
    page = department.sign_in("cg_clerk")
    page.click(f'#to-acknowledge tr[data-case="{case.pk}"] a')
    assert PHONE_NUMBER not in page.inner_text("body")
    assert page.locator("#id_dispatch-assisting_units").count() == 0  # the department does not dispatch
    page.click("[data-reveal-button]")
    page.fill("#id_reveal_contact-reason", "需要联系居民确认路灯位置")
    submit(page, "[data-contact-form]")
    assert page.locator("[data-revealed-phone]").inner_text() == PHONE_NUMBER
    assert AuditEvent.objects.filter(action="cases.contact.reveal", object_id=str(case.pk)).count() == 1
    shoot(page, "06-department-phone-revealed")
    page = department.go(f"/console/cases/{case.pk}/")
    assert PHONE_NUMBER not in page.inner_text("body")  # shown once, in that answer only
    submit(page, 'form[data-action="acknowledge"]')
    names_only(page)
    shoot(page, "07-department-acknowledged")
    page.fill("#id_reply-content", "已更换北门路灯灯泡，恢复照明。")
    submit(page, 'form[data-action="reply"]')
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED
    names_only(page)

    # --- The resident was told at each step, and sees the expected date and every step.
    kinds = set(Notification.objects.filter(user=u.resident).values_list("kind", flat=True))
    assert {"cases.dispatched", "cases.acknowledged", "cases.replied"} <= kinds
    page = resident.go("/inbox/")
    assert "朝阳区城管执法局" in page.inner_text("body")
    names_only(page)
    shoot(page, "08-resident-inbox")
    page = resident.go(f"/r/cases/{case.pk}/")
    timeline = page.locator(".timeline").inner_text()
    due_day = timezone.localtime(case.resolution_due).strftime("%Y-%m-%d")
    assert "已派给" in timeline or "朝阳区城管执法局" in timeline
    assert f"预计 {due_day} 前答复" in timeline
    assert page.locator(".stages li[aria-current=step]").inner_text() == "已答复"
    names_only(page)
    page.check("#id_solved_0")
    page.check("#id_satisfaction_0")
    shoot(page, "09-resident-replied")
    submit(page, "#rate form")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert page.locator(".stages li[aria-current=step]").inner_text() == "已办结"
    names_only(page)
    shoot(page, "10-resident-closed")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_expected_reply_date_is_the_resolution_deadline_once_dispatched(world, watched, settings, new_case):
    """The date the resident reads is the case's own resolution deadline, moved by an extension."""
    from gongzhi.cases import services

    settings.LANGUAGE_CODE = "zh-hans"
    u = world.users
    case = services.dispatch_case(case=new_case(at=timezone.now()), actor=u.dispatcher, unit=world.units.chengguan)
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    services.request_extension(case=case, actor=u.cg_clerk, days=3, reason="需要协调施工单位")
    case = services.approve_extension(case=Case.objects.get(pk=case.pk), actor=u.dispatcher)
    resident = watched(viewport=PHONE, mobile=True)
    resident.sign_in("resident")
    page = resident.go(f"/r/cases/{case.pk}/")
    due_day = timezone.localtime(case.resolution_due).strftime("%Y-%m-%d")
    assert page.locator("[data-expected-reply]").get_attribute("data-expected-reply") == due_day
    assert f"预计 {due_day} 前答复" in page.locator("[data-expected-reply]").inner_text()
    assert "cases.extended" in set(Notification.objects.filter(user=u.resident).values_list("kind", flat=True))
    names_only(page)
    shoot(page, "11-resident-extended")

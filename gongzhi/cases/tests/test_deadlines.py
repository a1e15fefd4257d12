"""Deadlines on the working-day calendar, extensions, and the idempotent sweep.

Expected moments are worked out by hand for the 2025 National Day holiday:
1–8 October off, Saturday 11 October an adjusted working day (调休); office
hours 09:00–12:00 and 13:30–17:30. Category 0201 (噪声扰民): response 4 working
hours (urgent 1), resolution 5 working days (urgent 1).
"""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from gongzhi.accounts.models import Unit
from gongzhi.cases import services
from gongzhi.cases.models import AlertKind, CaseEvent, DeadlineMarker, ExtensionRequest
from gongzhi.cases.sweep import sweep_deadlines
from gongzhi.notifications.models import Notification

from .conftest import local, reload

BEFORE_HOLIDAY = local(2025, 9, 30, 16, 0)  # Tuesday, the last working day before the holiday


@pytest.fixture
def dispatched(world, new_case):
    def make(urgency="normal"):
        case = new_case(at=BEFORE_HOLIDAY, urgency=urgency)
        return services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan,
                                      at=BEFORE_HOLIDAY)

    return make


@pytest.mark.django_db
def test_deadlines_skip_the_holiday_week_and_count_the_adjusted_saturday(dispatched):
    case = dispatched()
    # 16:00–17:30 on 30 September, then 09:00–11:30 on 9 October.
    assert case.response_due == local(2025, 10, 9, 11, 30)
    # Working days 9, 10, 11 (调休 Saturday), 13, 14 October; same clock time.
    assert case.resolution_due == local(2025, 10, 14, 16, 0)
    urgent = dispatched("urgent")
    assert urgent.response_due == local(2025, 9, 30, 17, 0)
    assert urgent.resolution_due == local(2025, 10, 9, 16, 0)
    payload = CaseEvent.objects.get(case=case, action="dispatch").payload
    assert payload["response_due"] == "2025-10-09T11:30:00+08:00"


@pytest.mark.django_db
def test_an_approved_extension_moves_the_resolution_deadline_and_a_refused_one_does_not(world, dispatched):
    u = world.users
    case = services.acknowledge_case(case=dispatched(), actor=u.cg_clerk, at=local(2025, 10, 9, 9, 30))
    case = services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="需协调施工单位",
                                      at=local(2025, 10, 10, 9, 0))
    case = services.refuse_extension(case=case, actor=u.dispatcher, reason="情况不复杂", at=local(2025, 10, 10, 10))
    assert reload(case).resolution_due == local(2025, 10, 14, 16, 0)
    case = services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="需协调施工单位",
                                      at=local(2025, 10, 10, 11, 0))
    case = services.approve_extension(case=case, actor=u.dispatcher, at=local(2025, 10, 10, 14, 0))
    assert reload(case).resolution_due == local(2025, 10, 16, 16, 0)  # Wednesday 15, Thursday 16
    approved = ExtensionRequest.objects.get(case=case, state="approved")
    assert (approved.old_due, approved.new_due) == (local(2025, 10, 14, 16, 0), local(2025, 10, 16, 16, 0))
    assert list(ExtensionRequest.objects.filter(case=case).values_list("state", flat=True)) == [
        "refused", "approved"]


def _reopened(world, dispatched):
    """Acknowledged, replied and rated unsatisfied at 17:15 on 30 September, the eve of the holiday."""
    u = world.users
    case = services.acknowledge_case(case=dispatched(), actor=u.cg_clerk, at=local(2025, 9, 30, 16, 30))
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已处理", at=local(2025, 9, 30, 17, 0))
    return services.record_callback(case=case, actor=u.resident, solved=False, satisfaction="unsatisfied",
                                    comment="还是很吵", at=local(2025, 9, 30, 17, 15))


@pytest.mark.django_db
def test_a_reopened_case_is_a_new_order_to_acknowledge_with_fresh_deadlines_across_the_holiday(world, dispatched):
    u = world.users
    case = _reopened(world, dispatched)
    assert case.state == "dispatched"
    assert (case.reopen_count, case.lead_unit) == (1, world.units.chengguan)
    assert (case.dispatched_at, case.acknowledged_at, case.replied_at) == (local(2025, 9, 30, 17, 15), None, None)
    # 4 working hours: 17:15–17:30 on 30 September, then 09:00–12:00 and 13:30–14:15 on 9 October.
    assert case.response_due == local(2025, 10, 9, 14, 15)
    # 5 working days: 9, 10, 11 (调休 Saturday), 13, 14 October; same clock time.
    assert case.resolution_due == local(2025, 10, 14, 17, 15)
    event = CaseEvent.objects.get(case=case, action="reopen")
    assert (event.from_state, event.to_state) == ("replied", "dispatched")
    assert event.payload["response_due"] == "2025-10-09T14:15:00+08:00"
    assert event.payload["resolution_due"] == "2025-10-14T17:15:00+08:00"
    assert event.response_due is None  # not a dispatch in the response rate
    # The unit is told it has a reopened order to acknowledge, and by when.
    notice = Notification.objects.filter(user=u.cg_clerk, kind="cases.reopened").get()
    assert "2025-10-09 14:15" in notice.title

    # The unit acknowledges it again (签收), as any dispatched case; the deadline it met is on the event.
    case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=local(2025, 10, 9, 10, 0))
    assert (case.state, case.acknowledged_at) == ("in_progress", local(2025, 10, 9, 10, 0))
    again = CaseEvent.objects.filter(case=case, action="acknowledge").latest("id")
    assert (again.payload["on_time"], again.payload["reopened"]) == (True, True)
    assert datetime.fromisoformat(again.payload["response_due"]) == local(2025, 10, 9, 14, 15)
    assert (again.response_due, again.on_time) == (None, None)  # not counted in the response rate
    first = CaseEvent.objects.filter(case=case, action="acknowledge").earliest("id")
    assert first.payload["reopened"] is False and first.on_time is True
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已再次处理", at=local(2025, 10, 10, 9, 0))
    assert services.record_callback(case=case, actor=u.resident, solved=True, satisfaction="satisfied",
                                    at=local(2025, 10, 10, 10, 0)).state == "closed"


@pytest.mark.django_db
def test_the_sweep_watches_the_new_response_deadline_of_a_reopened_case(world, dispatched, settings):
    settings.CASE_DUE_SOON_WORKING_HOURS = 2
    u = world.users
    case = _reopened(world, dispatched)
    assert sweep_deadlines(now=local(2025, 9, 30, 17, 20)) == {}  # almost 4 working hours left
    assert sweep_deadlines(now=local(2025, 10, 5, 12, 0)) == {}  # holiday
    assert sweep_deadlines(now=local(2025, 10, 9, 12, 30)) == {AlertKind.RESPONSE_DUE_SOON: 1}  # 0.75 h left
    late = local(2025, 10, 9, 14, 16)
    assert sweep_deadlines(now=late) == {AlertKind.RESPONSE_OVERDUE: 1, AlertKind.ESCALATED: 1}
    assert sweep_deadlines(now=late) == {}
    assert sweep_deadlines(now=local(2025, 10, 10, 9, 0)) == {}  # overdue once
    alerts = CaseEvent.objects.filter(case=case, action="deadline_alert")
    assert [(e.payload["kind"], datetime.fromisoformat(e.payload["due"])) for e in alerts] == [
        ("response_due_soon", local(2025, 10, 9, 14, 15)), ("response_overdue", local(2025, 10, 9, 14, 15))]
    assert _inbox(u.cg_clerk) == ["cases.dispatched", "cases.reopened", "cases.deadline.response_due_soon",
                                  "cases.deadline.response_overdue"]
    # Acknowledged late: the resolution clock runs; the case does not escalate a second time.
    case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=local(2025, 10, 9, 15, 0))
    assert CaseEvent.objects.filter(case=case, action="acknowledge").latest("id").payload["on_time"] is False
    assert _alerts(case) == ["escalated"]
    assert sweep_deadlines(now=local(2025, 10, 14, 17, 16)) == {AlertKind.RESOLUTION_OVERDUE: 1}
    assert _inbox(u.district_clerk) == ["cases.escalated"]


def _alerts(case):
    return sorted(DeadlineMarker.objects.filter(case=case).values_list("kind", flat=True))


def _inbox(user):
    return list(Notification.objects.filter(user=user, kind__startswith="cases.").order_by("id")
                .values_list("kind", flat=True))


@pytest.mark.django_db
def test_the_sweep_alerts_once_escalates_once_and_is_idempotent(world, dispatched, settings):
    settings.CASE_DUE_SOON_WORKING_HOURS = 2
    u = world.users
    case = dispatched()
    assert sweep_deadlines(now=local(2025, 9, 30, 16, 30)) == {}  # 3.5 working hours left
    assert sweep_deadlines(now=local(2025, 10, 5, 12, 0)) == {}  # holiday: still 2.5 working hours left

    soon = local(2025, 10, 9, 9, 45)  # 1.75 working hours left
    assert sweep_deadlines(now=soon) == {AlertKind.RESPONSE_DUE_SOON: 1}
    assert sweep_deadlines(now=soon) == {}
    assert _inbox(u.cg_clerk) == ["cases.dispatched", "cases.deadline.response_due_soon"]

    late = local(2025, 10, 9, 11, 31)
    assert sweep_deadlines(now=late) == {AlertKind.RESPONSE_OVERDUE: 1, AlertKind.ESCALATED: 1}
    assert sweep_deadlines(now=late) == {}
    assert _inbox(u.cg_clerk2)[-1] == "cases.deadline.response_overdue"
    assert _inbox(u.district_clerk) == ["cases.escalated"]  # the supervising unit of 城管
    escalation = CaseEvent.objects.get(case=case, action="escalate")
    assert escalation.payload["to_unit"] == "U-CY"
    assert reload(case).version == case.version  # alerts never bump the version

    case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=local(2025, 10, 9, 11, 40))
    assert sweep_deadlines(now=local(2025, 10, 14, 16, 1)) == {AlertKind.RESOLUTION_OVERDUE: 1}
    case = services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="需协调",
                                      at=local(2025, 10, 14, 16, 5))
    services.approve_extension(case=case, actor=u.dispatcher, at=local(2025, 10, 14, 16, 10))
    assert sweep_deadlines(now=local(2025, 10, 14, 16, 30)) == {}
    # The moved deadline gets its own alert; the case does not escalate a second time.
    assert sweep_deadlines(now=local(2025, 10, 16, 16, 1)) == {AlertKind.RESOLUTION_OVERDUE: 1}
    assert _inbox(u.district_clerk) == ["cases.escalated"]
    assert CaseEvent.objects.filter(case=case, action="deadline_alert").count() == 4


@pytest.mark.django_db
def test_without_a_supervisor_the_command_centre_gets_the_escalation(world, new_case):
    u = world.users
    case = new_case(at=BEFORE_HOLIDAY)
    orphan = Unit.objects.create(code="U-NOSUP", name="无上级单位", kind="other", region=world.tree["street"])
    services.dispatch_case(case=case, actor=u.dispatcher, unit=orphan, at=BEFORE_HOLIDAY)
    sweep_deadlines(now=local(2025, 10, 20, 9, 0))
    assert _inbox(u.dispatcher)[-1] == "cases.escalated"


@pytest.mark.django_db
def test_the_command_runs_the_sweep_and_a_second_run_raises_nothing(world, dispatched):
    dispatched()
    out = StringIO()
    call_command("sweep_deadlines", stdout=out)
    assert "response_overdue: 1" in out.getvalue()
    assert "escalated: 1" in out.getvalue()
    again = StringIO()
    call_command("sweep_deadlines", stdout=again)
    assert again.getvalue().strip() == "No new deadline alerts."


def test_the_sweep_is_registered_as_a_periodic_job():
    from gongzhi.ops import schedule

    assert "gongzhi.cases.sweep.sweep_deadlines" in [job.path for job in schedule.registered()]

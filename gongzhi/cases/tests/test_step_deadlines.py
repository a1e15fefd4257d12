"""Every step on the clock: intake → dispatch, a whistle's report-in, an on-site verification and
the callback, each swept (alerted and escalated) once; callback attempts and "unreachable";
the time-to-dispatch and supervision figures."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from gongzhi.cases import services
from gongzhi.cases.models import Callback, CaseEvent, CaseState, Category, DeadlineMarker
from gongzhi.cases.sweep import sweep_steps
from gongzhi.notifications.models import Notification

from .conftest import MONDAY, local, reload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


def post(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def alerts(case):
    return sorted(DeadlineMarker.objects.filter(case=case).values_list("kind", flat=True))


# --- intake → dispatch --------------------------------------------------------------------

def test_dispatch_deadlines_follow_urgency_utilities_and_the_category(world, new_case, noise):
    normal = new_case()  # noise: 24 clock hours
    urgent = new_case(urgency="urgent")  # 1 hour
    water = new_case(category=Category.objects.get(code="0104"))  # a utility: 2 hours
    assert Category.objects.get(code="0104").is_utility
    noise.dispatch_hours_normal = 6
    noise.save()
    own = new_case()  # the category's own figure: 6 hours
    normal = reload(normal)
    assert sweep_steps(now=MONDAY + timedelta(minutes=59)) == {}
    assert sweep_steps(now=MONDAY + timedelta(minutes=61)) == {"dispatch_overdue": 1, "escalated": 1}
    assert alerts(urgent) == ["dispatch_overdue", "escalated"]
    assert sweep_steps(now=MONDAY + timedelta(hours=2, minutes=1)) == {"dispatch_overdue": 1, "escalated": 1}
    assert alerts(water) == ["dispatch_overdue", "escalated"]
    later = MONDAY + timedelta(hours=6, minutes=1)
    assert sweep_steps(now=later) == {"dispatch_overdue": 2, "escalated": 2}  # own and normal (now 6 h too)
    assert sweep_steps(now=later) == {}  # idempotent
    assert sweep_steps(now=MONDAY + timedelta(days=3)) == {}
    assert alerts(own) == ["dispatch_overdue", "escalated"]
    # The command centre's dispatchers are told; the escalation goes to its supervising unit.
    assert Notification.objects.filter(user=world.users.dispatcher, kind="cases.deadline.dispatch_overdue").count() == 4
    assert Notification.objects.filter(user=world.users.district_clerk, kind="cases.escalated").count() == 4
    assert CaseEvent.objects.filter(case=urgent, action="deadline_alert").count() == 1


def test_a_case_dispatched_in_time_and_a_consultation_are_not_alerted(world, new_case):
    case = new_case()
    services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan,
                           at=MONDAY + timedelta(hours=1))
    consultation = new_case(category=Category.objects.filter(is_consultation=True).exclude(parent=None).first())
    assert sweep_steps(now=MONDAY + timedelta(days=2)) == {}
    assert alerts(case) == [] and alerts(consultation) == []


# --- report-in and on-site verification -------------------------------------------------------

def test_a_late_report_in_is_alerted_and_escalated_once_per_unit(world, case_in):
    u = world.users
    case = case_in(CaseState.RECEIVED)
    services.whistle_case(case=case, actor=u.dispatcher, units=[world.units.water, world.units.chengguan],
                          report_within_hours=2, at=MONDAY)
    services.report_in(case=reload(case), actor=u.cg_clerk, at=MONDAY + timedelta(hours=1))
    assert sweep_steps(now=local(2025, 9, 15, 11, 59)) == {}
    evening = local(2025, 9, 15, 17, 0)
    assert sweep_steps(now=evening) == {"report_in_overdue": 1, "escalated": 1}
    assert sweep_steps(now=evening) == {}
    marker = DeadlineMarker.objects.get(case=case, kind="report_in_overdue")
    assert marker.subject.startswith("response:")
    assert Notification.objects.filter(user=u.water_clerk, kind="cases.deadline.report_in_overdue").exists()
    assert Notification.objects.filter(user=u.district_clerk, kind="cases.escalated").exists()
    # A second whistle's report-in gets its own alert.
    services.whistle_case(case=reload(case), actor=u.dispatcher, units=[world.units.water], report_within_hours=1,
                          at=evening)
    tuesday = local(2025, 9, 16, 12, 0)  # the case still waits for dispatch, due Tuesday 10:00
    assert sweep_steps(now=tuesday) == {"report_in_overdue": 1, "dispatch_overdue": 1, "escalated": 2}
    assert sweep_steps(now=tuesday) == {}
    assert DeadlineMarker.objects.filter(case=case, kind="report_in_overdue").count() == 2


def test_a_late_verification_is_alerted_once(world, case_in):
    u = world.users
    case = case_in(CaseState.RECEIVED)
    services.request_verification(case=case, actor=u.dispatcher, within_hours=2, at=MONDAY)
    assert sweep_steps(now=local(2025, 9, 15, 11, 30)) == {}
    late = local(2025, 9, 15, 16, 0)
    assert sweep_steps(now=late) == {"verification_overdue": 1, "escalated": 1}
    assert sweep_steps(now=late) == {}
    assert Notification.objects.filter(user=u.grid_a1, kind="cases.deadline.verification_overdue").exists()
    assert not Notification.objects.filter(user=u.grid_b1, kind="cases.deadline.verification_overdue").exists()
    services.verify_case(case=reload(case), actor=u.grid_a1, finding="confirmed", at=late)
    assert sweep_steps(now=late + timedelta(days=1)) == {"dispatch_overdue": 1, "escalated": 1}  # the next step


# --- the callback ------------------------------------------------------------------------------

def test_a_late_callback_is_alerted_once_and_cleared_by_a_reopening(world, case_in, settings):
    settings.CASE_CALLBACK_WORKING_DAYS = 2
    case = case_in(CaseState.REPLIED)  # replied Monday 10:00: the callback is due Wednesday 10:00
    assert sweep_steps(now=local(2025, 9, 17, 9, 59)) == {}
    thursday = local(2025, 9, 18, 9, 0)
    assert sweep_steps(now=thursday) == {"callback_overdue": 1, "escalated": 1}
    assert sweep_steps(now=thursday) == {}
    assert Notification.objects.filter(user=world.users.dispatcher, kind="cases.deadline.callback_overdue").exists()
    services.record_callback(case=reload(case), actor=world.users.dispatcher, solved=False,
                             satisfaction="unsatisfied", at=thursday)
    assert alerts(case) == ["escalated"]  # the callback's alert went with the deadline; the escalation stays


def test_three_unsuccessful_attempts_close_the_case_as_unreachable(world, case_in, client):
    case = case_in(CaseState.REPLIED)
    client.force_login(world.users.resident)  # the reporter may give a verdict, not record attempts
    assert post(client, f"{URL}{case.pk}/callback-attempt", {"note": "无人接听"}).status_code == 403
    client.force_login(world.users.neighbour)
    assert post(client, f"{URL}{case.pk}/callback-attempt", {"note": "无人接听"}).status_code == 404
    client.force_login(world.users.grid_a1)
    assert post(client, f"{URL}{case.pk}/callback-attempt", {"note": "无人接听"}).status_code == 403
    client.force_login(world.users.dispatcher)
    for attempt in (1, 2):
        answer = post(client, f"{URL}{case.pk}/callback-attempt", {"note": f"第{attempt}次未接通"})
        assert answer.status_code == 200, answer.content
        assert answer.json()["state"] == "replied"
        assert answer.json()["callback_due"] is not None
    last = post(client, f"{URL}{case.pk}/callback-attempt", {"note": "空号"})
    assert last.status_code == 200 and last.json()["state"] == "closed"
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions[-4:] == ["callback_attempt", "callback_attempt", "callback_attempt", "callback_unreachable"]
    assert CaseEvent.objects.filter(case=case, action="callback_attempt").last().payload["attempt"] == 3
    assert not Callback.objects.filter(case=case).exists()  # no verdict: it counts in no rate
    assert post(client, f"{URL}{case.pk}/callback-attempt", {}).status_code == 409
    nul = post(client, f"{URL}{case_in(CaseState.REPLIED).pk}/callback-attempt", {"note": "a" * 2001})
    assert nul.status_code == 422 and "note" in nul.json()["errors"]


def test_attempts_count_from_the_latest_reply(world, case_in, settings):
    settings.CASE_CALLBACK_MAX_ATTEMPTS = 2
    u = world.users
    case = case_in(CaseState.REPLIED)
    case = services.record_callback_attempt(case=case, actor=u.dispatcher, note="无人接听")
    case = services.record_callback(case=case, actor=u.dispatcher, solved=False, satisfaction="unsatisfied")
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    case = services.reply_case(case=case, actor=u.cg_clerk, content="再次处理")
    case = services.record_callback_attempt(case=case, actor=u.dispatcher)
    assert case.state == CaseState.REPLIED  # one attempt since the new reply
    case = services.record_callback_attempt(case=case, actor=u.dispatcher)
    assert case.state == CaseState.CLOSED


def test_the_command_sweeps_the_steps(world, case_in, capsys):
    case_in(CaseState.RECEIVED)
    call_command("sweep_steps")
    first = capsys.readouterr().out
    assert "dispatch_overdue: 1" in first
    call_command("sweep_steps")
    assert "No new step alerts or cards." in capsys.readouterr().out


# --- figures -----------------------------------------------------------------------------------

def test_time_to_dispatch_per_dispatcher_and_subdistrict(world, new_case, client):
    u = world.users
    quick, slow = new_case(), new_case(urgency="urgent")
    services.dispatch_case(case=quick, actor=u.dispatcher, unit=world.units.chengguan,
                           at=MONDAY + timedelta(minutes=30))
    services.dispatch_case(case=slow, actor=u.dispatcher, unit=world.units.chengguan,
                           at=MONDAY + timedelta(minutes=90))
    # A re-dispatch is not a new first dispatch.
    services.dispatch_case(case=reload(quick), actor=u.dispatcher, unit=world.units.water, reason="供水问题",
                           at=MONDAY + timedelta(hours=5))
    client.force_login(u.leader)
    answer = client.get(f"{URL}metrics/time-to-dispatch", {"start": "2025-09-15", "end": "2025-09-15"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["total"]["dispatched"] == 2 and body["total"]["on_time"] == 1  # the urgent one was late
    assert body["total"]["average_minutes"] == 60.0 and body["total"]["median_minutes"] == 60.0
    assert [(r["key"], r["dispatched"]) for r in body["rows"]] == [("dispatcher", 2)]
    by_place = client.get(f"{URL}metrics/time-to-dispatch", {"month": "2025-09", "by": "subdistrict"}).json()
    assert [(r["key"], r["name"], r["dispatched"]) for r in by_place["rows"]] == [("110105001000", "建外街道", 2)]
    bad = client.get(f"{URL}metrics/time-to-dispatch", {"month": "2025-13"})
    assert bad.status_code == 422
    client.force_login(u.resident)
    assert client.get(f"{URL}metrics/time-to-dispatch", {"month": "2025-09"}).status_code == 403


def test_supervision_counted_per_unit(world, case_in, client):
    u = world.users
    case = case_in(CaseState.IN_PROGRESS)
    services.urge_case(case=case, actor=u.dispatcher, message="请加快", at=MONDAY)
    services.red_card(case=case, actor=u.leader, reason="超时严重", at=MONDAY)
    services.instruct_case(case=case, actor=u.leader, message="务必办好", at=MONDAY)
    client.force_login(u.leader)
    answer = client.get(f"{URL}metrics/supervision", {"month": "2025-09"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["rows"] == [{"key": "U-CG", "name": "朝阳区城管执法局", "urge": 1, "yellow": 0, "red": 1,
                                      "instruction": 1, "pending": 1, "by_rule": 0}]
    client.force_login(u.grid_a1)
    assert client.get(f"{URL}metrics/supervision", {"month": "2025-09"}).status_code == 403

"""The 大党委: part-time members with terms, joint meetings, decisions on the working-day calendar, the sweep."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride
from gongzhi.notifications.models import Notification
from gongzhi.party import services, sweep
from gongzhi.party.models import Decision, DecisionAlert, DecisionState, MeetingState, PartTimeMember

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def committee(party_tree):
    return party_tree["comm_a"]


@pytest.fixture
def held(tree, staff, committee, make_unit):
    hospital = make_unit(tree["grid_a2"], name="建外医院")
    school = make_unit(tree["grid_a1"], name="建外中学")
    services.report_unit(actor=staff["a"], unit=school, party_leader="周书记")
    member = services.add_part_time_member(actor=staff["a"], committee=committee, name="李院长", unit=hospital,
                                           position="党委书记", phone="13900001111",
                                           term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    services.add_part_time_member(actor=staff["a"], committee=committee, name="前任委员", unit=hospital,
                                  term_start=date(2020, 1, 1), term_end=date(2022, 12, 31))
    # Tuesday 1 December 2026, 09:00.
    meeting = services.schedule_meeting(actor=staff["a"], committee=committee, title="第四季度联席会议",
                                        starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ),
                                        agenda="1. 老旧小区加装电梯\n2. 冬季供暖", place="社区会议室")
    names = sorted(meeting.attendance.values_list("name", flat=True))
    assert names == ["周书记", "李院长"]  # the member serving that day and the reporting unit's leader
    present = [meeting.attendance.get(name="李院长").pk]
    meeting = services.record_meeting(actor=staff["a"], meeting=meeting, minutes="议定两项", present=present,
                                      guests=["街道王科长"])
    return {"meeting": meeting, "hospital": hospital, "school": school, "member": member}


def test_part_time_members_have_a_unit_and_a_term(tree, staff, party_tree, committee, make_unit):
    unit = make_unit(tree["grid_a1"])
    with pytest.raises(ValidationError) as err:
        services.add_part_time_member(actor=staff["a"], committee=committee, name="王", unit=unit,
                                      term_start=date(2026, 1, 1), term_end=date(2025, 1, 1))
    assert "term_end" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.add_part_time_member(actor=staff["a"], committee=party_tree["branch"], name="王", unit=unit,
                                      term_start=date(2026, 1, 1), term_end=date(2027, 1, 1))
    assert "committee" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.add_part_time_member(actor=staff["b"], committee=committee, name="王", unit=unit,
                                      term_start=date(2026, 1, 1), term_end=date(2027, 1, 1))
    member = services.add_part_time_member(actor=staff["a"], committee=committee, name="王", unit=unit,
                                           phone="139 0000 2222", term_start=date(2026, 1, 1),
                                           term_end=date(2027, 1, 1))
    assert member.phone_masked == "139****2222" and member.phone_index
    assert PartTimeMember.objects.count() == 1
    event = AuditEvent.objects.get(action="party.part_time.add")
    assert "13900002222" not in str(event.changes)


def test_meeting_attendance_and_minutes(held):
    meeting = held["meeting"]
    assert meeting.state == MeetingState.HELD
    rows = {row.name: row.present for row in meeting.attendance.all()}
    assert rows == {"李院长": True, "周书记": False, "街道王科长": True}


def test_a_meeting_in_the_future_cannot_be_recorded_and_a_held_one_not_twice(staff, committee, held):
    future = services.schedule_meeting(actor=staff["a"], committee=committee, title="下次会议",
                                       starts_at=datetime(2099, 1, 1, 9, tzinfo=TZ), agenda="待定")
    with pytest.raises(ValidationError):
        services.record_meeting(actor=staff["a"], meeting=future, minutes="x")
    with pytest.raises(ValidationError):
        services.record_meeting(actor=staff["a"], meeting=held["meeting"], minutes="again")
    with pytest.raises(ValidationError):
        services.add_decision(actor=staff["a"], meeting=future, text="x", owner_name="y", working_days=3)


def test_decision_deadline_is_on_the_working_day_calendar(tree, staff, held):
    meeting = held["meeting"]
    # Five working days from Tuesday 1 December: Tuesday 8 December, office closing time.
    decision = services.add_decision(actor=staff["a"], meeting=meeting, text="加装电梯方案征求意见",
                                     owner_name="李院长", owner_unit=held["hospital"], working_days=5)
    assert decision.due_at == workcal.add_working_days(meeting.starts_at, 5, region=tree["comm_a"].code)
    # A local day off in the community moves a new decision's deadline; elsewhere nothing moves.
    CalendarOverride.objects.create(date=date(2026, 12, 3), kind="holiday", note="社区活动日",
                                    region_code=tree["comm_a"].prefix)
    workcal.invalidate()
    later = services.add_decision(actor=staff["a"], meeting=meeting, text="供暖巡查", owner_name="周书记",
                                  working_days=5)
    assert later.due_at > decision.due_at
    for bad in ({"working_days": 0}, {"working_days": "x"}, {"owner_name": " "}, {"text": ""}):
        values = {"text": "x", "owner_name": "y", "working_days": 3, **bad}
        with pytest.raises(ValidationError):
            services.add_decision(actor=staff["a"], meeting=meeting, **values)


def test_decisions_are_tracked_to_done(staff, held):
    decision = services.add_decision(actor=staff["a"], meeting=held["meeting"], text="方案", owner_name="李院长",
                                     working_days=5)
    with pytest.raises(ValidationError):
        services.complete_decision(actor=staff["a"], decision=decision, outcome="")
    with pytest.raises(PermissionDenied):
        services.complete_decision(actor=staff["b"], decision=decision, outcome="完成")
    done = services.complete_decision(actor=staff["a"], decision=decision, outcome="方案已公示", version=1)
    assert done.state == DecisionState.DONE and done.done_at is not None
    with pytest.raises(ValidationError):
        services.drop_decision(actor=staff["a"], decision=decision, reason="撤销")
    other = services.add_decision(actor=staff["a"], meeting=held["meeting"], text="b", owner_name="c", working_days=2)
    extended = services.extend_decision(actor=staff["a"], decision=other, working_days=3, reason="等待审批")
    assert extended.due_at > other.due_at and extended.working_days == 5
    with pytest.raises(ValidationError):
        services.complete_decision(actor=staff["a"], decision=other, outcome="x", version=1)  # stale version


def test_the_sweep_alerts_once_when_due_soon_and_once_when_overdue(staff, held):
    decision = services.add_decision(actor=staff["a"], meeting=held["meeting"], text="方案", owner_name="李院长",
                                     working_days=5)
    early = decision.due_at - timedelta(days=6)
    assert sweep.sweep_decisions(now=early) == {}
    soon = decision.due_at - timedelta(hours=3)
    assert sweep.sweep_decisions(now=soon) == {"due_soon": 1}
    assert sweep.sweep_decisions(now=soon) == {}
    late = decision.due_at + timedelta(hours=1)
    assert sweep.sweep_decisions(now=late) == {"overdue": 1}
    assert sweep.sweep_decisions(now=late + timedelta(days=1)) == {}
    told = Notification.objects.filter(kind__startswith="party.decision.")
    assert {n.user for n in told} == {staff["a"]} and told.count() == 2
    # An extension is a new deadline, alerted afresh; a finished decision is not swept.
    services.extend_decision(actor=staff["a"], decision=decision, working_days=2, reason="延期")
    decision.refresh_from_db()
    assert sweep.sweep_decisions(now=decision.due_at + timedelta(minutes=1)) == {"overdue": 1}
    services.complete_decision(actor=staff["a"], decision=decision, outcome="完成")
    assert sweep.sweep_decisions(now=decision.due_at + timedelta(days=3)) == {}
    assert DecisionAlert.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_completing_one_decision_at_once(staff, held):
    from django.db import close_old_connections
    from django.utils import translation

    decision = services.add_decision(actor=staff["a"], meeting=held["meeting"], text="方案", owner_name="李院长",
                                     working_days=5)
    barrier, results = threading.Barrier(2), []

    def complete(outcome):
        translation.activate("en")
        try:
            barrier.wait()
            services.complete_decision(actor=staff["a"], decision=decision, outcome=outcome)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=complete, args=(f"结果{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
    assert AuditEvent.objects.filter(action="party.decision.done").count() == 1

"""A local holiday (a calendar override for part of the region tree) moves the deadlines of the cases
in that part only: dispatch, acknowledgement verdicts, extensions, reopenings, whistles, verifications
and the sweep all count on the calendar of the case's region code.

Community A (永安里, grid A1) is closed on Tuesday 16 and Wednesday 24 September 2025, both national
working days; grid B1 (光华里) works as usual. Office hours 09:00–12:00 and 13:30–17:30. Category 0201:
response 4 working hours, resolution 5 working days.
"""

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import AlertKind, CaseEvent
from gongzhi.cases.sweep import sweep_deadlines
from gongzhi.core import workcal
from gongzhi.workdays import services as workdays

from .conftest import POINT_B1, local

pytestmark = pytest.mark.django_db

MONDAY_1600 = local(2025, 9, 15, 16, 0)


@pytest.fixture(autouse=True)
def community_a_closed(world, settings):
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    workcal.reset()
    for day in (16, 24):
        workdays.set_override(actor=world.users.admin, date=local(2025, 9, day).date(), kind="holiday",
                             region=world.tree["comm_a"].code, note="社区停电检修")
    yield
    workcal.reset()


@pytest.fixture
def dispatched(world, new_case):
    def make(point=None, at=MONDAY_1600):
        extra = {"point": point} if point else {}
        case = new_case(at=at, **extra)
        return services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan, at=at)

    return make


def test_a_case_in_the_closed_community_gets_its_deadlines_moved_and_one_elsewhere_does_not(world, dispatched):
    in_a = dispatched()
    in_b = dispatched(POINT_B1)
    assert (in_a.region_code, in_b.region_code) == (world.tree["grid_a1"].code, world.tree["grid_b1"].code)
    # 16:00–17:30 Monday, then 2.5 h on the next working day: Wednesday in A, Tuesday in B.
    assert in_a.response_due == local(2025, 9, 17, 11, 30)
    assert in_b.response_due == local(2025, 9, 16, 11, 30)
    # 5 working days, same clock time: A counts 17, 18, 19, 22, 23; B counts 16, 17, 18, 19, 22.
    assert in_a.resolution_due == local(2025, 9, 23, 16, 0)
    assert in_b.resolution_due == local(2025, 9, 22, 16, 0)
    assert CaseEvent.objects.get(case=in_a, action="dispatch").payload["response_due"] == "2025-09-17T11:30:00+08:00"

    # Acknowledged at the same moment: on time in A, late in B.
    u = world.users
    at = local(2025, 9, 17, 10, 0)
    in_a = services.acknowledge_case(case=in_a, actor=u.cg_clerk, at=at)
    in_b = services.acknowledge_case(case=in_b, actor=u.cg_clerk, at=at)
    assert CaseEvent.objects.get(case=in_a, action="acknowledge").on_time is True
    assert CaseEvent.objects.get(case=in_b, action="acknowledge").on_time is False

    # Two more working days: A skips Wednesday 24 as well.
    for case in (in_a, in_b):
        case = services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="需协调施工单位",
                                          at=local(2025, 9, 18, 9, 0))
        services.approve_extension(case=case, actor=u.dispatcher, at=local(2025, 9, 18, 10, 0))
    in_a.refresh_from_db()
    in_b.refresh_from_db()
    assert in_a.resolution_due == local(2025, 9, 26, 16, 0)
    assert in_b.resolution_due == local(2025, 9, 24, 16, 0)


def test_a_reopened_case_counts_its_fresh_deadlines_on_its_region_calendar(world, dispatched):
    u = world.users
    reopened = []
    for point in (None, POINT_B1):
        case = dispatched(point, at=local(2025, 9, 15, 9, 0))
        case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=local(2025, 9, 15, 9, 30))
        case = services.reply_case(case=case, actor=u.cg_clerk, content="已处理", at=local(2025, 9, 15, 10, 0))
        reopened.append(services.record_callback(case=case, actor=u.resident, solved=False,
                                                 satisfaction="unsatisfied", at=MONDAY_1600))
    in_a, in_b = reopened
    assert (in_a.state, in_a.response_due, in_a.resolution_due) == (
        "dispatched", local(2025, 9, 17, 11, 30), local(2025, 9, 23, 16, 0))
    assert (in_b.state, in_b.response_due, in_b.resolution_due) == (
        "dispatched", local(2025, 9, 16, 11, 30), local(2025, 9, 22, 16, 0))


def test_whistle_and_verification_deadlines_count_on_the_case_region(world, dispatched):
    u, un = world.users, world.units
    at = local(2025, 9, 15, 17, 0)
    in_a, in_b = dispatched(), dispatched(POINT_B1)
    for case, day in ((in_a, 17), (in_b, 16)):
        case = services.whistle_case(case=case, actor=u.dispatcher, units=[un.water], report_within_hours=2, at=at)
        assert case.whistles.get().report_by == local(2025, 9, day, 10, 30)
        case = services.request_verification(case=case, actor=u.dispatcher, within_hours=2, at=at)
        assert case.verifications.get().due_at == local(2025, 9, day, 10, 30)


def test_the_sweep_counts_the_time_left_on_the_case_region_calendar(world, dispatched, settings):
    settings.CASE_DUE_SOON_WORKING_HOURS = 3
    case = dispatched()  # response due Wednesday 11:30
    # Tuesday 15:00: community A is closed, so only Wednesday 09:00–11:30 is left (2.5 h, due soon);
    # on the deployment's calendar 5 working hours would be left.
    assert sweep_deadlines(now=local(2025, 9, 16, 15, 0)) == {AlertKind.RESPONSE_DUE_SOON: 1}
    assert case.deadline_markers.filter(kind=AlertKind.RESPONSE_DUE_SOON).exists()

"""A loaded 2027 holiday schedule moves deadlines; deadlines counted without one are marked on the case.

chinesecalendar 1.11 does not know 2027. The schedule loaded here (a sample, not the official one) has a
week-long Spring Festival, Saturday 6 – Friday 12 February 2027. Office hours 09:00–12:00 and 13:30–17:30;
category 0201: response 4 working hours, resolution 5 working days.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from gongzhi.cases import selectors, services
from gongzhi.cases.models import CaseEvent
from gongzhi.core import workcal

from .conftest import local

pytestmark = pytest.mark.django_db

FRIDAY_1600 = local(2027, 2, 5, 16, 0)  # the eve of the Spring Festival week
SCHEDULE = "date,kind,name\n" + "".join(f"2027-02-{day:02d},holiday,春节\n" for day in range(6, 13)) + \
    "2027-01-31,workday,春节调休\n2027-02-20,workday,春节调休\n"


@pytest.fixture(autouse=True)
def fresh_calendar(settings):
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    workcal.reset()
    yield
    workcal.reset()


@pytest.fixture
def schedule_file(tmp_path):
    path = tmp_path / "holidays-2027.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    return path


def dispatch(world, new_case):
    case = new_case(at=FRIDAY_1600)
    return services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan,
                                  at=FRIDAY_1600)


def test_the_loaded_spring_festival_moves_the_dispatch_deadlines_and_unmarks_them(world, new_case, schedule_file,
                                                                                  client):
    before = dispatch(world, new_case)
    # No schedule: Monday to Friday. 1.5 h on Friday, 2.5 h on Monday 8; five days 8–12 February.
    assert before.response_due == local(2027, 2, 8, 11, 30)
    assert before.resolution_due == local(2027, 2, 12, 16, 0)
    event = CaseEvent.objects.get(case=before, action="dispatch")
    assert event.payload["calendar_unscheduled"] is True
    assert list(selectors.cases_with_unscheduled_deadlines(world.users.admin)) == [before]
    client.force_login(world.users.dispatcher)
    page = client.get(reverse("console_case", args=[before.pk])).content.decode()
    assert "data-calendar-unscheduled" in page

    out = StringIO()
    call_command("calendar_year", "load", str(schedule_file), "--year", "2027", stdout=out)
    assert "9" in out.getvalue()
    assert workcal.is_year_scheduled(2027)

    after = dispatch(world, new_case)
    # The festival week is off: the deadlines land a week later, on 15 and 19 February.
    assert after.response_due == local(2027, 2, 15, 11, 30)
    assert after.resolution_due == local(2027, 2, 19, 16, 0)
    assert "calendar_unscheduled" not in CaseEvent.objects.get(case=after, action="dispatch").payload
    assert list(selectors.cases_with_unscheduled_deadlines(world.users.admin)) == [before]
    page = client.get(reverse("console_case", args=[after.pk])).content.decode()
    assert "data-calendar-unscheduled" not in page

    # The acknowledgement verdict counts on the loaded calendar too: on Monday 15 at 10:00 it is on time.
    acked = services.acknowledge_case(case=after, actor=world.users.cg_clerk, at=local(2027, 2, 15, 10, 0))
    assert acked.acknowledged_at <= acked.response_due


def test_an_extension_across_an_unscheduled_year_is_marked(world, new_case):
    case = new_case(at=local(2026, 12, 28, 10, 0))
    case = services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan,
                                  at=local(2026, 12, 28, 10, 0))
    # 28 December 2026 + 5 working days reaches into 2027, which has no schedule.
    assert CaseEvent.objects.get(case=case, action="dispatch").payload["calendar_unscheduled"] is True
    case = services.acknowledge_case(case=case, actor=world.users.cg_clerk, at=local(2026, 12, 28, 11, 0))
    case = services.request_extension(case=case, actor=world.users.cg_clerk, days=3, reason="需协调多个部门",
                                      at=local(2026, 12, 29, 10, 0))
    case = services.approve_extension(case=case, actor=world.users.dispatcher, at=local(2026, 12, 29, 11, 0))
    assert CaseEvent.objects.get(case=case, action="approve_extension").payload["calendar_unscheduled"] is True


def test_a_deadline_inside_a_known_year_is_not_marked(world, new_case):
    case = new_case(at=local(2026, 3, 2, 10, 0))
    case = services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan,
                                  at=local(2026, 3, 2, 10, 0))
    assert "calendar_unscheduled" not in CaseEvent.objects.get(case=case, action="dispatch").payload
    assert not selectors.has_unscheduled_deadline(case)


def test_a_whistle_whose_report_in_falls_in_an_unscheduled_year_is_marked(world, new_case):
    at = local(2026, 12, 31, 16, 0)
    case = services.dispatch_case(case=new_case(at=at), actor=world.users.dispatcher, unit=world.units.chengguan,
                                  at=at)
    case = services.acknowledge_case(case=case, actor=world.users.cg_clerk, at=at)
    # 1.5 working hours on 31 December, the other 2.5 in January 2027, which has no schedule.
    case = services.whistle_case(case=case, actor=world.users.dispatcher, units=[world.units.water],
                                 report_within_hours=4, at=at)
    assert CaseEvent.objects.get(case=case, action="whistle").payload["calendar_unscheduled"] is True

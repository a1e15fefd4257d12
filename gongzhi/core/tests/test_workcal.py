"""The working-day calendar on known dates: holiday weeks, the deadline rules, bad input and settings."""

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from gongzhi.core import workcal

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def _default_office_hours(settings):
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    settings.TIME_ZONE = "Asia/Shanghai"


def off_and_on(first, last):
    """(non-working days, working days) from ``first`` to ``last``."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return ([d for d in days if not workcal.is_working_day(d)], [d for d in days if workcal.is_working_day(d)])


# --- the holiday weeks -----------------------------------------------------------------

def test_spring_festival_2025_with_its_working_sunday_and_saturday():
    off, on = off_and_on(date(2025, 1, 25), date(2025, 2, 9))
    assert off == [date(2025, 1, 25)] + [date(2025, 1, d) for d in range(28, 32)] + [
        date(2025, 2, d) for d in range(1, 5)] + [date(2025, 2, 9)]
    assert date(2025, 1, 26) in on  # Sunday, 调休
    assert date(2025, 2, 8) in on  # Saturday, 调休


def test_national_day_2025_with_its_working_sunday_and_saturday():
    off, on = off_and_on(date(2025, 9, 27), date(2025, 10, 12))
    assert off == [date(2025, 9, 27)] + [date(2025, 10, d) for d in range(1, 9)] + [date(2025, 10, 12)]
    assert date(2025, 9, 28) in on and date(2025, 10, 11) in on


def test_holiday_weeks_of_2026():
    off, on = off_and_on(date(2026, 2, 14), date(2026, 2, 28))
    assert off == [date(2026, 2, d) for d in range(15, 24)]
    assert on[0] == date(2026, 2, 14) and on[-1] == date(2026, 2, 28)  # both Saturdays, 调休
    off, on = off_and_on(date(2026, 9, 19), date(2026, 10, 11))
    assert date(2026, 9, 20) in on and date(2026, 10, 10) in on  # Sunday and Saturday, 调休
    assert [d for d in off if d.month == 10] == [date(2026, 10, d) for d in (1, 2, 3, 4, 5, 6, 7, 11)]


def test_a_case_registered_on_the_eve_of_national_day():
    registered = at(2025, 9, 30, 16, 0)  # Tuesday afternoon, the last working day before the holiday
    # 3 working days: Thursday 9 and Friday 10 October, then the working Saturday 11 October
    assert workcal.add_working_days(registered, 3) == at(2025, 10, 11, 16, 0)
    # 2 working hours: 1.5 h left on the eve, the rest when the office reopens
    assert workcal.add_working_hours(registered, 2) == at(2025, 10, 9, 9, 30)
    assert workcal.working_time_between(registered, at(2025, 10, 9, 9, 30)) == timedelta(hours=2)
    assert workcal.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


def test_a_case_registered_on_the_eve_of_the_spring_festival_2025():
    registered = at(2025, 1, 27, 10, 15)  # Monday; the holiday runs 28 January - 4 February
    assert workcal.add_working_days(registered, 3) == at(2025, 2, 7, 10, 15)
    assert workcal.add_working_days(at(2025, 1, 24, 19, 0), 3) == at(2025, 2, 5, 17, 30)  # Fri evening: Sun 26, Mon 27, Wed 5


def test_a_case_registered_in_the_spring_festival_2026():
    assert workcal.add_working_days(at(2026, 2, 13, 15, 0), 5) == at(2026, 2, 27, 15, 0)  # Sat 14, then 24-27
    assert workcal.add_working_days(at(2026, 2, 18, 11, 0), 1) == at(2026, 2, 24, 17, 30)
    assert workcal.next_working_moment(at(2026, 2, 18, 11, 0)) == at(2026, 2, 24, 9, 0)


# --- the rules -----------------------------------------------------------------------------

@pytest.mark.parametrize(("registered", "deadline"), [
    (at(2025, 3, 3, 10, 15), at(2025, 3, 6, 10, 15)),  # inside office hours: same clock time
    (at(2025, 3, 3, 17, 30), at(2025, 3, 6, 17, 30)),  # at closing: same clock time
    (at(2025, 3, 3, 8, 0), at(2025, 3, 5, 17, 30)),  # before opening: Monday is day 1
    (at(2025, 3, 3, 9, 0), at(2025, 3, 5, 17, 30)),  # at the opening instant: the same
    (at(2025, 3, 3, 18, 0), at(2025, 3, 6, 17, 30)),  # after closing: Tuesday is day 1
    (at(2025, 3, 1, 10, 0), at(2025, 3, 5, 17, 30)),  # Saturday: Monday is day 1
    (at(2025, 3, 3, 12, 30), at(2025, 3, 6, 12, 0)),  # lunch break: end of the morning
])
def test_add_working_days_rules(registered, deadline):
    assert workcal.add_working_days(registered, 3) == deadline
    assert workcal.working_time_between(registered, deadline) == 3 * timedelta(hours=7)


def test_add_working_hours_ends_at_closing_not_next_morning_and_skips_lunch():
    assert workcal.add_working_hours(at(2025, 3, 3, 17, 0), 0.5) == at(2025, 3, 3, 17, 30)
    assert workcal.add_working_hours(at(2025, 3, 3, 11, 0), 2) == at(2025, 3, 3, 14, 30)
    assert workcal.add_working_hours(at(2025, 3, 7, 17, 0), 1) == at(2025, 3, 10, 9, 30)  # Friday → Monday
    assert workcal.add_working_hours(at(2025, 3, 10, 9, 30), -1) == at(2025, 3, 7, 17, 0)
    assert workcal.add_working_hours(at(2025, 3, 3, 20, 0), 0) == at(2025, 3, 3, 20, 0)


def test_hours_in_every_accepted_form():
    start = at(2025, 3, 3, 9, 0)
    expected = at(2025, 3, 3, 14, 0)
    for hours in (3.5, Decimal("3.5"), timedelta(hours=3, minutes=30)):
        assert workcal.add_working_hours(start, hours) == expected
    assert workcal.add_working_hours(start, 1 / 3) == at(2025, 3, 3, 9, 20)


def test_working_time_between_is_negative_backwards_and_zero_outside_office_hours():
    assert workcal.working_time_between(at(2025, 3, 4, 10, 0), at(2025, 3, 3, 17, 0)) == -timedelta(hours=1.5)
    assert workcal.working_time_between(at(2025, 3, 3, 18, 0), at(2025, 3, 4, 8, 0)) == timedelta(0)
    assert workcal.working_time_between(at(2025, 3, 3, 12, 0), at(2025, 3, 3, 13, 30)) == timedelta(0)
    assert workcal.working_time_between(at(2025, 3, 1, 0, 0), at(2025, 3, 8, 0, 0)) == timedelta(hours=35)


def test_next_working_moment_and_in_office_hours():
    assert workcal.next_working_moment(at(2025, 3, 3, 10, 0)) == at(2025, 3, 3, 10, 0)
    assert workcal.next_working_moment(at(2025, 3, 3, 12, 0)) == at(2025, 3, 3, 13, 30)
    assert workcal.next_working_moment(at(2025, 3, 3, 17, 30)) == at(2025, 3, 4, 9, 0)
    assert workcal.in_office_hours(at(2025, 3, 3, 9, 0))
    assert not workcal.in_office_hours(at(2025, 3, 3, 17, 30))
    assert not workcal.in_office_hours(at(2025, 3, 1, 10, 0))


def test_other_time_zones_in_shanghai_out():
    utc = datetime(2025, 3, 3, 2, 15, tzinfo=UTC)  # 10:15 in Beijing
    deadline = workcal.add_working_days(utc, 3)
    assert deadline == at(2025, 3, 6, 10, 15)
    assert deadline.tzinfo == SH and deadline.hour == 10
    assert workcal.is_working_day(datetime(2025, 3, 2, 17, 0, tzinfo=UTC))  # already Monday in Beijing


def test_working_days_between_counts_after_the_first_up_to_the_last():
    assert workcal.working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 5
    assert workcal.working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == -5
    assert workcal.working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0
    assert workcal.nth_working_day(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert workcal.nth_working_day(date(2025, 3, 10), -1) == date(2025, 3, 7)


def test_spans_of_many_years():
    assert workcal.working_days_between(date(2019, 12, 31), date(2025, 12, 31)) == sum(
        workcal.working_days_between(date(y - 1, 12, 31), date(y, 12, 31)) for y in range(2020, 2026))
    # 2025: 261 weekdays - 18 weekday holidays + 5 adjusted working weekend days
    assert workcal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert workcal.nth_working_day(date(2024, 12, 31), 248) == date(2025, 12, 31)
    assert workcal.nth_working_day(date(2025, 12, 31), -247) == date(2025, 1, 2)  # 1 January is a holiday
    assert workcal.working_time_between(at(2024, 12, 31, 17, 30), at(2025, 12, 31, 17, 30)) == 248 * timedelta(hours=7)


def test_describe_day_says_why():
    assert workcal.describe_day(date(2025, 1, 26)) == workcal.DayInfo(date(2025, 1, 26), True, "statutory",
                                                                      "Spring Festival")
    assert workcal.describe_day(date(2025, 10, 3)).working is False
    assert workcal.describe_day(date(2025, 3, 1)) == workcal.DayInfo(date(2025, 3, 1), False, "weekend")


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: workcal.add_working_days(datetime(2025, 3, 3, 10), 1),
    lambda: workcal.add_working_hours(datetime(2025, 3, 3, 10), 1),
    lambda: workcal.working_time_between(datetime(2025, 3, 3, 10), at(2025, 3, 4, 10)),
    lambda: workcal.working_time_between(at(2025, 3, 3, 10), datetime(2025, 3, 4, 10)),
    lambda: workcal.next_working_moment(datetime(2025, 3, 3, 10)),
    lambda: workcal.is_working_day(datetime(2025, 3, 3, 10)),
    lambda: workcal.add_working_days(at(2025, 3, 3, 10), -1),
    lambda: workcal.add_working_hours(at(2025, 3, 3, 10), float("nan")),
])
def test_naive_datetimes_and_impossible_values_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_wrong_types_are_refused():
    with pytest.raises(TypeError):
        workcal.add_working_days(at(2025, 3, 3, 10), 1.5)
    with pytest.raises(TypeError):
        workcal.add_working_hours(at(2025, 3, 3, 10), "2")
    with pytest.raises(TypeError):
        workcal.add_working_hours(date(2025, 3, 3), 2)


# --- years the package does not know -------------------------------------------------------

def test_unknown_year_falls_back_to_monday_to_friday_and_warns_once(caplog):
    workcal.reset()
    with caplog.at_level(logging.WARNING, logger="gongzhi.core.workcal"):
        assert workcal.is_working_day(date(2031, 1, 1))  # a Wednesday; New Year unknown to the package
        assert not workcal.is_working_day(date(2031, 1, 4))
        assert workcal.add_working_days(datetime(2031, 1, 3, 10, tzinfo=SH), 1) == datetime(2031, 1, 6, 10, tzinfo=SH)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1 and "Monday-Friday" in warnings[0].getMessage()


# --- office hours setting ---------------------------------------------------------------------

def test_office_hours_follow_the_setting(settings):
    settings.OFFICE_HOURS = "08:30-12:00, 14:00-18:00"
    assert workcal.office_hours().day_timedelta == timedelta(hours=7, minutes=30)
    assert workcal.add_working_hours(at(2025, 3, 3, 11, 0), 2) == at(2025, 3, 3, 15, 0)
    assert workcal.add_working_days(at(2025, 3, 1, 10, 0), 1) == at(2025, 3, 3, 18, 0)


@pytest.mark.parametrize(("raw", "complaint"), [
    ("", "it is empty"),
    ("9-12", "range 1 ('9-12') is not of the form HH:MM-HH:MM"),
    ("09:00-12:00;13:30-17:30", "is not of the form HH:MM-HH:MM"),
    ("09:00-12:00,13:30-24:00", "range 2 ('13:30-24:00') has a time outside 00:00-23:59"),
    ("09:00-12:60", "has a time outside 00:00-23:59"),
    ("12:00-09:00", "range 1 ('12:00-09:00') does not end after it starts"),
    ("09:00-09:00", "does not end after it starts"),
    ("13:30-17:30,09:00-12:00", "range 2 ('09:00-12:00') starts before range 1 ends"),
    ("09:00-12:00,11:00-13:00", "starts before range 1 ends"),
])
def test_bad_office_hours_are_rejected_with_a_clear_message(settings, raw, complaint):
    settings.OFFICE_HOURS = raw
    with pytest.raises(ImproperlyConfigured) as error:
        workcal.add_working_hours(at(2025, 3, 3, 10, 0), 1)
    assert complaint in str(error.value)
    assert "OFFICE_HOURS" in str(error.value) and "09:00-12:00,13:30-17:30" in str(error.value)
    with pytest.raises(SystemCheckError, match="gongzhi.workcal.E001"):
        call_command("check")


def test_a_fixed_setting_is_picked_up_again(settings):
    settings.OFFICE_HOURS = "nonsense"
    with pytest.raises(ImproperlyConfigured):
        workcal.office_hours()
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    assert workcal.office_hours().day_timedelta == timedelta(hours=7)

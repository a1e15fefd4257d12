"""Laws of the working-day calendar, checked with Hypothesis.

Besides the algebraic laws (round trips, additivity, monotonicity), the fast
implementation (prefix counts and bisection) is compared with a slow oracle
written here from scratch: a day-by-day walk over ``chinese_calendar`` with the
office periods of the default OFFICE_HOURS.
"""

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongzhi.core import workcal

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIODS = [(time(9, 0), time(12, 0)), (time(13, 30), time(17, 30))]
DAY = timedelta(hours=7)
is_workday = functools.cache(chinese_calendar.is_workday)  # the oracle's only source, memoised for speed

laws = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2026, 6, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]), allow_imaginary=False,
)
# Office time up to about six weeks, to the microsecond, plus round figures that hit boundaries.
durations = st.one_of(
    st.integers(min_value=1, max_value=200 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)),
    st.integers(min_value=1, max_value=400).map(lambda half_hours: timedelta(minutes=30 * half_hours)),
)
day_counts = st.integers(min_value=0, max_value=40)


@pytest.fixture(autouse=True)
def _default_office_hours(settings):
    settings.OFFICE_HOURS = "09:00-12:00,13:30-17:30"
    settings.TIME_ZONE = "Asia/Shanghai"


# --- the oracle ---------------------------------------------------------------

def oracle_working_periods(first: date, last: date):
    """Office periods (aware start, end) of every working day from ``first`` to ``last``."""
    day = first
    while day <= last:
        if is_workday(day):
            for start, end in PERIODS:
                yield datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI)
        day += timedelta(days=1)


def oracle_between(start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for p_start, p_end in oracle_working_periods(start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()):
        overlap = min(end, p_end) - max(start, p_start)
        if overlap > timedelta(0):
            total += overlap
    return total


def oracle_add(start: datetime, amount: timedelta) -> datetime:
    remaining = amount
    first = start.astimezone(SHANGHAI).date()
    for p_start, p_end in oracle_working_periods(first, first + timedelta(days=400)):
        if p_end <= start:
            continue
        begin = max(start, p_start)
        if begin + remaining <= p_end:
            return begin + remaining
        remaining -= p_end - begin
    raise AssertionError("not reached within 400 days")


def in_office_period(moment: datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return chinese_calendar.is_workday(local.date()) and any(
        start <= local.time() <= end for start, end in PERIODS)


# --- agreement with the oracle ---------------------------------------------------

@laws
@given(start=moments, end=moments)
def test_working_time_between_agrees_with_the_oracle(start, end):
    expected = oracle_between(start, end) if start <= end else -oracle_between(end, start)
    assert workcal.working_time_between(start, end) == expected


@laws
@given(start=moments, amount=durations)
def test_add_working_hours_agrees_with_the_oracle(start, amount):
    assert workcal.add_working_hours(start, amount) == oracle_add(start, amount)


@laws
@given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31)))
def test_working_days_are_the_state_council_calendar(day):
    assert workcal.is_working_day(day) == chinese_calendar.is_workday(day)


# --- add_working_hours ------------------------------------------------------------

@laws
@given(start=moments, amount=durations)
def test_deadline_lands_in_office_hours_and_measures_back(start, amount):
    deadline = workcal.add_working_hours(start, amount)
    assert deadline > start
    assert in_office_period(deadline)
    assert deadline.tzinfo == SHANGHAI
    assert workcal.working_time_between(start, deadline) == amount


@laws
@given(start=moments, a=durations, b=durations)
def test_add_working_hours_is_monotonic_and_additive(start, a, b):
    short, long = sorted((a, b))
    assert workcal.add_working_hours(start, short) <= workcal.add_working_hours(start, long)
    assert workcal.add_working_hours(start, a + b) == workcal.add_working_hours(workcal.add_working_hours(start, a), b)


@laws
@given(start=moments, amount=durations)
def test_going_back_measures_the_same_office_time(start, amount):
    earlier = workcal.add_working_hours(start, -amount)
    assert earlier < start
    assert workcal.working_time_between(earlier, start) == amount
    if workcal.in_office_hours(start):
        assert workcal.add_working_hours(earlier, amount) == start


@laws
@given(start=moments, hours=st.integers(min_value=1, max_value=100))
def test_hours_as_int_float_decimal_and_timedelta_agree(start, hours):
    from decimal import Decimal

    expected = workcal.add_working_hours(start, timedelta(hours=hours))
    assert workcal.add_working_hours(start, hours) == expected
    assert workcal.add_working_hours(start, float(hours)) == expected
    assert workcal.add_working_hours(start, Decimal(hours)) == expected


# --- working_time_between -----------------------------------------------------------

@laws
@given(a=moments, b=moments, c=moments)
def test_working_time_is_additive_over_any_split_point_and_antisymmetric(a, b, c):
    between = workcal.working_time_between
    assert between(a, c) == between(a, b) + between(b, c)
    assert between(a, b) == -between(b, a)
    assert between(a, a) == timedelta(0)


@laws
@given(start=moments)
def test_next_working_moment_is_where_office_time_resumes(start):
    resume = workcal.next_working_moment(start)
    assert resume >= start
    assert workcal.working_time_between(start, resume) == timedelta(0)
    assert workcal.in_office_hours(resume)
    assert workcal.working_time_between(resume, resume + timedelta(microseconds=1)) == timedelta(microseconds=1)


# --- add_working_days -----------------------------------------------------------------

@laws
@given(start=moments, days=day_counts)
def test_add_working_days_gives_n_full_office_days(start, days):
    deadline = workcal.add_working_days(start, days)
    assert workcal.working_time_between(start, deadline) == days * DAY
    if days:
        assert workcal.is_working_day(deadline.date())
        assert in_office_period(deadline)


@laws
@given(start=moments, days=st.integers(min_value=1, max_value=40))
def test_add_working_days_inside_an_office_period_keeps_the_clock_time(start, days):
    local = start.astimezone(SHANGHAI)
    inside = chinese_calendar.is_workday(local.date()) and any(s < local.time() <= e for s, e in PERIODS)
    deadline = workcal.add_working_days(start, days)
    assert deadline == workcal.add_working_hours(start, days * DAY)
    if inside:
        assert deadline.time() == local.time()
        assert workcal.working_days_between(local.date(), deadline.date()) == days
    else:  # counted from the next opening: the close of the n-th working day
        assert deadline.time() in (time(17, 30), time(12, 0))
        opening = workcal.next_working_moment(start)
        if opening.time() == time(9, 0):
            assert deadline.time() == time(17, 30)
            assert workcal.working_days_between(opening.date(), deadline.date()) == days - 1


@laws
@given(start=moments, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), days=day_counts)
def test_add_working_days_is_monotonic_in_the_start_and_the_count(start, later, days):
    deadline = workcal.add_working_days(start, days)
    assert deadline <= workcal.add_working_days(start + later, days)
    assert deadline <= workcal.add_working_days(start, days + 1)


@laws
@given(day=st.dates(min_value=date(2020, 3, 1), max_value=date(2026, 10, 31)), n=st.integers(-40, 40))
def test_nth_working_day_skips_no_working_day(day, n):
    target = workcal.nth_working_day(day, n)
    if n == 0:
        assert target == day
        return
    assert workcal.is_working_day(target)
    assert (target > day) == (n > 0)
    low, high = sorted((day, target))
    strictly_between = workcal.working_days_between(low, high) - workcal.is_working_day(high)
    assert strictly_between == abs(n) - 1
    if n > 0:
        assert workcal.working_days_between(day, target) == n
    assert workcal.working_days_between(high, low) == -workcal.working_days_between(low, high)

"""Rows of core's scoped models placed in a region, for accounts/tests/test_scoping_proof.py."""

from datetime import date, timedelta

from gongzhi.core.models import CalendarOverride, ScheduleDay


def _override_in(place, n):
    return CalendarOverride.objects.create(date=date(2025, 1, 1) + timedelta(days=n), region_code=place.prefix,
                                           kind="holiday")


def _schedule_day_in(place, n):
    return ScheduleDay.objects.create(date=date(2027, 1, 1) + timedelta(days=n), region_code=place.prefix,
                                      kind="holiday", name=f"local {n}")


def _schedule_catalogue(n):
    """A national schedule day (blank region): seen by administrators without an area only."""
    return ScheduleDay.objects.create(date=date(2028, 1, 1) + timedelta(days=n), kind="holiday", name="national")


FACTORIES = {CalendarOverride: _override_in, ScheduleDay: _schedule_day_in}
CATALOGUES = {ScheduleDay: _schedule_catalogue}

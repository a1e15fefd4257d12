"""Rows of core's scoped models placed in a region, for accounts/tests/test_scoping_proof.py."""

from datetime import date, timedelta

from gongzhi.core.models import CalendarOverride


def _override_in(place, n):
    return CalendarOverride.objects.create(date=date(2025, 1, 1) + timedelta(days=n), region_code=place.prefix,
                                           kind="holiday")


FACTORIES = {CalendarOverride: _override_in}

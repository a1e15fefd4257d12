"""workcal.period_end: legal periods counted in calendar days, ending on a working day."""

from datetime import date

import pytest

from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride

pytestmark = pytest.mark.django_db


def test_a_period_ending_on_national_day_2025_moves_to_the_first_working_day_after_it():
    assert workcal.period_end(date(2025, 9, 1), 30) == date(2025, 10, 9)


def test_a_period_ending_on_an_adjusted_working_saturday_stays():
    assert workcal.period_end(date(2025, 9, 11), 30) == date(2025, 10, 11)


def test_a_period_ending_on_a_normal_sunday_moves_to_monday():
    assert workcal.period_end(date(2025, 10, 17), 30) == date(2025, 11, 17)


def test_a_period_ending_on_a_working_day_and_zero_days():
    assert workcal.period_end(date(2025, 10, 20), 30) == date(2025, 11, 19)
    assert workcal.period_end(date(2025, 11, 17), 0) == date(2025, 11, 17)


def test_region_overrides_are_respected():
    CalendarOverride.objects.create(date=date(2025, 11, 17), kind="holiday", region_code="110105")
    CalendarOverride.objects.create(date=date(2025, 11, 16), kind="working_day", region_code="310101")
    assert workcal.period_end(date(2025, 10, 17), 30, region="110105010") == date(2025, 11, 18)
    assert workcal.period_end(date(2025, 10, 17), 30, region="310101") == date(2025, 11, 16)
    assert workcal.period_end(date(2025, 10, 17), 30) == date(2025, 11, 17)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        workcal.period_end(date(2025, 10, 17), -1)

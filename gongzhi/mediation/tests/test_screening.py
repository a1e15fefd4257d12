"""Screening reports: 零报告, corrections, and the list of grids and communities that have not filed."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.mediation import selectors, services
from gongzhi.mediation.models import ScreeningReport

pytestmark = pytest.mark.django_db


def test_missing_reports_are_listed(world):
    t = world.tree
    services.file_screening_report(actor=world.users.grid_a1, region=t["grid_a1"], period=date(2025, 11, 12),
                                   is_zero=True)
    services.file_screening_report(actor=world.users.comm_staff, region=t["comm_a"], period=date(2025, 11, 3),
                                   is_zero=False, findings="两户因停车位发生争执", found_count=1)
    missing = selectors.missing_reports(world.users.dispatcher, date(2025, 11, 30))
    assert [r.code for r in missing] == [t["grid_a2"].code, t["comm_b"].code, t["grid_b1"].code]
    # the community's staff see only their community's places
    assert [r.code for r in selectors.missing_reports(world.users.comm_staff, date(2025, 11, 1))] == [t["grid_a2"].code]
    # next month nobody has filed
    assert len(selectors.missing_reports(world.users.dispatcher, date(2025, 12, 1))) == 5


def test_a_report_is_corrected_not_doubled(world):
    grid = world.tree["grid_a1"]
    services.file_screening_report(actor=world.users.grid_a1, region=grid, period=date(2025, 11, 1), is_zero=True)
    report = services.file_screening_report(actor=world.users.grid_a1, region=grid, period=date(2025, 11, 20),
                                            is_zero=False, findings="发现一起邻里纠纷", found_count=1)
    assert ScreeningReport.objects.count() == 1 and not report.is_zero and report.period_start == date(2025, 11, 1)


def test_bad_reports_are_refused(world):
    grid = world.tree["grid_a1"]
    with pytest.raises(ValidationError) as caught:
        services.file_screening_report(actor=world.users.grid_a1, region=grid, period=date(2025, 11, 1),
                                       is_zero=True, found_count=2)
    assert "found_count" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.file_screening_report(actor=world.users.grid_a1, region=grid, period=date(2025, 11, 1),
                                       is_zero=False, found_count=1)
    assert "findings" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.file_screening_report(actor=world.users.grid_a1, region=world.tree["grid_b1"],
                                       period=date(2025, 11, 1), is_zero=True)
    with pytest.raises(PermissionDenied):
        services.file_screening_report(actor=world.users.leader, region=grid, period=date(2025, 11, 1), is_zero=True)
    assert not ScreeningReport.objects.exists()


def test_weekly_periods(world, settings):
    settings.MEDIATION_SCREENING_PERIOD = "week"
    report = services.file_screening_report(actor=world.users.grid_a1, region=world.tree["grid_a1"],
                                            period=date(2025, 11, 13), is_zero=True)
    assert report.period_start == date(2025, 11, 10)  # the Monday

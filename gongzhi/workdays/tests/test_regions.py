"""Overrides for part of the region tree: the longest matching region code wins."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride
from gongzhi.workdays import services

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
THURSDAY = date(2025, 6, 5)
FRIDAY = date(2025, 6, 6)  # a national working day; 古尔邦节 in Xinjiang that year
MONDAY = date(2025, 6, 9)
ELSEWHERE = "110106001001001"  # a grid of another district


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def street_admin(make_user, tree):
    return make_user("street-admin", role=Role.ADMIN, region=tree["street"], is_staff=True)


@pytest.fixture
def local_holiday(admin_user, tree):
    """Friday off in the district, but worked in community A (grids A1, A2)."""
    services.set_override(actor=admin_user, date=FRIDAY, kind="holiday", region=tree["district"].code,
                         note="District holiday")
    services.set_override(actor=admin_user, date=FRIDAY, kind="working_day", region=tree["comm_a"].code,
                         note="Community A works")
    return tree


def test_the_longest_matching_region_code_decides(local_holiday):
    tree = local_holiday
    a1, b1 = tree["grid_a1"].code, tree["grid_b1"].code
    assert workcal.is_working_day(FRIDAY)  # no region: the deployment-wide calendar
    assert workcal.is_working_day(FRIDAY, region=ELSEWHERE)
    assert not workcal.is_working_day(FRIDAY, region=b1)
    assert not workcal.is_working_day(FRIDAY, region=tree["street"].code)
    assert not workcal.is_working_day(FRIDAY, region=tree["district"].code)
    assert workcal.is_working_day(FRIDAY, region=a1)  # the community's override is longer
    assert workcal.is_working_day(FRIDAY, region=tree["comm_a"].code)

    assert workcal.add_working_days(at(2025, 6, 5, 10, 0), 1, region=b1) == at(2025, 6, 9, 10, 0)
    assert workcal.add_working_days(at(2025, 6, 5, 10, 0), 1, region=a1) == at(2025, 6, 6, 10, 0)
    assert workcal.add_working_days(at(2025, 6, 5, 10, 0), 1) == at(2025, 6, 6, 10, 0)
    assert workcal.add_working_hours(at(2025, 6, 5, 17, 0), 1, region=b1) == at(2025, 6, 9, 9, 30)
    assert workcal.add_working_hours(at(2025, 6, 9, 9, 30), -1, region=b1) == at(2025, 6, 5, 17, 0)
    assert workcal.working_days_between(THURSDAY, MONDAY, region=b1) == 1
    assert workcal.working_days_between(THURSDAY, MONDAY, region=a1) == 2
    assert workcal.nth_working_day(THURSDAY, 1, region=b1) == MONDAY
    assert workcal.nth_working_day(MONDAY, -1, region=b1) == THURSDAY
    assert workcal.nth_working_day(THURSDAY, 1, region=ELSEWHERE) == FRIDAY
    assert workcal.next_working_moment(at(2025, 6, 6, 10, 0), region=b1) == at(2025, 6, 9, 9, 0)
    assert not workcal.in_office_hours(at(2025, 6, 6, 10, 0), region=b1)
    assert workcal.in_office_hours(at(2025, 6, 6, 10, 0), region=a1)
    day = timedelta(hours=7)
    assert workcal.working_time_between(at(2025, 6, 5, 10), at(2025, 6, 9, 10), region=b1) == day
    assert workcal.working_time_between(at(2025, 6, 5, 10), at(2025, 6, 9, 10), region=a1) == 2 * day

    assert workcal.describe_day(FRIDAY, region=b1) == workcal.DayInfo(
        FRIDAY, False, "override", "District holiday", "110105")
    assert workcal.describe_day(FRIDAY, region=a1) == workcal.DayInfo(
        FRIDAY, True, "override", "Community A works", "110105001001")
    assert workcal.describe_day(FRIDAY).source == "weekday"


def test_a_deployment_wide_override_applies_where_no_regional_one_decides(admin_user, tree):
    services.set_override(actor=admin_user, date=FRIDAY, kind="holiday", note="Citywide closure")
    services.set_override(actor=admin_user, date=FRIDAY, kind="working_day", region=tree["street"].code)
    assert not workcal.is_working_day(FRIDAY)
    assert not workcal.is_working_day(FRIDAY, region=ELSEWHERE)
    assert workcal.is_working_day(FRIDAY, region=tree["grid_b1"].code)
    assert CalendarOverride.objects.filter(date=FRIDAY).count() == 2  # one per (day, region)

    services.remove_override(actor=admin_user, date=FRIDAY, region=tree["street"].code)
    assert not workcal.is_working_day(FRIDAY, region=tree["grid_b1"].code)  # back to the wider override
    with pytest.raises(ValidationError):
        services.remove_override(actor=admin_user, date=FRIDAY, region=tree["street"].code)


def test_regional_overrides_are_stored_as_the_region_prefix_and_audited(admin_user, tree):
    override = services.set_override(actor=admin_user, date=FRIDAY, kind="holiday", region="110105000000")
    assert override.region_code == "110105"
    event = AuditEvent.objects.get(action="core.calendaroverride.create")
    assert event.changes["region_code"] == [None, "110105"]
    assert event.region_code == "110105"


@pytest.mark.parametrize(("given", "stored"), [
    ("", ""), ("  ", ""), (None, ""),
    ("110105000000", "110105"), ("110105", "110105"),  # a district, by code or prefix
    ("110105001000", "110105001"), ("110105001", "110105001"),  # a subdistrict
    ("110105001001", "110105001001"), ("110105001002001", "110105001002001"),  # a community, a grid
    ("1101", "1101"), ("11", "11"),  # a prefecture, a province holding districts of the deployment
])
def test_region_codes_of_known_regions_are_accepted(tree, given, stored):
    assert services.region_prefix(given) == stored


@pytest.mark.parametrize("given", [
    "65", "6501", "110106000000", "110106", "110105000", "1101050010", "11010500100", "abc", "110105001003",
    "110105001001009", 110105,
])
def test_unknown_region_codes_are_refused(admin_user, tree, given):
    with pytest.raises(ValidationError) as error:
        services.set_override(actor=admin_user, date=FRIDAY, kind="holiday", region=given)
    assert list(error.value.message_dict) == ["region_code"]
    assert not CalendarOverride.objects.exists()


def test_an_admin_with_an_area_may_set_overrides_only_inside_it(street_admin, tree):
    services.set_override(actor=street_admin, date=FRIDAY, kind="holiday", region=tree["comm_b"].code)
    services.set_override(actor=street_admin, date=FRIDAY, kind="holiday", region=tree["street"].code)
    for region in (tree["district"].code, "", "1101"):
        with pytest.raises(PermissionDenied):
            services.set_override(actor=street_admin, date=FRIDAY, kind="holiday", region=region)
    with pytest.raises(PermissionDenied):
        services.remove_override(actor=street_admin, date=FRIDAY, region="")
    assert set(CalendarOverride.objects.values_list("region_code", flat=True)) == {"110105001002", "110105001"}


def test_calls_with_regions_query_nothing_once_loaded(local_holiday, monkeypatch, django_assert_num_queries):
    workcal.reset()  # as if the writes had been committed long ago
    workcal.is_working_day(FRIDAY)
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)
    grids = [f"110105001{c:03d}{g:03d}" for c in (1, 2, 3) for g in range(1, 30)]
    with django_assert_num_queries(0):
        flags = {code: workcal.is_working_day(FRIDAY, region=code) for code in grids}
    assert [code for code, working in flags.items() if working] == [c for c in grids if c.startswith("110105001001")]
    calendar = workcal._calendar
    assert len({id(calendar.views[code]) for code in grids}) == 2  # one table per set of matching overrides


def test_regional_writes_of_other_processes_are_seen_at_the_next_recheck(tree, monkeypatch):
    b1 = tree["grid_b1"].code
    assert workcal.is_working_day(FRIDAY, region=b1)
    CalendarOverride.objects.bulk_create([CalendarOverride(date=FRIDAY, region_code="110105001", kind="holiday")])
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)
    assert workcal.is_working_day(FRIDAY, region=b1)  # the cached view
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 0.0)
    assert not workcal.is_working_day(FRIDAY, region=b1)
    assert workcal.is_working_day(FRIDAY, region=ELSEWHERE)


def test_a_bad_region_argument_is_refused(local_holiday):
    with pytest.raises(TypeError):
        workcal.is_working_day(FRIDAY, region=110105)


# --- the admin ------------------------------------------------------------------------------------

def test_admin_lists_and_filters_by_region(client, admin_user, local_holiday):
    services.set_override(actor=admin_user, date=THURSDAY, kind="holiday", note="Everywhere off")
    client.force_login(admin_user)
    url = reverse("admin:core_calendaroverride_changelist")
    page = client.get(url).content.decode()
    assert "朝阳区 (110105)" in page and "永安里社区 (110105001001)" in page and "Everywhere off" in page
    filtered = client.get(url, {"region_code": "110105"}).content.decode()
    assert "District holiday" in filtered and "Community A works" not in filtered and "Everywhere off" not in filtered
    everywhere = client.get(url, {"region_code": "-"}).content.decode()
    assert "Everywhere off" in everywhere and "District holiday" not in everywhere


def test_admin_with_an_area_creates_overrides_only_inside_it(client, street_admin, admin_user, local_holiday):
    tree = local_holiday
    client.force_login(street_admin)
    changelist = client.get(reverse("admin:core_calendaroverride_changelist")).content.decode()
    assert "Community A works" in changelist and "District holiday" not in changelist  # only its area's rows
    district_row = CalendarOverride.objects.get(region_code="110105")
    assert client.get(reverse("admin:core_calendaroverride_change", args=[district_row.pk])).status_code in (302, 403)

    add = reverse("admin:core_calendaroverride_add")
    for region in ("110105000000", "", "110106000000"):
        response = client.post(add, {"date": "2025-06-05", "region_code": region, "kind": "holiday"})
        assert response.status_code == 200  # the form again, with the error
        assert response.context["adminform"].form.errors["region_code"]
    assert not CalendarOverride.objects.filter(date=THURSDAY).exists()

    response = client.post(add, {"date": "2025-06-05", "region_code": tree["comm_b"].code, "kind": "holiday",
                                 "note": "Flooded office"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarOverride.objects.get(date=THURSDAY).region_code == "110105001002"
    assert AuditEvent.objects.get(action="core.calendaroverride.create", actor=street_admin).reason == "admin"
    assert not workcal.is_working_day(THURSDAY, region=tree["grid_b1"].code)
    assert workcal.is_working_day(THURSDAY, region=tree["grid_a1"].code)

    # the same day and region twice is refused by the form, not by the database
    response = client.post(add, {"date": "2025-06-05", "region_code": "110105001002", "kind": "working_day"})
    assert response.status_code == 200
    assert CalendarOverride.objects.filter(date=THURSDAY).count() == 1


# --- the command ----------------------------------------------------------------------------------

def run(*args):
    out = StringIO()
    call_command("calendar_override", *args, stdout=out)
    return out.getvalue()


def test_command_sets_shows_and_removes_regional_overrides(admin_user, tree):
    run("set", "2025-06-06", "holiday", "--region", "110105", "--note", "古尔邦节", "--actor", "cal-admin")
    assert not workcal.is_working_day(FRIDAY, region=tree["grid_a1"].code)
    assert run("show", "2025-06-06", "2025-06-06", "--region", tree["grid_a1"].code).split()[2:] == [
        "off", "override", "[110105]", "古尔邦节"]
    assert run("show", "2025-06-06", "2025-06-06").split()[2:] == ["working", "weekday"]
    assert "110105" in run("list", "--region", "110105")
    assert run("list", "--region", "") == ""
    run("remove", "2025-06-06", "--region", "110105", "--actor", "cal-admin")
    assert workcal.is_working_day(FRIDAY, region=tree["grid_a1"].code)

"""Local overrides of the calendar: the service, the cache, the admin and the command."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride
from gongzhi.workdays import services

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
WEDNESDAY = date(2025, 3, 5)
SATURDAY = date(2025, 3, 8)


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def leader(make_user):
    return make_user("leader", role=Role.LEADER, is_staff=True)


def events(action):
    return AuditEvent.objects.filter(action=f"core.calendaroverride.{action}")


# --- the service ---------------------------------------------------------------------------

def test_a_local_holiday_makes_a_weekday_non_working_at_once(admin_user):
    assert workcal.is_working_day(WEDNESDAY)
    assert workcal.add_working_days(at(2025, 3, 4, 10, 0), 1) == at(2025, 3, 5, 10, 0)

    services.set_override(actor=admin_user, date=WEDNESDAY, kind="holiday", note="City flood emergency")

    assert not workcal.is_working_day(WEDNESDAY)
    assert workcal.add_working_days(at(2025, 3, 4, 10, 0), 1) == at(2025, 3, 6, 10, 0)
    assert workcal.working_time_between(at(2025, 3, 4, 17, 30), at(2025, 3, 6, 9, 0)) == timedelta(0)
    assert workcal.describe_day(WEDNESDAY) == workcal.DayInfo(WEDNESDAY, False, "override", "City flood emergency")
    event = events("create").get()
    assert event.actor == admin_user
    assert event.object_id == str(CalendarOverride.objects.get(date=WEDNESDAY).pk)
    assert event.changes["kind"] == [None, "holiday"]
    assert event.reason == "City flood emergency"


def test_an_extra_working_day_makes_a_saturday_working(admin_user):
    assert workcal.add_working_hours(at(2025, 3, 7, 17, 0), 1) == at(2025, 3, 10, 9, 30)
    services.set_override(actor=admin_user, date=SATURDAY, kind="working_day", note="Census weekend")
    assert workcal.is_working_day(SATURDAY)
    assert workcal.add_working_hours(at(2025, 3, 7, 17, 0), 1) == at(2025, 3, 8, 9, 30)
    assert workcal.working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 2


def test_an_override_can_cancel_a_statutory_holiday_and_an_adjusted_working_day(admin_user):
    services.set_override(actor=admin_user, date=date(2025, 10, 8), kind="working_day")
    services.set_override(actor=admin_user, date=date(2025, 10, 11), kind="holiday")
    assert workcal.add_working_days(at(2025, 9, 30, 16, 0), 3) == at(2025, 10, 10, 16, 0)


def test_changing_and_removing_an_override_is_audited(admin_user):
    services.set_override(actor=admin_user, date=WEDNESDAY, kind="holiday")
    services.set_override(actor=admin_user, date=WEDNESDAY, kind="holiday")  # nothing changes, nothing recorded
    assert events("update").count() == 0
    services.set_override(actor=admin_user, date=WEDNESDAY, kind="working_day", note="Cancelled")
    assert workcal.is_working_day(WEDNESDAY)
    assert events("update").get().changes == {"kind": ["holiday", "working_day"], "note": ["", "Cancelled"]}

    services.remove_override(actor=admin_user, date=WEDNESDAY, reason="back to normal")
    assert not CalendarOverride.objects.exists()
    assert events("delete").get().reason == "back to normal"
    with pytest.raises(ValidationError) as error:
        services.remove_override(actor=admin_user, date=WEDNESDAY)
    assert "date" in error.value.message_dict


def test_only_calendar_managers_may_change_the_calendar(leader):
    with pytest.raises(PermissionDenied):
        services.set_override(actor=leader, date=WEDNESDAY, kind="holiday")
    with pytest.raises(PermissionDenied):
        services.set_override(actor=None, date=WEDNESDAY, kind="holiday")
    assert not CalendarOverride.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"date": WEDNESDAY, "kind": "day_off"}, "kind"),
    ({"date": datetime(2025, 3, 5, 10, tzinfo=SH), "kind": "holiday"}, "date"),
    ({"date": "2025-03-05", "kind": "holiday"}, "date"),
    ({"date": WEDNESDAY, "kind": "holiday", "note": "x" * 201}, "note"),
])
def test_bad_overrides_are_refused_naming_the_field(admin_user, values, field):
    with pytest.raises(ValidationError) as error:
        services.set_override(actor=admin_user, **values)
    assert list(error.value.message_dict) == [field]
    assert not CalendarOverride.objects.exists()


# --- the cache --------------------------------------------------------------------------------

def test_a_rolled_back_override_is_forgotten(admin_user, monkeypatch):
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)  # not the periodic recheck: the rollback itself
    with pytest.raises(RuntimeError), transaction.atomic():
        services.set_override(actor=admin_user, date=WEDNESDAY, kind="holiday")
        assert not workcal.is_working_day(WEDNESDAY)
        raise RuntimeError("the surrounding work failed")
    assert workcal.is_working_day(WEDNESDAY)


def test_writes_of_other_processes_are_seen_at_the_next_recheck(monkeypatch):
    assert workcal.is_working_day(WEDNESDAY)  # loaded and cached
    # Another process writes; this one receives no signal (bulk writes send none either).
    CalendarOverride.objects.bulk_create([CalendarOverride(date=WEDNESDAY, kind="holiday")])
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)
    assert workcal.is_working_day(WEDNESDAY)  # still the cached view
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 0.0)
    assert not workcal.is_working_day(WEDNESDAY)
    # a change of kind keeps the row count: the version sees the newer updated_at
    CalendarOverride.objects.filter(date=WEDNESDAY).update(kind="working_day", updated_at=timezone.now())
    assert workcal.is_working_day(WEDNESDAY)
    CalendarOverride.objects.filter(date=WEDNESDAY).delete()  # a queryset delete of one row
    assert workcal.is_working_day(WEDNESDAY)


def test_an_unchanged_table_costs_one_small_query_per_recheck_and_none_between(
        admin_user, monkeypatch, django_assert_num_queries):
    services.set_override(actor=admin_user, date=WEDNESDAY, kind="holiday")
    workcal.reset()  # as if the write had been committed long ago
    assert not workcal.is_working_day(WEDNESDAY)
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 0.0)
    with django_assert_num_queries(1):  # the version matches: nothing reloaded
        assert not workcal.is_working_day(WEDNESDAY)
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)
    with django_assert_num_queries(0):
        for day in range(1, 29):
            workcal.add_working_days(at(2025, 2, day, 10, 0), 10)


def test_a_plain_save_elsewhere_in_this_process_takes_effect_at_once(monkeypatch):
    monkeypatch.setattr(workcal, "RECHECK_SECONDS", 3600.0)
    assert workcal.is_working_day(WEDNESDAY)
    override = CalendarOverride.objects.create(date=WEDNESDAY, kind="holiday")
    assert not workcal.is_working_day(WEDNESDAY)
    override.delete()
    assert workcal.is_working_day(WEDNESDAY)


# --- the admin ----------------------------------------------------------------------------------

def test_admin_adds_changes_and_deletes_through_the_audited_service(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:core_calendaroverride_changelist")).status_code == 200
    response = client.post(reverse("admin:core_calendaroverride_add"),
                           {"date": "2025-03-05", "kind": "holiday", "note": "District notice 7"})
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date=WEDNESDAY)
    assert not workcal.is_working_day(WEDNESDAY)
    assert events("create").get().reason == "admin"

    url = reverse("admin:core_calendaroverride_change", args=[override.pk])
    response = client.post(url, {"kind": "working_day", "note": "District notice 8"})
    assert response.status_code == 302
    assert workcal.is_working_day(WEDNESDAY)
    assert events("update").get().changes["note"] == ["District notice 7", "District notice 8"]

    response = client.post(reverse("admin:core_calendaroverride_delete", args=[override.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert events("delete").count() == 1


def test_admin_is_closed_to_users_without_the_capability(client, leader):
    client.force_login(leader)
    assert client.get(reverse("admin:core_calendaroverride_changelist")).status_code == 403
    response = client.post(reverse("admin:core_calendaroverride_add"), {"date": "2025-03-05", "kind": "holiday"})
    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()


# --- the command ----------------------------------------------------------------------------------

def run(*args):
    out = StringIO()
    call_command("calendar_override", *args, stdout=out)
    return out.getvalue()


def test_command_sets_lists_shows_and_removes(admin_user):
    run("set", "2025-03-05", "holiday", "--note", "Flood", "--actor", "cal-admin")
    assert not workcal.is_working_day(WEDNESDAY)
    assert events("create").get().actor == admin_user
    assert "2025-03-05" in run("list", "--year", "2025")
    assert run("list", "--year", "2024") == ""
    shown = run("show", "2025-03-04", "2025-03-08").splitlines()
    assert len(shown) == 5
    assert shown[1].split()[2:] == ["off", "override", "Flood"]
    assert shown[0].split()[2:] == ["working", "weekday"]
    run("remove", "2025-03-05", "--actor", "cal-admin")
    assert workcal.is_working_day(WEDNESDAY)
    assert "Spring Festival" in run("show", "2025-01-26", "2025-01-26")


@pytest.mark.parametrize("args", [
    ("set", "2025-03-05", "holiday", "--actor", "nobody"),
    ("set", "2025-13-05", "holiday", "--actor", "cal-admin"),
    ("set", "2025-03-05", "holiday", "--actor", "leader"),
    ("remove", "2025-03-05", "--actor", "cal-admin"),
    ("show", "2025-03-05", "2025-03-01"),
])
def test_command_refuses_clearly(admin_user, leader, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not CalendarOverride.objects.exists()


def test_command_without_as_acts_as_its_system_actor(admin_user):
    run("set", "2025-03-05", "holiday", "--note", "Flood")
    event = events("create").get()
    assert event.actor is None and event.actor_label.startswith("system:calendar_override (")
    run("remove", "2025-03-05", "--as", "cal-admin")
    assert events("delete").get().actor == admin_user

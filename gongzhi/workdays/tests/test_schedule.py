"""The holiday schedule of a year: loaded by the command or the admin, all or nothing, audited, scoped;
and the warnings of a missing next-year schedule, which appear on 1 November and go once it is loaded.

chinesecalendar 1.11 knows 2004–2026: 2027 is the year without a schedule here.
"""

from datetime import date
from io import StringIO

import pytest
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.core.models import ScheduleDay
from gongzhi.workdays import services

pytestmark = pytest.mark.django_db

FESTIVAL = [date(2027, 2, day) for day in range(6, 13)]
GOOD = ("date,kind,name\n" + "".join(f"{d.isoformat()},holiday,春节\n" for d in FESTIVAL)
        + "2027-01-31,workday,春节调休\n2027-02-20,班,春节调休\n")
METRICS_TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def clock(monkeypatch):
    """Set the date the warnings are computed for."""
    def set_to(day):
        monkeypatch.setattr(workcal, "today", lambda: day)
    return set_to


def run(*args):
    out = StringIO()
    call_command("calendar_year", *args, stdout=out)
    return out.getvalue()


def events(action):
    return AuditEvent.objects.filter(action=f"core.scheduleday.{action}")


# --- loading -------------------------------------------------------------------------------

def test_loading_a_year_makes_its_festival_off_and_its_adjusted_days_on(tmp_path, admin_user):
    assert workcal.is_working_day(date(2027, 2, 8)) and not workcal.is_year_scheduled(2027)
    path = tmp_path / "2027.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert "nothing was written" in run("load", str(path), "--dry-run")
    assert not ScheduleDay.objects.exists()
    run("load", str(path), "--as", "cal-admin")
    assert workcal.is_year_scheduled(2027) and workcal.schedule_source(2027) == "loaded"
    assert not any(workcal.is_working_day(d) for d in FESTIVAL)
    assert workcal.is_working_day(date(2027, 2, 20))  # a Saturday worked
    assert workcal.describe_day(date(2027, 2, 8)).source == "schedule"
    event = events("load_year").get()
    assert event.actor == admin_user and len(event.changes["created"]) == 9
    shown = run("show", "2027")
    assert "loaded" in shown and "2027-02-08" in shown
    assert "2027" in run("list")
    # Loading a corrected file replaces the year: a day left out is removed.
    path.write_text(GOOD.replace("2027-02-12,holiday,春节\n", ""), encoding="utf-8")
    run("load", str(path))
    assert workcal.is_working_day(date(2027, 2, 12))
    assert events("load_year").order_by("pk").last().changes["removed"] == ["2027-02-12"]
    assert events("load_year").order_by("pk").last().actor_label.startswith("system:calendar_year")


def test_the_loaded_schedule_wins_over_the_package_where_both_know_a_date(admin_user):
    assert not workcal.is_working_day(date(2026, 10, 1))  # National Day in the package
    services.set_day(actor=admin_user, date=date(2026, 10, 1), kind="workday", name="test correction")
    assert workcal.is_working_day(date(2026, 10, 1))
    assert not workcal.is_working_day(date(2026, 10, 2))  # the package still decides the rest of its year
    services.remove_day(actor=admin_user, date=date(2026, 10, 1))
    assert not workcal.is_working_day(date(2026, 10, 1))
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="core.scheduleday").order_by("pk")] == [
        "core.scheduleday.create", "core.scheduleday.delete"]


def test_a_gb18030_or_bom_file_is_read(admin_user):
    result = services.load_year(actor=admin_user, data=GOOD.encode("gb18030"))
    assert result.year == 2027 and len(result.rows) == 9 and result.rows[0].name == "春节"
    result = services.load_year(actor=admin_user, data=b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert result.created == 0 and result.updated == 0


@pytest.mark.parametrize(("content", "expected"), [
    ("2027-02-30,holiday,x\n", "not a date"),
    ("2027-02-06,holiday,x\n2028-01-01,holiday,y\n", "outside the year 2027"),
    ("2027-02-06,holiday,x\n2027-02-06,workday,y\n", "already on line 1"),
    ("2027-02-06,vacation,x\n", "unknown kind"),
    ("", "holds no day"),
    ("date,kind,name\n# nothing\n", "holds no day"),
    ("2027-02-06\n", "expected date,kind,name"),
])
def test_a_bad_file_changes_nothing_and_says_why(admin_user, tmp_path, content, expected):
    services.set_day(actor=admin_user, date=date(2027, 5, 1), kind="holiday", name="劳动节")
    before = list(ScheduleDay.objects.values_list("date", "kind", "name"))
    audited = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        services.load_year(actor=admin_user, data=content.encode())
    assert any(expected in message for message in error.value.messages), error.value.messages
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=expected):
        run("load", str(path))
    assert list(ScheduleDay.objects.values_list("date", "kind", "name")) == before
    assert AuditEvent.objects.count() == audited


def test_every_bad_line_is_listed_in_chinese_too(admin_user):
    content = "2027-02-06,holiday,x\n2027-13-01,holiday,y\n2027-02-07,foo,z\n2026-02-08,holiday,w\n"
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.load_year(actor=admin_user, data=content.encode(), year=2027)
    messages = error.value.messages
    assert len(messages) == 3
    assert "第 2 行" in messages[0] and "第 3 行" in messages[1] and "第 4 行" in messages[2]
    assert not ScheduleDay.objects.exists()


def test_the_year_given_must_hold_every_date(admin_user):
    with pytest.raises(ValidationError, match="outside the year 2028"):
        services.load_year(actor=admin_user, data=GOOD.encode(), year=2028)


def test_only_calendar_managers_load_and_an_area_limits_to_its_own_schedule(make_user, tree, admin_user):
    leader = make_user("leader", role=Role.LEADER, region=tree["street"])
    with pytest.raises(PermissionDenied):
        services.load_year(actor=leader, data=GOOD.encode())
    area_admin = make_user("area-admin", role=Role.ADMIN, region=tree["street"])
    with pytest.raises(PermissionDenied):
        services.load_year(actor=area_admin, data=GOOD.encode())  # the national schedule
    with pytest.raises(PermissionDenied):
        services.set_day(actor=area_admin, date=date(2027, 3, 1), kind="holiday", region=tree["comm_b"].code[:6])
    day = services.set_day(actor=area_admin, date=date(2027, 3, 1), kind="holiday", region=tree["comm_a"].code)
    assert day.region_code == tree["comm_a"].prefix
    assert not workcal.is_working_day(date(2027, 3, 1), region=tree["grid_a1"].code)
    assert workcal.is_working_day(date(2027, 3, 1), region=tree["grid_b1"].code)
    assert not ScheduleDay.objects.filter(region_code="").exists()


def test_the_command_refuses_an_unknown_user(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="No active user named nobody"):
        run("load", str(path), "--as", "nobody")
    assert not ScheduleDay.objects.exists()


# --- the admin -------------------------------------------------------------------------------

def test_admin_enters_corrects_and_deletes_days_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:core_scheduleday_add"),
                           {"date": "2027-02-08", "kind": "holiday", "name": "春节", "source": "国办发明电"})
    assert response.status_code == 302, response.content.decode()[:2000]
    day = ScheduleDay.objects.get()
    assert not workcal.is_working_day(date(2027, 2, 8))
    assert events("create").get().actor == admin_user
    response = client.post(reverse("admin:core_scheduleday_change", args=[day.pk]),
                           {"kind": "workday", "name": "更正", "source": "国办发明电"})
    assert response.status_code == 302
    assert workcal.is_working_day(date(2027, 2, 8))
    assert events("update").get().changes["kind"] == ["holiday", "workday"]
    response = client.post(reverse("admin:core_scheduleday_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302 and not ScheduleDay.objects.exists()
    assert events("delete").count() == 1


def test_admin_loads_a_year_and_a_bad_upload_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:core_scheduleday_load")
    assert client.get(url).status_code == 200
    bad = SimpleUploadedFile("bad.csv", b"2027-02-06,holiday,x\n2027-02-06,holiday,y\n")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200 and "data-schedule-problems" in response.content.decode()
    assert not ScheduleDay.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("2027.csv", GOOD.encode("gb18030")), "year": "2027",
                                 "source": "sample"})
    assert response.status_code == 302
    assert ScheduleDay.objects.count() == 9 and events("load_year").get().reason == "admin"


def test_admin_of_an_area_sees_and_changes_only_its_area(client, make_user, tree, admin_user):
    services.set_day(actor=admin_user, date=date(2027, 3, 1), kind="holiday", region=tree["comm_b"].code)
    national = services.set_day(actor=admin_user, date=date(2027, 3, 2), kind="holiday")
    area_admin = make_user("area-admin", role=Role.ADMIN, region=tree["comm_a"], is_staff=True)
    client.force_login(area_admin)
    listing = client.get(reverse("admin:core_scheduleday_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0
    assert client.get(reverse("admin:core_scheduleday_change", args=[national.pk])).status_code in (302, 403, 404)
    response = client.post(reverse("admin:core_scheduleday_add"),
                           {"date": "2027-03-03", "kind": "holiday", "region_code": tree["comm_b"].code})
    assert response.status_code == 200 and "outside your area" in response.content.decode()
    response = client.post(reverse("admin:core_scheduleday_load"),
                           {"file": SimpleUploadedFile("2027.csv", GOOD.encode())})
    assert response.status_code == 200
    assert ScheduleDay.objects.count() == 2
    response = client.post(reverse("admin:core_scheduleday_add"),
                           {"date": "2027-03-03", "kind": "holiday", "region_code": tree["comm_a"].code})
    assert response.status_code == 302
    assert ScheduleDay.objects.filter(region_code=tree["comm_a"].prefix).count() == 1


def test_admin_is_closed_to_users_without_the_capability(client, make_user, tree):
    leader = make_user("leader", role=Role.LEADER, region=tree["street"], is_staff=True)
    client.force_login(leader)
    assert client.get(reverse("admin:core_scheduleday_changelist")).status_code == 403
    assert client.get(reverse("admin:core_scheduleday_load")).status_code == 403


# --- the warnings ------------------------------------------------------------------------------

def _warnings(client, admin_user):
    """What each face says about the schedule: (admin banner, deploy check, readyz status, metrics gauge)."""
    client.force_login(admin_user)
    banner = "data-calendar-warning" in client.get(reverse("admin:index")).content.decode()
    found = checks.run_checks(include_deployment_checks=True, databases=["default"], tags=[checks.Tags.database])
    check = any(message.id == "gongzhi.ops.W002" for message in found)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    with override_settings(METRICS_TOKEN=METRICS_TOKEN):
        text = client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                          HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").content.decode()
    gauge = [line for line in text.splitlines() if line.startswith("gongzhi_holiday_schedule_missing ")]
    return banner, check, ready.json()["status"], gauge[0].split()[1]


def test_the_warnings_appear_on_1_november_and_go_once_the_schedule_is_loaded(client, admin_user, clock):
    clock(date(2026, 10, 31))
    assert _warnings(client, admin_user) == (False, False, "ok", "0.0")
    clock(date(2026, 11, 1))
    assert _warnings(client, admin_user) == (True, True, "degraded", "1.0")
    assert "2027" in client.get("/readyz").json()["warnings"]["holiday_schedule"]
    services.load_year(actor=admin_user, data=GOOD.encode())
    assert _warnings(client, admin_user) == (False, False, "ok", "0.0")


def test_a_year_already_begun_without_a_schedule_is_warned_about_all_year(client, admin_user, clock):
    clock(date(2027, 3, 1))
    assert _warnings(client, admin_user)[2] == "degraded"


def test_the_banner_is_for_calendar_managers_in_the_console_too(client, admin_user, make_user, tree, clock):
    clock(date(2026, 11, 1))
    client.force_login(admin_user)
    with translation.override("zh-hans"):
        page = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "data-calendar-warning" in page
    client.force_login(make_user("resident", role=Role.RESIDENT))
    assert "data-calendar-warning" not in client.get(reverse("inbox")).content.decode()


def test_the_documented_sample_file_loads():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[3] / "docs" / "samples" / "holidays-2027.csv"
    year, rows = services.parse_schedule(sample.read_bytes())
    assert year == 2027
    festival = {row.date for row in rows if row.name == "春节"}
    assert festival == set(FESTIVAL)


def test_the_banner_speaks_chinese(client, admin_user, clock):
    clock(date(2026, 11, 1))
    client.force_login(admin_user)
    with translation.override("zh-hans"):
        page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2027 年尚无放假安排" in page

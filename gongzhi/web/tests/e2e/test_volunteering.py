"""Volunteering in a real browser, on a phone, in Chinese: a volunteer signs up for an activity, checks in and
out by the organiser's QR code, is credited the hours and points, and spends points in the shop; and an
in-service party member (双报到) recorded on the console whose check-out counts as participation, so the
below-minimum list no longer names them. The organiser's code page shows the QR image; the phone's camera
is the one thing not driven: the page it would open is the scan URL with the same signed code
(``checkin.make_token``, what the code page encodes). A console error or a request to another host fails
the test (the ``watched`` fixture)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.party.models import MemberReport, Participation
from gongzhi.registry.models import Person
from gongzhi.volunteers import checkin
from gongzhi.volunteers.models import Account, Currency, SignUp, Volunteer, VolunteerStatus
from gongzhi.volunteers.services import activities, shop

from .conftest import DESKTOP

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def one_request_at_a_time(monkeypatch):
    """The live server's threads share the one in-memory SQLite connection: one request at a time."""
    from django.core.handlers.wsgi import WSGIHandler

    lock = threading.Lock()
    handle = WSGIHandler.__call__

    def serial(self, environ, start_response):
        with lock:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", serial)


@pytest.fixture
def day(tree, make_user, settings):
    """Community A's staff, a verified volunteer with an account, an activity starting soon, a reward."""
    settings.LANGUAGE_CODE = "zh-hans"
    staff = make_user("vol_staff", Role.COMMUNITY_STAFF, tree["comm_a"], is_staff=True)
    resident = make_user("vol_resident", Role.RESIDENT, tree["grid_a1"])
    person = Person(grid=tree["grid_a1"], name="王志愿", phone="13911112222")
    person.refresh_derived()
    person.save()
    volunteer = Volunteer.objects.create(region=tree["grid_a1"], person=person, user=resident, name=person.name,
                                         phone=person.phone, status=VolunteerStatus.VERIFIED)
    starts = timezone.now() + dt.timedelta(minutes=30)  # check-in opens an hour before
    activity = activities.create_activity(
        actor=staff, region=tree["comm_a"], title="敬老院陪护", place="永安里敬老院", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3), slots=5, hours_cap_minutes=120, points=10, publish=True)
    reward = shop.create_reward(actor=staff, region=tree["comm_a"], title="理发一次", currency=Currency.POINTS,
                                price=6, kind="service")
    return {"staff": staff, "resident": resident, "person": person, "volunteer": volunteer, "activity": activity,
            "reward": reward}


def balance(volunteer, currency):
    account = Account.objects.filter(volunteer=volunteer, currency=currency).first()
    return 0 if account is None else account.balance


def serve(phone, organiser, activity):
    """Sign up, check in by the code, (two hours pass), check out by the code: on the volunteer's phone."""
    page = phone.go("/r/volunteer/activities/")
    page.click(f"a[href='/r/volunteer/activities/{activity.pk}/']")
    page.click("[data-sign-up]")
    page.wait_for_load_state()
    assert "报名成功" in page.inner_text(".messages") or "您已获得名额" in page.inner_text(".messages")
    for direction in (checkin.IN, checkin.OUT):
        code = organiser.go(f"/console/volunteers/activities/{activity.pk}/code/{direction}/")
        assert code.locator(f"[data-code='{direction}'] img").evaluate("img => img.naturalWidth") > 0
        page = phone.go(f"/r/volunteer/scan/?c={checkin.make_token(activity.pk, direction)}")
        page.click("[data-scan-confirm]")
        page.wait_for_load_state()
        assert page.url.endswith("/r/volunteer/")
        if direction == checkin.IN:
            assert "签到" in page.inner_text(".messages")
            # Two hours of service pass: the check-in is moved back, as the clock would have.
            SignUp.objects.filter(activity=activity).update(
                checked_in_at=timezone.now() - dt.timedelta(hours=2))
    return page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_volunteer_serves_is_credited_and_spends_points(day, watched):
    organiser = watched(viewport=DESKTOP, language="zh-hans")
    organiser.sign_in("vol_staff")
    phone = watched(viewport=PHONE, mobile=True, language="zh-hans")
    phone.sign_in("vol_resident")
    page = serve(phone, organiser, day["activity"])
    assert "签退" in page.inner_text(".messages") and "2 小时" in page.inner_text(".messages")
    assert balance(day["volunteer"], Currency.HOURS) == 120  # the activity's cap
    assert balance(day["volunteer"], Currency.POINTS) == 10

    page = phone.go("/r/volunteer/hours/")
    assert page.inner_text("[data-hours]").strip() == "2"
    page = phone.go("/r/volunteer/shop/")
    page.click(f"form:has(input[name=reward][value='{day['reward'].pk}']) [data-redeem]")
    page.wait_for_load_state()
    assert "理发一次" in page.inner_text(".messages")
    assert balance(day["volunteer"], Currency.POINTS) == 4
    # The organiser sees the attendance credited.
    page = organiser.go(f"/console/volunteers/activities/{day['activity'].pk}/")
    assert "120" in page.inner_text(f"[data-signup]")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reporting_party_members_service_counts_for_shuangbaodao(day, watched, settings):
    settings.PARTY_PARTICIPATION_MINIMUM = 1
    organiser = watched(viewport=DESKTOP, language="zh-hans")
    organiser.sign_in("vol_staff")
    page = organiser.go("/console/party/reports/")
    page.locator("details:has([name=action][value=member]) summary").click()
    page.fill("#m-person", str(day["person"].pk))
    page.fill("#m-workplace", "区税务所")
    page.click("form:has([name=action][value=member]) button[type=submit]")
    page.wait_for_load_state()
    assert "已保存" in page.inner_text(".messages")
    # The report dates from the new year (the console records today): the year's minimum is owed whole.
    MemberReport.objects.filter(person=day["person"]).update(reported_on=dt.date(timezone.localdate().year, 1, 1))
    page = organiser.go("/console/party/participation/?below=1")
    assert page.locator("[data-below]").count() == 1
    assert "王志愿" not in page.inner_text("main")  # membership is sensitive: masked

    phone = watched(viewport=PHONE, mobile=True, language="zh-hans")
    phone.sign_in("vol_resident")
    serve(phone, organiser, day["activity"])
    row = Participation.objects.get()
    assert row.report.person_id == day["person"].pk and row.source_ref.startswith("volunteers.attendance:")
    page = organiser.go("/console/party/participation/?below=1")
    assert page.locator("[data-below]").count() == 0
    page = organiser.go("/console/party/participation/")
    assert page.locator(f"[data-report='{row.report_id}'] td").nth(2).inner_text().strip() == "1"

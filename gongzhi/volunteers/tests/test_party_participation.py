"""An in-service party member's attendance counts once as their 双报到 participation (party.record_participation)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.party import services as party
from gongzhi.party.models import Participation
from gongzhi.volunteers import checkin
from gongzhi.volunteers.services import activities

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
START = NOW + dt.timedelta(days=2)


@pytest.fixture
def post(world):
    return party.create_post(actor=world.users.admin, community=world.tree["comm_a"], name="关爱帮扶岗", kind="care")


@pytest.fixture
def activity(world, post):
    return activities.create_activity(
        actor=world.users.staff_a, region=world.tree["comm_a"], title="敬老院陪护", place="永安里敬老院",
        starts_at=START, ends_at=START + dt.timedelta(hours=3), slots=5, hours_cap_minutes=150, publish=True,
        service_post=post)


def report(world, volunteer, community):
    return party.report_member(actor=world.users.admin, person=volunteer.person, community=community,
                               reported_on=timezone.localdate() - dt.timedelta(days=30))


def attend(world, user, activity, minutes=170):
    activities.sign_up(actor=user, activity=activity, at=NOW)
    activities.scan(actor=user, token=checkin.make_token(activity.pk, checkin.IN), at=START)
    out = checkin.make_token(activity.pk, checkin.OUT)
    activities.scan(actor=user, token=out, at=START + dt.timedelta(minutes=minutes))
    return out


def test_a_reporting_members_check_out_counts_once(world, activity, post):
    member_report = report(world, world.mother, world.tree["comm_a"])
    token = attend(world, world.users.mother, activity)
    row = Participation.objects.get(report=member_report)
    assert row.hours == Decimal("2.5")  # the activity's cap, 150 minutes
    assert row.post == post and row.description == "敬老院陪护"
    assert row.source_ref.startswith("volunteers.attendance:")
    activities.scan(actor=world.users.mother, token=token, at=START + dt.timedelta(minutes=171))  # a replay
    assert Participation.objects.filter(report=member_report).count() == 1


def test_volunteers_who_are_not_reporting_members_count_nothing(world, activity):
    attend(world, world.users.son, activity)
    assert not Participation.objects.exists()


def test_serving_outside_the_community_one_reports_to_counts_nothing(world, activity):
    report(world, world.mother, world.tree["comm_b"])
    attend(world, world.users.mother, activity)
    assert not Participation.objects.exists()


def test_a_staff_correction_that_credits_an_attendance_counts_it(world, activity):
    member_report = report(world, world.mother, world.tree["comm_a"])
    signup = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    activities.scan(actor=world.users.mother, token=checkin.make_token(activity.pk, checkin.IN), at=START)
    activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=60, reason="忘记签退")
    assert Participation.objects.get(report=member_report).hours == Decimal("1.0")
    activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=90, reason="核实后更正")
    assert Participation.objects.filter(report=member_report).count() == 1

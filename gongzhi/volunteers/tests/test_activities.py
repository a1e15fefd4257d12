"""Activities: places and the waiting list, QR check-in and check-out, hours credited once with a cap."""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.volunteers import checkin, ledger
from gongzhi.volunteers.models import Account, ActivityState, Currency, SignUpState, Transfer
from gongzhi.volunteers.services import activities

NOW = timezone.now().replace(microsecond=0)
START = NOW + dt.timedelta(days=2)


def hours(volunteer, currency=Currency.HOURS):
    account = Account.objects.filter(volunteer=volunteer, currency=currency).first()
    return 0 if account is None else account.balance


@pytest.fixture
def activity(world):
    return activities.create_activity(
        actor=world.users.staff_a, region=world.tree["comm_a"], title="敬老院陪护", place="永安里敬老院",
        starts_at=START, ends_at=START + dt.timedelta(hours=3), slots=2, hours_cap_minutes=150, points=5,
        publish=True)


@pytest.mark.django_db
def test_places_then_the_waiting_list_which_moves_up_when_a_place_is_given_back(world, activity):
    first = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    second = activities.sign_up(actor=world.users.son, activity=activity, at=NOW + dt.timedelta(seconds=1))
    third = activities.sign_up(actor=world.users.neighbour, activity=activity, at=NOW + dt.timedelta(seconds=2))
    assert [s.state for s in (first, second, third)] == ["confirmed", "confirmed", "waitlisted"]
    with pytest.raises(ValidationError, match="already signed up"):
        activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    activities.cancel_sign_up(actor=world.users.son, signup=second)
    third.refresh_from_db()
    assert third.state == SignUpState.CONFIRMED
    # Signing up again after cancelling goes to the end of the queue.
    again = activities.sign_up(actor=world.users.son, activity=activity, at=NOW + dt.timedelta(seconds=3))
    assert again.pk == second.pk and again.state == SignUpState.WAITLISTED
    # More places move the waiting list up; fewer than are taken are refused.
    activities.change_activity(actor=world.users.staff_a, activity=activity, slots=3)
    again.refresh_from_db()
    assert again.state == SignUpState.CONFIRMED
    with pytest.raises(ValidationError, match="3 places are taken"):
        activities.change_activity(actor=world.users.staff_a, activity=activity, slots=2)


@pytest.mark.django_db
def test_only_a_published_future_activity_takes_sign_ups(world, activity):
    with pytest.raises(ValidationError, match="already started"):
        activities.sign_up(actor=world.users.mother, activity=activity, at=START)
    activities.cancel_activity(actor=world.users.staff_a, activity=activity, reason="天气原因")
    with pytest.raises(ValidationError, match="not open for sign-up"):
        activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)


@pytest.mark.django_db
@pytest.mark.parametrize("change, message", [
    ({"ends_at": START}, "end after it starts"),
    ({"slots": 0}, "between 1 and 10000"),
    ({"hours_cap_minutes": 500}, "between 1 and 180"),
    ({"title": ""}, "title is required"),
    ({"region": "110105001"}, "community or a grid"),
])
def test_bad_activities_are_refused(world, change, message):
    values = {"region": world.tree["comm_a"], "title": "清扫楼道", "place": "3号楼", "starts_at": START,
              "ends_at": START + dt.timedelta(hours=3), "slots": 5}
    with pytest.raises(ValidationError, match=message):
        activities.create_activity(actor=world.users.staff_a, **{**values, **change})


@pytest.mark.django_db
def test_staff_of_another_community_cannot_create_or_change(world, activity):
    with pytest.raises(PermissionDenied):
        activities.change_activity(actor=world.users.staff_b, activity=activity, slots=5)
    with pytest.raises(PermissionDenied):
        activities.create_activity(actor=world.users.mother, region=world.tree["comm_a"], title="x", place="y",
                                   starts_at=START, ends_at=START + dt.timedelta(hours=1), slots=1)


def scan(world, user, activity, direction, at):
    return activities.scan(actor=user, token=checkin.make_token(activity.pk, direction), at=at)


@pytest.mark.django_db
def test_check_in_and_out_credit_hours_once_with_the_cap(world, activity):
    signup = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    token_in = checkin.make_token(activity.pk, checkin.IN)
    result = activities.scan(actor=world.users.mother, token=token_in, at=START - dt.timedelta(minutes=10))
    assert result.changed and result.signup.state == SignUpState.CHECKED_IN
    replay = activities.scan(actor=world.users.mother, token=token_in, at=START)
    assert not replay.changed and "already" in replay.message
    token_out = checkin.make_token(activity.pk, checkin.OUT)
    out = activities.scan(actor=world.users.mother, token=token_out, at=START + dt.timedelta(hours=3))
    assert out.changed and out.signup.credited_minutes == 150  # 190 minutes, capped at 150
    assert "2.5 hours credited" in out.message
    assert hours(world.mother) == 150 and hours(world.mother, Currency.POINTS) == 5
    again = activities.scan(actor=world.users.mother, token=token_out, at=START + dt.timedelta(hours=3, minutes=1))
    assert not again.changed
    other_out = scan(world, world.users.mother, activity, checkin.OUT, START + dt.timedelta(hours=3, minutes=2))
    assert not other_out.changed
    assert hours(world.mother) == 150 and Transfer.objects.filter(signup=signup).count() == 2
    assert ledger.verify_ledger() == []


@pytest.mark.django_db
def test_check_out_before_check_in_is_refused_and_changes_nothing(world, activity):
    signup = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    with pytest.raises(ValidationError, match="cannot check out before checking in"):
        scan(world, world.users.mother, activity, checkin.OUT, START + dt.timedelta(hours=1))
    signup.refresh_from_db()
    assert signup.state == SignUpState.CONFIRMED and signup.checked_out_at is None
    assert hours(world.mother) == 0


@pytest.mark.django_db
def test_an_expired_or_forged_code_does_nothing(world, activity, settings, monkeypatch):
    signup = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - settings.VOLUNTEERS_QR_SECONDS - 5)
    old = checkin.make_token(activity.pk, checkin.IN)
    monkeypatch.setattr(signing.time, "time", real)
    with pytest.raises(ValidationError, match="expired"):
        activities.scan(actor=world.users.mother, token=old, at=START)
    good = checkin.make_token(activity.pk, checkin.IN)
    for forged in (good[:-2] + "xx", "", "not-a-code", good.replace(":", ";", 1)):
        with pytest.raises(ValidationError, match="not a check-in code"):
            activities.scan(actor=world.users.mother, token=forged, at=START)
    signup.refresh_from_db()
    assert signup.state == SignUpState.CONFIRMED and signup.checked_in_at is None


@pytest.mark.django_db
def test_scanning_without_a_place_or_outside_the_hours_is_refused(world, activity):
    with pytest.raises(ValidationError, match="not signed up"):
        scan(world, world.users.mother, activity, checkin.IN, START)
    activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    with pytest.raises(ValidationError, match="Check-in is open from"):
        scan(world, world.users.mother, activity, checkin.IN, START - dt.timedelta(hours=2))


@pytest.mark.django_db
def test_staff_correct_hours_with_a_reason_never_beyond_the_cap(world, activity):
    signup = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    scan(world, world.users.mother, activity, checkin.IN, START)
    # Forgot to check out: staff record the hours.
    with pytest.raises(ValidationError, match="reason is required"):
        activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=120, reason="")
    with pytest.raises(ValidationError, match="At most 2.5 hours"):
        activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=151, reason="忘记签退")
    with pytest.raises(ValidationError, match="cannot be negative"):
        activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=-1, reason="忘记签退")
    activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=120, reason="忘记签退")
    assert hours(world.mother) == 120 and hours(world.mother, Currency.POINTS) == 5
    activities.correct_attendance(actor=world.users.staff_a, signup=signup, minutes=90, reason="核对签到表")
    assert hours(world.mother) == 90 and hours(world.mother, Currency.POINTS) == 5
    with pytest.raises(PermissionDenied):
        activities.correct_attendance(actor=world.users.mother, signup=signup, minutes=150, reason="我多干了")
    assert ledger.verify_ledger() == []


@pytest.mark.django_db
def test_finishing_marks_those_who_never_came_absent(world, activity):
    came = activities.sign_up(actor=world.users.mother, activity=activity, at=NOW)
    stayed_home = activities.sign_up(actor=world.users.son, activity=activity, at=NOW)
    scan(world, world.users.mother, activity, checkin.IN, START)
    with pytest.raises(ValidationError, match="not ended"):
        activities.finish_activity(actor=world.users.staff_a, activity=activity, at=START)
    finished = activities.finish_activity(actor=world.users.staff_a, activity=activity,
                                          at=START + dt.timedelta(hours=4))
    assert finished.state == ActivityState.FINISHED
    stayed_home.refresh_from_db()
    came.refresh_from_db()
    assert (stayed_home.state, came.state) == (SignUpState.ABSENT, SignUpState.CHECKED_IN)


@pytest.mark.django_db
def test_an_activity_serves_a_need_a_project_and_a_service_post_of_the_party_in_the_area(world):
    from gongzhi.accounts.models import User
    from gongzhi.party.models import Need, Project, ServicePost
    from gongzhi.party.models.lists import ResourceKind

    comm_a, comm_b = world.tree["comm_a"], world.tree["comm_b"]
    need = Need.objects.create(region=comm_a, title="独居老人陪护", description="每周两次", kind=ResourceKind.VENUE)
    project = Project.objects.create(region=comm_a, title="银龄关爱", owner=world.users.staff_a, plan="每周探访")
    post = ServicePost.objects.create(community=comm_a, name="关爱帮扶岗")
    made = activities.create_activity(
        actor=world.users.staff_a, region=comm_a, title="陪护", place="3号楼", starts_at=START,
        ends_at=START + dt.timedelta(hours=2), slots=3, need=need, project=project, service_post=post)
    assert (made.need, made.project, made.service_post) == (need, project, post)
    assert list(need.volunteer_activities.all()) == [made]
    elsewhere = Need.objects.create(region=comm_b, title="外区需求", description="说明", kind=ResourceKind.VENUE)
    with pytest.raises(PermissionDenied):
        activities.create_activity(
            actor=world.users.staff_a, region=comm_a, title="陪护", place="3号楼", starts_at=START,
            ends_at=START + dt.timedelta(hours=2), slots=3, need=elsewhere)
    assert User.objects.filter(pk=world.users.staff_a.pk).exists()

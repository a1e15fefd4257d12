"""Activities: create, change, publish, cancel, finish; sign-up with a waiting list; check-in and
check-out by QR code; hours credited with a cap and corrected by staff with a reason.

Places are counted under the activity's row lock (``select_for_update``): two volunteers taking the last
place at once get one place and one waiting-list entry, and a place given back goes to the first on the
waiting list in the same transaction. A check-in or check-out locks the sign-up; hours are credited to
the time bank (``volunteers/ledger.py``) in the check-out's transaction, keyed by the sign-up, so an
attendance is credited once whatever is replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_in_scope

from .. import checkin, ledger
from ..models import Activity, ActivityState, Currency, SignUp, SignUpState, Team, TransferKind, Volunteer
from ..models.activities import HOLDS_PLACE, TITLE_MAX
from . import common, participation

MAX_SLOTS = 10000
MAX_DURATION = dt.timedelta(days=7)
MAX_POINTS = 10000


# --- activities ------------------------------------------------------------------------


def _clean(actor, *, region, title, description, place, starts_at, ends_at, slots, skills, hours_cap_minutes,
           points, team) -> dict:
    def times():
        if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
            raise ValidationError({"starts_at": _("Give the start and end time.")})
        if ends_at <= starts_at:
            raise ValidationError({"ends_at": _("The activity must end after it starts.")})
        if ends_at - starts_at > MAX_DURATION:
            raise ValidationError({"ends_at": _("An activity lasts at most seven days.")})
        return starts_at, ends_at

    def number(value, field, label, low, high):
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError({field: _("%(field)s must be a whole number.") % {"field": label}}) from None
        if not low <= value <= high:
            raise ValidationError({field: _("%(field)s must lie between %(low)d and %(high)d.") % {
                "field": label, "low": low, "high": high}})
        return value

    place_region, title, description, place, (starts_at, ends_at), slots, skills, points = common.merge_errors(
        lambda: common.place(region, actor),
        lambda: common.text(title, "title", _("The title"), TITLE_MAX),
        lambda: common.text(description, "description", _("The description"), 5000, required=False),
        lambda: common.text(place, "place", _("The place"), 200),
        times,
        lambda: number(slots, "slots", _("The number of places"), 1, MAX_SLOTS),
        lambda: common.text(skills, "skills", _("The skills"), 200, required=False),
        lambda: number(points or 0, "points", _("The points"), 0, MAX_POINTS),
    )
    duration = int((ends_at - starts_at).total_seconds() // 60)
    cap = duration if hours_cap_minutes in (None, "") else number(
        hours_cap_minutes, "hours_cap_minutes", _("The most minutes credited"), 1, duration)
    if team is not None:
        ensure_in_scope(team, actor)
        if team.community_code != place_region.code[:12]:
            raise ValidationError({"team": _("The team belongs to another community.")})
    return {"region": place_region, "title": title, "description": description, "place": place,
            "starts_at": starts_at, "ends_at": ends_at, "slots": slots, "skills": skills,
            "hours_cap_minutes": cap, "points": points, "team": team}


def _summary(activity: Activity) -> dict:
    return {"title": activity.title, "region": activity.region.code, "place": activity.place,
            "starts_at": activity.starts_at.isoformat(), "ends_at": activity.ends_at.isoformat(),
            "slots": activity.slots, "hours_cap_minutes": activity.hours_cap_minutes, "points": activity.points,
            "team": activity.team_id, "state": activity.state, "need": activity.need_id,
            "project": activity.project_id, "service_post": activity.service_post_id}


def create_activity(*, actor, region, title: str, place: str, starts_at, ends_at, slots, description: str = "",
                    skills: str = "", hours_cap_minutes=None, points=0, team: Team | None = None,
                    publish: bool = False, **links) -> Activity:
    """A new activity of a community or grid, as a draft or published at once. Staff, ``volunteers.manage``."""
    require(actor, "volunteers.manage")
    values = _clean(actor, region=region, title=title, description=description, place=place, starts_at=starts_at,
                    ends_at=ends_at, slots=slots, skills=skills, hours_cap_minutes=hours_cap_minutes,
                    points=points, team=team)
    values.update(_links(actor, **links))
    if publish and values["ends_at"] <= timezone.now():
        raise ValidationError({"ends_at": _("An activity that is over cannot be published.")})
    with transaction.atomic():
        activity = Activity.objects.create(**values, created_by=user_of(actor),
                                           state=ActivityState.PUBLISHED if publish else ActivityState.DRAFT)
        record(actor=actor, action="volunteers.activity.create", obj=activity, changes=_summary(activity))
    return activity


def _links(actor, **links) -> dict:
    """The party's rows an activity serves (a need, a project, a service post), each in the actor's area."""
    values = {}
    for name, value in links.items():
        if name not in LINKS:
            raise TypeError(f"unknown link {name!r}")
        if value is not None:
            ensure_in_scope(value, actor)
        values[name] = value
    return values


# Optional links to the party app's rows (a need, a project, a service post), each in the actor's area.
LINKS: tuple[str, ...] = ("need", "project", "service_post")


def change_activity(*, actor, activity: Activity, **values) -> Activity:
    """Change an activity that is not cancelled or finished. More places move the waiting list up;
    fewer places than are taken are refused."""
    require(actor, "volunteers.manage")
    ensure_in_scope(activity, actor)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.state in (ActivityState.CANCELLED, ActivityState.FINISHED):
            raise ValidationError({"__all__": _("A cancelled or finished activity cannot be changed.")})
        current = {name: getattr(activity, name) for name in (
            "region", "title", "description", "place", "starts_at", "ends_at", "slots", "skills",
            "hours_cap_minutes", "points", "team")}
        links = {name: values.pop(name) for name in list(values) if name in LINKS}
        unknown = set(values) - set(current)
        if unknown:
            raise TypeError(f"unknown fields {sorted(unknown)}")
        merged = {**current, **values}
        if "hours_cap_minutes" not in values and ("starts_at" in values or "ends_at" in values):
            merged["hours_cap_minutes"] = None  # the new duration
        cleaned = _clean(actor, **merged)
        cleaned.update(_links(actor, **links))
        taken = activity.signups.filter(state__in=HOLDS_PLACE).count()
        if cleaned["slots"] < taken:
            raise ValidationError({"slots": _("%(n)d places are taken: the activity cannot have fewer.") % {"n": taken}})
        before = _summary(activity)
        for name, value in cleaned.items():
            setattr(activity, name, value)
        activity.save()
        after = _summary(activity)
        promoted = _fill_places(actor, activity)
        record(actor=actor, action="volunteers.activity.change", obj=activity,
               changes={**{k: [before[k], after[k]] for k in after if before[k] != after[k]},
                        **({"promoted": promoted} if promoted else {})})
    return activity


def publish_activity(*, actor, activity: Activity) -> Activity:
    return _set_state(actor, activity, "publish", (ActivityState.DRAFT,), ActivityState.PUBLISHED)


def cancel_activity(*, actor, activity: Activity, reason: str) -> Activity:
    reason = common.text(reason, "reason", _("The reason"), 200)
    return _set_state(actor, activity, "cancel", (ActivityState.DRAFT, ActivityState.PUBLISHED),
                      ActivityState.CANCELLED, reason=reason)


def finish_activity(*, actor, activity: Activity, at: dt.datetime | None = None) -> Activity:
    """Close an activity that has ended: those confirmed who never checked in are marked absent. Those
    checked in but not out keep their state for staff to record their hours (``correct_attendance``)."""
    at = at or timezone.now()
    if at < activity.ends_at:
        raise ValidationError({"__all__": _("The activity has not ended yet.")})
    return _set_state(actor, activity, "finish", (ActivityState.PUBLISHED,), ActivityState.FINISHED)


def _set_state(actor, activity, action, sources, target, *, reason: str = "") -> Activity:
    require(actor, "volunteers.manage")
    ensure_in_scope(activity, actor)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.state not in sources:
            raise ValidationError({"__all__": _("An activity that is “%(state)s” cannot be changed so.") % {
                "state": activity.get_state_display()}})
        if target == ActivityState.PUBLISHED and activity.ends_at <= timezone.now():
            raise ValidationError({"__all__": _("An activity that is over cannot be published.")})
        before = activity.state
        activity.state = target
        activity.save(update_fields=["state", "updated_at"])
        changes = {"state": [before, target]}
        if target == ActivityState.FINISHED:
            changes["absent"] = activity.signups.filter(state=SignUpState.CONFIRMED).update(
                state=SignUpState.ABSENT, updated_at=timezone.now())
        if target == ActivityState.CANCELLED:
            changes["signups_cancelled"] = activity.signups.filter(
                state__in=(SignUpState.CONFIRMED, SignUpState.WAITLISTED)).update(
                state=SignUpState.CANCELLED, updated_at=timezone.now())
        record(actor=actor, action=f"volunteers.activity.{action}", obj=activity, reason=reason, changes=changes)
    return activity


# --- sign-up and the waiting list -------------------------------------------------------------


def _for_volunteer(actor, volunteer: Volunteer | None) -> Volunteer:
    """The volunteer the actor acts for: their own record, or (staff) the one named, in their area."""
    user = user_of(actor)
    if volunteer is None:
        volunteer = Volunteer.objects.filter(user=user).first() if user is not None else None
        if volunteer is None:
            raise ValidationError({"volunteer": _("Apply as a volunteer first; the community verifies you.")})
    if user is not None and volunteer.user_id == user.pk:
        require(actor, "volunteers.join")
    else:
        require(actor, "volunteers.manage")
        ensure_in_scope(volunteer, actor)
    return volunteer


def _fill_places(actor, activity: Activity) -> list[int]:
    """Move the first of the waiting list into free places (the activity row is locked by the caller)."""
    free = activity.slots - activity.signups.filter(state__in=HOLDS_PLACE).count()
    if free <= 0:
        return []
    waiting = list(activity.signups.filter(state=SignUpState.WAITLISTED).order_by("signed_up_at", "id")[:free])
    for signup in waiting:
        signup.state = SignUpState.CONFIRMED
        signup.save(update_fields=["state", "updated_at"])
        record(actor=actor, action="volunteers.signup.promote", obj=signup, changes={"volunteer": signup.volunteer_id})
    return [s.volunteer_id for s in waiting]


def sign_up(*, actor, activity: Activity, volunteer: Volunteer | None = None,
            at: dt.datetime | None = None) -> SignUp:
    """Sign up for an activity: a place while there is one, else the waiting list."""
    volunteer = _for_volunteer(actor, volunteer)
    at = at or timezone.now()
    if not volunteer.is_verified:
        raise ValidationError({"volunteer": _("%(name)s is not a verified volunteer.") % {"name": volunteer.name}})
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.state != ActivityState.PUBLISHED:
            raise ValidationError({"activity": _("This activity is not open for sign-up.")})
        if at >= activity.starts_at:
            raise ValidationError({"activity": _("This activity has already started.")})
        signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
        if signup is not None and signup.state != SignUpState.CANCELLED:
            raise ValidationError({"activity": _("%(name)s has already signed up.") % {"name": volunteer.name}})
        taken = activity.signups.filter(state__in=HOLDS_PLACE).count()
        state = SignUpState.CONFIRMED if taken < activity.slots else SignUpState.WAITLISTED
        if signup is None:
            signup = SignUp.objects.create(activity=activity, volunteer=volunteer, state=state, signed_up_at=at)
        else:  # signing up again after cancelling: to the end of the queue
            signup.state, signup.signed_up_at = state, at
            signup.save(update_fields=["state", "signed_up_at", "updated_at"])
        record(actor=actor, action="volunteers.signup.create", obj=signup,
               changes={"volunteer": volunteer.pk, "state": state})
    return signup


def cancel_sign_up(*, actor, signup: SignUp) -> SignUp:
    """Give a place (or a waiting-list entry) back before check-in; the first waiting moves up."""
    _for_volunteer(actor, signup.volunteer)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        signup = SignUp.objects.select_for_update().get(pk=signup.pk)
        if signup.state not in (SignUpState.CONFIRMED, SignUpState.WAITLISTED):
            raise ValidationError({"__all__": _("A sign-up that is “%(state)s” cannot be cancelled.") % {
                "state": signup.get_state_display()}})
        before = signup.state
        signup.state = SignUpState.CANCELLED
        signup.save(update_fields=["state", "updated_at"])
        promoted = _fill_places(actor, activity) if activity.state == ActivityState.PUBLISHED else []
        record(actor=actor, action="volunteers.signup.cancel", obj=signup,
               changes={"state": [before, SignUpState.CANCELLED], "promoted": promoted})
    return signup


# --- check-in and check-out ------------------------------------------------------------------


@dataclass
class Scan:
    """What a scan did: the sign-up, ``changed`` False when it repeated nothing, and a sentence."""

    signup: SignUp
    direction: str
    changed: bool
    message: str


def _local_time(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "H:i")


def scan(*, actor, token: str, at: dt.datetime | None = None) -> Scan:
    """Check in or out with the code the organiser shows (the token says which)."""
    code = checkin.read_token(token)
    at = at or timezone.now()
    user = user_of(actor)
    volunteer = Volunteer.objects.filter(user=user).first() if user is not None else None
    if volunteer is None:
        raise PermissionDenied(_("Only a volunteer can check in; apply as a volunteer first."))
    require(actor, "volunteers.join")
    margin = dt.timedelta(minutes=settings.VOLUNTEERS_CHECKIN_MARGIN_MINUTES)
    with transaction.atomic():
        signup = (SignUp.objects.select_for_update().select_related("activity")
                  .filter(activity_id=code.activity_id, volunteer=volunteer).first())
        if signup is None or signup.state in (SignUpState.CANCELLED,):
            raise ValidationError({"code": _("You have not signed up for this activity.")})
        activity = signup.activity
        if signup.state == SignUpState.WAITLISTED:
            raise ValidationError({"code": _("You are on the waiting list of this activity, without a place.")})
        if activity.state not in (ActivityState.PUBLISHED, ActivityState.FINISHED):
            raise ValidationError({"code": _("This activity is not taking place.")})
        if code.direction == checkin.IN:
            return _check_in(actor, signup, code, at, margin)
        return _check_out(actor, signup, code, at, margin)


def _check_in(actor, signup: SignUp, code, at, margin) -> Scan:
    activity = signup.activity
    if signup.check_in_code == code.nonce or signup.checked_in_at is not None:
        return Scan(signup, checkin.IN, False, _("You checked in at %(time)s already.") % {
            "time": _local_time(signup.checked_in_at)})
    if signup.state != SignUpState.CONFIRMED:
        raise ValidationError({"code": _("A sign-up that is “%(state)s” cannot check in.") % {
            "state": signup.get_state_display()}})
    if not activity.starts_at - margin <= at <= activity.ends_at:
        raise ValidationError({"code": _("Check-in is open from %(from)s until the activity ends.") % {
            "from": _local_time(activity.starts_at - margin)}})
    signup.state, signup.checked_in_at, signup.check_in_code = SignUpState.CHECKED_IN, at, code.nonce
    signup.save(update_fields=["state", "checked_in_at", "check_in_code", "updated_at"])
    record(actor=actor, action="volunteers.signup.check_in", obj=signup, changes={"at": at.isoformat()})
    return Scan(signup, checkin.IN, True, _("Checked in at %(time)s.") % {"time": _local_time(at)})


def _check_out(actor, signup: SignUp, code, at, margin) -> Scan:
    activity = signup.activity
    if signup.check_out_code == code.nonce or signup.checked_out_at is not None:
        return Scan(signup, checkin.OUT, False, _("You checked out at %(time)s already.") % {
            "time": _local_time(signup.checked_out_at)})
    if signup.checked_in_at is None:
        raise ValidationError({"code": _("Check in first: you cannot check out before checking in.")})
    if at > activity.ends_at + margin:
        raise ValidationError({"code": _("Check-out closed at %(time)s; ask the organiser to record your hours.")
                                       % {"time": _local_time(activity.ends_at + margin)}})
    if at < signup.checked_in_at:
        raise ValidationError({"code": _("Check-out cannot be before check-in.")})
    minutes = min(int((at - signup.checked_in_at).total_seconds() // 60), activity.hours_cap_minutes)
    signup.state, signup.checked_out_at, signup.check_out_code = SignUpState.ATTENDED, at, code.nonce
    signup.credited_minutes = minutes
    signup.save(update_fields=["state", "checked_out_at", "check_out_code", "credited_minutes", "updated_at"])
    record(actor=actor, action="volunteers.signup.check_out", obj=signup,
           changes={"at": at.isoformat(), "minutes": minutes})
    _credit(actor, signup, minutes, activity.points)
    participation.count_attendance(signup, minutes, at)
    return Scan(signup, checkin.OUT, True, _("Checked out at %(time)s: %(hours)s hours credited.") % {
        "time": _local_time(at), "hours": ledger.format_amount(Currency.HOURS, minutes)})


def _credit(actor, signup: SignUp, minutes: int, points: int) -> None:
    if minutes > 0:
        ledger.credit(actor=actor, volunteer=signup.volunteer, currency=Currency.HOURS, amount=minutes,
                      kind=TransferKind.EARN, key=f"attendance:{signup.pk}", signup=signup,
                      memo=signup.activity.title[:200])
    if points > 0:
        ledger.credit(actor=actor, volunteer=signup.volunteer, currency=Currency.POINTS, amount=points,
                      kind=TransferKind.EARN, key=f"attendance-points:{signup.pk}", signup=signup,
                      memo=signup.activity.title[:200])


def correct_attendance(*, actor, signup: SignUp, minutes, reason: str) -> SignUp:
    """Staff set the minutes credited for one attendance, with a reason: the difference is a correcting
    transfer (audited). Also records the hours of one who checked in but could not check out, or of one
    marked absent who did come. Never more than the activity's cap; never below what is left to take back."""
    require(actor, "volunteers.manage")
    ensure_in_scope(signup, actor)
    reason = common.text(reason, "reason", _("The reason"), 200)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ValidationError({"minutes": _("Give the minutes as a whole number.")}) from None
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().select_related("activity", "volunteer").get(pk=signup.pk)
        activity = signup.activity
        if minutes < 0:
            raise ValidationError({"minutes": _("Hours cannot be negative.")})
        if minutes > activity.hours_cap_minutes:
            raise ValidationError({"minutes": _("At most %(hours)s hours can be credited for this activity.") % {
                "hours": ledger.format_amount(Currency.HOURS, activity.hours_cap_minutes)}})
        if signup.state not in (SignUpState.CHECKED_IN, SignUpState.ATTENDED, SignUpState.ABSENT):
            raise ValidationError({"__all__": _("Only an attendance can be corrected, not a sign-up that is "
                                                "“%(state)s”.") % {"state": signup.get_state_display()}})
        before_minutes, before_state = signup.credited_minutes, signup.state
        delta = minutes - before_minutes
        first_credit = before_state != SignUpState.ATTENDED
        signup.credited_minutes = minutes
        signup.state = SignUpState.ATTENDED if minutes > 0 else before_state
        signup.save(update_fields=["credited_minutes", "state", "updated_at"])
        record(actor=actor, action="volunteers.signup.correct", obj=signup, reason=reason,
               changes={"minutes": [before_minutes, minutes], "state": [before_state, signup.state]})
        if delta:
            ledger.correct(actor=actor, volunteer=signup.volunteer, currency=Currency.HOURS, delta=delta,
                           reason=reason, signup=signup)
        if first_credit and minutes > 0:
            participation.count_attendance(signup, minutes)
        if first_credit and minutes > 0 and activity.points:
            ledger.credit(actor=actor, volunteer=signup.volunteer, currency=Currency.POINTS, amount=activity.points,
                          kind=TransferKind.EARN, key=f"attendance-points:{signup.pk}", signup=signup,
                          memo=activity.title[:200])
    return signup

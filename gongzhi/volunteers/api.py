"""/api/v1/volunteers/: volunteers, teams, activities, check-in, the time bank and its shop.

Thin: parse, call a selector or service with the actor, render. Staff endpoints need ``volunteers.view``
(reads) and the services check ``volunteers.manage``; a row outside the caller's area answers 404 like
one that does not exist. ``/me…`` endpoints act for the signed-in person's own volunteer record. Phone
and ID numbers leave masked; ``POST /volunteers/{id}/reveal`` returns one value, with a reason, audited.
Spends, redemptions and gifts take the client's idempotency ``key``: the same key again writes nothing
and answers 200 with the first transfer (``replayed``), a new spend answers 201.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of, user_of
from gongzhi.accounts.roles import can, require
from gongzhi.core.schemas import In, Pages
from gongzhi.core.scoping import scope_queryset

from . import checkin, ledger, selectors
from .models import Volunteer
from .schemas import (
    VolActivityIn,
    VolActivityOut,
    VolActivityStateIn,
    VolApplyIn,
    VolAwardIn,
    VolCodeOut,
    VolCorrectIn,
    VolErrorOut,
    VolFigureOut,
    VolGiftIn,
    VolLineOut,
    VolMeOut,
    VolMemberIn,
    VolRedeemIn,
    VolRevealIn,
    VolRevealOut,
    VolRewardIn,
    VolRewardOut,
    VolScanIn,
    VolScanOut,
    VolSignUpIn,
    VolSignUpOut,
    VolSpendIn,
    VolStatementOut,
    VolStatusIn,
    VolTeamDetailOut,
    VolTeamIn,
    VolTeamOut,
    VolTransferOut,
    VolVerifyIn,
    VolunteerOut,
    balances_out,
)
from .services import activities, people, shop

router = Router(tags=["volunteers"])
NOT_FOUND = {404: VolErrorOut}


def _get(queryset: QuerySet, pk):
    obj = queryset.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if obj is None:
        raise HttpError(404, _("There is no such %(what)s in your area.") % {"what": queryset.model._meta.verbose_name})
    return obj


def _staff(request):
    actor = actor_of(request)
    require(actor, "volunteers.view")
    return actor


def _me(request) -> Volunteer:
    volunteer = selectors.volunteer_of(user_of(actor_of(request)))
    if volunteer is None:
        raise HttpError(404, _("You have not applied as a volunteer."))
    return volunteer


def _transfer(posted: ledger.Posted) -> Status:
    t = posted.transfer
    return Status(201 if posted.created else 200, VolTransferOut(
        id=t.pk, kind=t.kind, currency=t.currency, amount=t.amount, memo=t.memo, created_at=t.created_at,
        replayed=not posted.created))


# --- volunteers (staff) ------------------------------------------------------------------------


@router.get("/volunteers", response=list[VolunteerOut], summary="Volunteers of your area (numbers masked)")
@paginate(Pages, page_size=50)
def list_volunteers(request, q: str = "", status: str = ""):
    return selectors.volunteers_for(_staff(request), q=q, status=status)


@router.get("/volunteers/{volunteer_id}", response={200: VolunteerOut, **NOT_FOUND}, summary="One volunteer")
def get_volunteer(request, volunteer_id: int):
    return _get(selectors.volunteers_for(_staff(request)), volunteer_id)


@router.post("/volunteers/{volunteer_id}/verify", response={200: VolunteerOut, **NOT_FOUND},
             summary="Verify an application against the register (the person with its ID number, or the one named)")
def verify_volunteer(request, volunteer_id: int, payload: VolVerifyIn):
    from gongzhi.registry.models import Person

    actor = _staff(request)
    volunteer = _get(selectors.volunteers_for(actor), volunteer_id)
    person = _get(scope_queryset(Person.objects.all(), actor), payload.person_id) if payload.person_id else None
    return people.verify(actor=actor, volunteer=volunteer, person=person)


@router.post("/volunteers/{volunteer_id}/status", response={200: VolunteerOut, **NOT_FOUND},
             summary="Reject an application, suspend or reinstate a volunteer")
def change_status(request, volunteer_id: int, payload: VolStatusIn):
    actor = _staff(request)
    volunteer = _get(selectors.volunteers_for(actor), volunteer_id)
    return people.change_status(actor=actor, volunteer=volunteer, action=payload.action, reason=payload.reason)


@router.post("/volunteers/{volunteer_id}/reveal", response={200: VolRevealOut, 404: VolErrorOut, 429: VolErrorOut},
             summary="Reveal one phone or ID number (needs a reason; audited; 429 over the reveal limits)")
def reveal(request, volunteer_id: int, payload: VolRevealIn):
    actor = _staff(request)
    volunteer = _get(selectors.volunteers_for(actor), volunteer_id)
    value = people.reveal_personal_field(actor=actor, volunteer=volunteer, field=payload.field, reason=payload.reason)
    return VolRevealOut(field=payload.field, value=value)


@router.post("/volunteers/{volunteer_id}/award", response={200: VolTransferOut, 201: VolTransferOut, **NOT_FOUND},
             summary="Award points for a good deed (道德银行)")
def award(request, volunteer_id: int, payload: VolAwardIn):
    actor = _staff(request)
    volunteer = _get(selectors.volunteers_for(actor), volunteer_id)
    return _transfer(ledger.award_points(actor=actor, volunteer=volunteer, points=payload.points,
                                         reason=payload.reason, key=payload.key))


@router.post("/volunteers/{volunteer_id}/spend", response={200: VolTransferOut, 201: VolTransferOut, **NOT_FOUND},
             summary="Record a service redeemed with a volunteer's hours or points (idempotent by key)")
def staff_spend(request, volunteer_id: int, payload: VolSpendIn):
    actor = _staff(request)
    volunteer = _get(selectors.volunteers_for(actor), volunteer_id)
    return _transfer(ledger.spend(actor=actor, volunteer=volunteer, currency=payload.currency,
                                  amount=payload.amount, key=payload.key, memo=payload.memo))


def _statement_out(volunteer, year) -> VolStatementOut:
    result = selectors.statement(volunteer, year)
    rows = {c: [{"at": r.at, "kind": r.kind, "memo": r.memo, "amount": r.amount, "balance": r.balance}
                for r in result.rows[c]] for c in ("hours", "points")}
    return VolStatementOut(year=year, opening=result.opening, closing=result.closing, hours=rows["hours"],
                        points=rows["points"], activities=result.activities)


class VolYearIn(In):
    year: int | None = None


def _year(value: int | None) -> int:
    year = value or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise HttpError(422, _("Choose a year between 2000 and 2100."))
    return year


@router.get("/volunteers/{volunteer_id}/statement", response={200: VolStatementOut, **NOT_FOUND},
            summary="A volunteer's yearly statement of hours and points")
def statement(request, volunteer_id: int, filters: Query[VolYearIn]):
    volunteer = _get(selectors.volunteers_for(_staff(request)), volunteer_id)
    return _statement_out(volunteer, _year(filters.year))


# --- teams ---------------------------------------------------------------------------------------


@router.get("/teams", response=list[VolTeamOut], summary="Volunteer teams of your area")
@paginate(Pages, page_size=50)
def list_teams(request):
    return selectors.teams_for(_staff(request))


@router.post("/teams", response={201: VolTeamOut}, summary="Create a team")
def create_team(request, payload: VolTeamIn):
    team = people.create_team(actor=_staff(request), region=payload.region, name=payload.name,
                              description=payload.description)
    return Status(201, team)


def _team_out(team):
    team.roster = [{"volunteer_id": m.volunteer_id, "name": m.volunteer.name, "role": m.role}
                   for m in selectors.memberships_of(team)]
    team.member_count = len(team.roster)
    return team


@router.get("/teams/{team_id}", response={200: VolTeamDetailOut, **NOT_FOUND}, summary="A team and its members")
def get_team(request, team_id: int):
    return _team_out(_get(selectors.teams_for(_staff(request)), team_id))


@router.post("/teams/{team_id}/members", response={200: VolTeamDetailOut, **NOT_FOUND}, summary="Add a member")
def add_member(request, team_id: int, payload: VolMemberIn):
    actor = _staff(request)
    team = _get(selectors.teams_for(actor), team_id)
    volunteer = _get(selectors.volunteers_for(actor), payload.volunteer_id)
    people.add_member(actor=actor, team=team, volunteer=volunteer, role=payload.role)
    return _team_out(team)


# --- activities (staff) -------------------------------------------------------------------------------


@router.get("/activities", response=list[VolActivityOut], summary="Activities of your area, newest first")
@paginate(Pages, page_size=50)
def list_activities(request, state: str = "", q: str = ""):
    return selectors.activities_for(_staff(request), state=state, q=q)


@router.post("/activities", response={201: VolActivityOut}, summary="Create an activity (a draft, or published)")
def create_activity(request, payload: VolActivityIn):
    actor = _staff(request)
    from gongzhi.party.models import Need, Project, ServicePost

    team = _get(selectors.teams_for(actor), payload.team_id) if payload.team_id else None
    links = {name: _get(scope_queryset(model.objects.all(), actor), pk) if pk else None
             for name, model, pk in (("need", Need, payload.need_id), ("project", Project, payload.project_id),
                                     ("service_post", ServicePost, payload.service_post_id))}
    values = payload.dict(exclude={"team_id", "need_id", "project_id", "service_post_id"})
    activity = activities.create_activity(actor=actor, team=team, **values, **links)
    return Status(201, selectors.activity_for(actor, activity.pk))


@router.get("/activities/{activity_id}", response={200: VolActivityOut, **NOT_FOUND},
            summary="One activity: staff of its area, or anyone while it is published")
def get_activity(request, activity_id: int):
    actor = actor_of(request)
    activity = selectors.activity_for(actor, activity_id) if can(actor, "volunteers.view") else None
    activity = activity or selectors.public_activity(activity_id)
    if activity is None:
        raise HttpError(404, _("There is no such activity."))
    return activity


@router.post("/activities/{activity_id}/state", response={200: VolActivityOut, **NOT_FOUND},
             summary="Publish, cancel (with a reason) or finish an activity")
def change_activity_state(request, activity_id: int, payload: VolActivityStateIn):
    actor = _staff(request)
    activity = _get(selectors.activities_for(actor), activity_id)
    if payload.action == "publish":
        activities.publish_activity(actor=actor, activity=activity)
    elif payload.action == "cancel":
        activities.cancel_activity(actor=actor, activity=activity, reason=payload.reason)
    elif payload.action == "finish":
        activities.finish_activity(actor=actor, activity=activity)
    else:
        raise HttpError(422, _("Choose publish, cancel or finish."))
    return selectors.activity_for(actor, activity.pk)


@router.get("/activities/{activity_id}/signups", response={200: list[VolSignUpOut], **NOT_FOUND},
            summary="The sign-ups of an activity, in order (the waiting list last)")
def list_signups(request, activity_id: int):
    activity = _get(selectors.activities_for(_staff(request)), activity_id)
    return list(selectors.signups_of(activity)[:2000])


class VolDirectionIn(In):
    direction: str = "in"


@router.get("/activities/{activity_id}/code", response={200: VolCodeOut, **NOT_FOUND},
            summary="A fresh check-in or check-out code to show as a QR code (valid for VOLUNTEERS_QR_SECONDS)")
def check_code(request, activity_id: int, filters: Query[VolDirectionIn]):
    from django.conf import settings

    actor = _staff(request)
    require(actor, "volunteers.manage")
    activity = _get(selectors.activities_for(actor), activity_id)
    if filters.direction not in (checkin.IN, checkin.OUT):
        raise HttpError(422, _("Choose in or out."))
    token = checkin.make_token(activity.pk, filters.direction)
    url = request.build_absolute_uri(reverse("volunteer_scan")) + "?c=" + token
    return VolCodeOut(direction=filters.direction, token=token, url=url, expires_in=settings.VOLUNTEERS_QR_SECONDS)


@router.post("/activities/{activity_id}/signup", response={201: VolSignUpOut, 404: VolErrorOut},
             summary="Sign up for a published activity (oneself, or staff for a volunteer of their area)")
def sign_up(request, activity_id: int, payload: VolSignUpIn):
    actor = actor_of(request)
    activity = selectors.public_activity(activity_id)
    if activity is None:
        raise HttpError(404, _("There is no such activity."))
    volunteer = None
    if payload.volunteer_id:
        require(actor, "volunteers.view")
        volunteer = _get(selectors.volunteers_for(actor), payload.volunteer_id)
    return Status(201, activities.sign_up(actor=actor, activity=activity, volunteer=volunteer))


@router.post("/signups/{signup_id}/cancel", response={200: VolSignUpOut, **NOT_FOUND},
             summary="Give a place back (oneself, or staff); the first on the waiting list moves up")
def cancel_signup(request, signup_id: int):
    actor = actor_of(request)
    signup = selectors.signup_for(actor, signup_id)
    if signup is None:
        raise HttpError(404, _("There is no such sign-up."))
    return activities.cancel_sign_up(actor=actor, signup=signup)


@router.post("/signups/{signup_id}/correct", response={200: VolSignUpOut, **NOT_FOUND},
             summary="Set the minutes credited for an attendance, with a reason (staff; audited)")
def correct_signup(request, signup_id: int, payload: VolCorrectIn):
    actor = _staff(request)
    signup = selectors.signup_for(actor, signup_id)
    if signup is None:
        raise HttpError(404, _("There is no such sign-up."))
    return activities.correct_attendance(actor=actor, signup=signup, minutes=payload.minutes, reason=payload.reason)


@router.post("/scan", response=VolScanOut, summary="Check in or out with the scanned code")
def scan(request, payload: VolScanIn):
    result = activities.scan(actor=actor_of(request), token=payload.token)
    return VolScanOut(signup=result.signup, direction=result.direction, changed=result.changed, message=result.message)


# --- the shop ------------------------------------------------------------------------------------------


@router.get("/rewards", response=list[VolRewardOut], summary="The shop's rewards of your area (staff)")
@paginate(Pages, page_size=50)
def list_rewards(request):
    return selectors.rewards_for(_staff(request))


@router.post("/rewards", response={201: VolRewardOut}, summary="Offer a reward or service for hours or points")
def create_reward(request, payload: VolRewardIn):
    return Status(201, shop.create_reward(actor=_staff(request), **payload.dict()))


# --- figures ---------------------------------------------------------------------------------------


class VolPeriodIn(In):
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/figures", response=list[VolFigureOut],
            summary="Volunteer hours and points, activities and attendances by community and month")
def figures(request, filters: Query[VolPeriodIn]):
    actor = _staff(request)
    end = filters.end or timezone.localdate()
    start = filters.start or end.replace(month=1, day=1)
    if start > end or (end - start).days > 731:
        raise HttpError(422, _("Choose a period of at most two years, its start before its end."))
    return [VolFigureOut(community=r.community, community_name=r.community_name, month=r.month,
                      hours_earned_minutes=r.hours_earned, points_earned=r.points_earned,
                      hours_spent_minutes=r.hours_spent, points_spent=r.points_spent, activities=r.activities,
                      attendances=r.attendances)
            for r in selectors.figures(actor, start=start, end=end)]


# --- the resident's own ------------------------------------------------------------------------------


@router.get("/me", response=VolMeOut, summary="My volunteer record and balances (none until I apply)")
def me(request):
    volunteer = selectors.volunteer_of(user_of(actor_of(request)))
    if volunteer is None:
        return VolMeOut(volunteer=None, balances=None)
    return VolMeOut(volunteer=volunteer, balances=balances_out(selectors.balances(volunteer)))


@router.post("/me/apply", response={201: VolunteerOut}, summary="Apply as a volunteer (the community verifies)")
def apply(request, payload: VolApplyIn):
    return Status(201, people.apply(actor=actor_of(request), **payload.dict()))


@router.get("/me/activities", response=list[VolActivityOut], summary="Published activities open for sign-up")
@paginate(Pages, page_size=50)
def open_activities(request, q: str = "", region: str = ""):
    return selectors.open_activities(region_code=region[:20], q=q)


@router.get("/me/signups", response=list[VolSignUpOut], summary="My sign-ups, newest activity first")
@paginate(Pages, page_size=50)
def my_signups(request):
    return selectors.signups_of_volunteer(_me(request))


@router.get("/me/lines", response=list[VolLineOut], summary="My hours and points, line by line")
@paginate(Pages, page_size=50)
def my_lines(request, currency: str = ""):
    return selectors.lines_of(_me(request), currency=currency)


@router.get("/me/statement", response=VolStatementOut, summary="My yearly statement")
def my_statement(request, filters: Query[VolYearIn]):
    return _statement_out(_me(request), _year(filters.year))


@router.get("/me/shop", response=list[VolRewardOut], summary="What I can redeem in my community")
@paginate(Pages, page_size=50)
def my_shop(request):
    return selectors.rewards_for_volunteer(_me(request))


@router.post("/me/redeem", response={200: VolTransferOut, 201: VolTransferOut, 404: VolErrorOut},
             summary="Redeem a reward at its price (idempotent by key)")
def redeem(request, payload: VolRedeemIn):
    volunteer = _me(request)
    reward = selectors.rewards_for_volunteer(volunteer).filter(pk=payload.reward_id).first()
    if reward is None:
        raise HttpError(404, _("This reward is not on offer in your community."))
    return _transfer(ledger.redeem(actor=actor_of(request), volunteer=volunteer, reward=reward, key=payload.key))


@router.post("/me/gift", response={200: VolTransferOut, 201: VolTransferOut, 404: VolErrorOut},
             summary="Give hours to a member of my household (where allowed; idempotent by key)")
def gift(request, payload: VolGiftIn):
    volunteer = _me(request)
    receiver = selectors.family_members(volunteer).filter(pk=payload.receiver_id).first()
    if receiver is None:
        raise HttpError(404, _("There is no such volunteer in your household."))
    return _transfer(ledger.gift(actor=actor_of(request), giver=volunteer, receiver=receiver,
                                 currency=payload.currency, amount=payload.amount, key=payload.key,
                                 memo=payload.memo))

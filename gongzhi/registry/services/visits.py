"""Household visits and patrols recorded by grid workers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.audit.services import record
from gongzhi.registry.models import Household, HouseholdVisit, Patrol, PatrolProblem, Person

from .common import apply_changes, audit_diff, check, ensure_grid, full_clean, take_snapshot


def _staff_member(actor) -> User:
    """The person who went: a visit or patrol is someone's, so a machine client (an API key) cannot record one."""
    if not isinstance(actor, User):
        raise PermissionDenied(_("Visits and patrols are recorded by the staff member who made them, not with an "
                                 "API key."))
    return actor


def _check_point(longitude, latitude) -> None:
    if (longitude is None) != (latitude is None):
        raise ValidationError({"longitude": _("Give both longitude and latitude, or neither.")})
    if longitude is not None and not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise ValidationError({"longitude": _("The location is not a valid longitude/latitude.")})


def _not_in_future(moment: dt.datetime, field: str) -> None:
    if moment > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: _("This time is in the future.")})


@transaction.atomic
def record_visit(*, actor, household: Household | None = None, dwelling=None, persons=None,
                 visited_at: dt.datetime | None = None, longitude: float | None = None, latitude: float | None = None,
                 notes: str = "", follow_up_needed: bool = False, follow_up_note: str = "") -> HouseholdVisit:
    """Record a visit. It counts for ``persons`` (default: the household's members,
    or else the current residents of the dwelling)."""
    if household is None and dwelling is None:
        raise ValidationError({"household": _("Say which household or dwelling was visited.")})
    dwelling = dwelling or household.dwelling
    if household is None:
        # A dwelling with exactly one household: the visit is that household's.
        candidates = list(Household.objects.filter(dwelling=dwelling)[:2])
        household = candidates[0] if len(candidates) == 1 else None
    grid = household.grid if household is not None else dwelling.grid
    persons = list(persons) if persons is not None else None
    check(actor, "registry.visit", ensure_grid(grid), household, dwelling, *(persons or ()))
    _staff_member(actor)
    visited_at = visited_at or timezone.now()
    _not_in_future(visited_at, "visited_at")
    _check_point(longitude, latitude)
    if follow_up_needed and not follow_up_note.strip():
        raise ValidationError({"follow_up_note": _("Say what needs to be followed up.")})
    if persons is None:
        if household is not None:
            persons = list(Person.objects.filter(household_membership__household=household))
        else:
            persons = list(Person.objects.filter(dwelling=dwelling))
    visit = HouseholdVisit.objects.create(
        grid=grid, household=household, dwelling=dwelling, visitor=actor, visited_at=visited_at,
        longitude=longitude, latitude=latitude, notes=notes, follow_up_needed=follow_up_needed,
        follow_up_note=follow_up_note)
    visit.persons.set(persons)
    record(actor=actor, action="registry.visit.create", obj=visit,
           changes={"household": household.pk if household else None, "dwelling": dwelling.pk if dwelling else None,
                    "persons": [p.pk for p in persons], "follow_up_needed": follow_up_needed})
    return visit


@transaction.atomic
def update_visit(*, actor, visit: HouseholdVisit, persons=None, reason: str = "", **changes) -> HouseholdVisit:
    """Correct what was noted of a visit; where and by whom stay as recorded."""
    check(actor, "registry.visit", visit, *(persons or ()))
    before = take_snapshot(visit)
    apply_changes(visit, changes, {"visited_at", "longitude", "latitude", "notes", "follow_up_needed",
                                   "follow_up_note"})
    _not_in_future(visit.visited_at, "visited_at")
    _check_point(visit.longitude, visit.latitude)
    if visit.follow_up_needed and not (visit.follow_up_note or "").strip():
        raise ValidationError({"follow_up_note": _("Say what needs to be followed up.")})
    full_clean(visit)
    visit.save()
    diff = audit_diff(visit, before)
    if persons is not None:
        persons = list(persons)
        visit.persons.set(persons)
        diff["persons"] = [p.pk for p in persons]
    record(actor=actor, action="registry.visit.update", obj=visit, changes=diff, reason=reason)
    return visit


@transaction.atomic
def update_patrol(*, actor, patrol: Patrol, reason: str = "", **changes) -> Patrol:
    """Correct a patrol's times, route or notes (the grid and the patroller stay)."""
    check(actor, "registry.visit", patrol)
    before = take_snapshot(patrol)
    apply_changes(patrol, changes, {"started_at", "ended_at", "route", "notes"})
    _not_in_future(patrol.started_at, "started_at")
    if patrol.ended_at is not None:
        _not_in_future(patrol.ended_at, "ended_at")
        if patrol.ended_at < patrol.started_at:
            raise ValidationError({"ended_at": _("The patrol cannot end before it started.")})
    patrol.route = _clean_route(patrol.route)
    full_clean(patrol)
    patrol.save()
    record(actor=actor, action="registry.patrol.update", obj=patrol, changes=audit_diff(patrol, before),
           reason=reason)
    return patrol


@transaction.atomic
def update_patrol_problem(*, actor, problem: PatrolProblem, reason: str = "", **changes) -> PatrolProblem:
    check(actor, "registry.visit", problem.patrol)
    before = take_snapshot(problem)
    apply_changes(problem, changes, {"description", "category", "found_at", "longitude", "latitude",
                                     "resolved_on_the_spot"})
    if not (problem.description or "").strip():
        raise ValidationError({"description": _("Describe the problem.")})
    _check_point(problem.longitude, problem.latitude)
    full_clean(problem)
    problem.save()
    record(actor=actor, action="registry.patrol.problem_update", obj=problem.patrol,
           changes={"problem": problem.pk, **audit_diff(problem, before)}, reason=reason)
    return problem


def _clean_route(route) -> list:
    cleaned = []
    for index, point in enumerate(route or []):
        try:
            lon, lat = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError):
            raise ValidationError({"route": _("Route point %(n)d is not [longitude, latitude].") % {"n": index + 1}}
                                  ) from None
        _check_point(lon, lat)
        cleaned.append([lon, lat, *(point[2:3] if len(point) > 2 else [])])
    return cleaned


@transaction.atomic
def record_patrol(*, actor, grid, started_at: dt.datetime | None = None, ended_at: dt.datetime | None = None,
                  route=None, notes: str = "", problems=()) -> Patrol:
    """Record a patrol, finished or under way, with the problems found on it.

    ``problems`` is a list of dicts with ``description`` and optionally
    ``category``, ``found_at``, ``longitude``, ``latitude``, ``resolved_on_the_spot``.
    """
    check(actor, "registry.visit", ensure_grid(grid))
    _staff_member(actor)
    started_at = started_at or timezone.now()
    _not_in_future(started_at, "started_at")
    if ended_at is not None:
        _not_in_future(ended_at, "ended_at")
        if ended_at < started_at:
            raise ValidationError({"ended_at": _("The patrol cannot end before it started.")})
    patrol = Patrol.objects.create(grid=grid, patroller=actor, started_at=started_at, ended_at=ended_at,
                                   route=_clean_route(route), notes=notes)
    for problem in problems:
        _add_problem(patrol, **problem)
    record(actor=actor, action="registry.patrol.create", obj=patrol,
           changes={"started_at": str(started_at), "ended_at": str(ended_at) if ended_at else None,
                    "route_points": len(patrol.route), "problems": len(problems)})
    return patrol


@transaction.atomic
def finish_patrol(*, actor, patrol: Patrol, ended_at: dt.datetime | None = None, route=None,
                  notes: str | None = None) -> Patrol:
    check(actor, "registry.visit", patrol)
    if patrol.ended_at is not None:
        raise ValidationError({"ended_at": _("This patrol has already ended.")})
    patrol.ended_at = ended_at or timezone.now()
    if patrol.ended_at < patrol.started_at:
        raise ValidationError({"ended_at": _("The patrol cannot end before it started.")})
    if route is not None:
        patrol.route = _clean_route(route)
    if notes is not None:
        patrol.notes = notes
    patrol.save()
    record(actor=actor, action="registry.patrol.finish", obj=patrol, changes={"ended_at": str(patrol.ended_at)})
    return patrol


def _add_problem(patrol, *, description: str, category: str = "", found_at=None, longitude=None, latitude=None,
                 resolved_on_the_spot: bool = False) -> PatrolProblem:
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe the problem.")})
    _check_point(longitude, latitude)
    return PatrolProblem.objects.create(patrol=patrol, description=description.strip(), category=category,
                                        found_at=found_at or timezone.now(), longitude=longitude, latitude=latitude,
                                        resolved_on_the_spot=resolved_on_the_spot)


@transaction.atomic
def report_patrol_problem(*, actor, patrol: Patrol, **problem) -> PatrolProblem:
    check(actor, "registry.visit", patrol)
    found = _add_problem(patrol, **problem)
    record(actor=actor, action="registry.patrol.problem", obj=patrol,
           changes={"problem": found.pk, "category": found.category})
    return found

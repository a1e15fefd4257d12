"""Deadlines of a case, on the project's working-day calendar.

The response deadline (签收) is counted in working hours, the resolution
deadline (办结) in working days, both from the moment of dispatch (or of the
reopening after an unsatisfied callback, which is a new order to the same
unit), with the numbers of the case's category for its urgency. All
arithmetic is :mod:`gongzhi.core.workcal`'s; nothing here knows about
weekends or holidays. Every function takes ``region``, the case's
``region_code``, so that a local holiday of the case's place (a calendar
override for part of the region tree) moves its deadlines and nobody else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from gongzhi.core import workcal

from .models import Case, CaseState, Category


# The key a case event's payload carries when a deadline it set was counted across a year without a
# holiday schedule (Monday–Friday only): ``"calendar_unscheduled": true``.
UNSCHEDULED_KEY = "calendar_unscheduled"


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime
    resolution_due: datetime
    # Counted across a year whose holidays are unknown (gongzhi.core.workcal.is_year_scheduled).
    unscheduled: bool = False


def unscheduled(*moments) -> bool:
    """Whether a deadline counted over the span of ``moments`` crosses a year without a holiday schedule."""
    return bool(workcal.unscheduled_years(*moments))


def mark_unscheduled(details: dict, *moments) -> dict:
    """Add ``"calendar_unscheduled": true`` to an event's payload when the deadline spans an unscheduled year."""
    if unscheduled(*moments):
        details[UNSCHEDULED_KEY] = True
    return details


def for_dispatch(category: Category, urgency: str, dispatched_at: datetime, *, region: str = "") -> Deadlines:
    response_due = workcal.add_working_hours(dispatched_at, category.response_hours(urgency), region=region)
    resolution_due = workcal.add_working_days(dispatched_at, category.resolution_days(urgency), region=region)
    return Deadlines(response_due=response_due, resolution_due=resolution_due,
                     unscheduled=unscheduled(dispatched_at, response_due, resolution_due))


def for_reopen(category: Category, urgency: str, reopened_at: datetime, *, region: str = "") -> Deadlines:
    """Fresh deadlines of a reopened case (重办): counted as at dispatch, from the reopening."""
    return for_dispatch(category, urgency, reopened_at, region=region)


def extended(due: datetime, days: int, *, region: str = "") -> datetime:
    """The resolution deadline moved by an approved extension of ``days`` working days."""
    return workcal.add_working_days(due, days, region=region)


def working_time_left(due: datetime, now: datetime, *, region: str = "") -> timedelta:
    """Office time from ``now`` until ``due`` (negative once it has passed)."""
    return workcal.working_time_between(now, due, region=region)


def is_due_soon(due: datetime, now: datetime, *, region: str = "") -> bool:
    return now < due and (working_time_left(due, now, region=region)
                          <= timedelta(hours=settings.CASE_DUE_SOON_WORKING_HOURS))


def clock_of(case: Case) -> tuple[str, datetime | None]:
    """Which deadline the case is on now: ("response", due), ("resolution", due) or ("", None)."""
    if case.state == CaseState.DISPATCHED:
        return "response", case.response_due
    if case.state == CaseState.IN_PROGRESS:
        return "resolution", case.resolution_due
    return "", None


def dispatch_due(case: Case) -> datetime:
    """Intake → dispatch: clock hours (the hotline never closes) of the case's category and urgency."""
    return case.created_at + timedelta(hours=case.category.dispatch_hours(case.urgency))


def callback_due(case: Case) -> datetime | None:
    """The callback (回访) of a replied case is due ``CASE_CALLBACK_WORKING_DAYS`` working days after the reply."""
    if case.replied_at is None:
        return None
    return workcal.add_working_days(case.replied_at, settings.CASE_CALLBACK_WORKING_DAYS, region=case.region_code)


def red_card_from(due: datetime, *, region: str = "") -> datetime:
    """When an overdue case earns a red card: ``CASE_RED_CARD_OVERDUE_DAYS`` working days after its deadline."""
    return workcal.add_working_days(due, settings.CASE_RED_CARD_OVERDUE_DAYS, region=region)


WAITING_FOR_DISPATCH = (CaseState.RECEIVED, CaseState.RETURNED, CaseState.ARBITRATION)


def expected_reply(case: Case, now: datetime | None = None) -> datetime | None:
    """When the resident can expect the reply: the resolution deadline once a unit has the case.

    Before dispatch it is the resolution deadline the case would have if it
    were dispatched at its dispatch deadline (or now, once that has passed):
    the latest the rules allow. None once replied or ended.
    """
    if case.state in (CaseState.DISPATCHED, CaseState.IN_PROGRESS):
        return case.resolution_due
    if case.state in WAITING_FOR_DISPATCH:
        now = now or timezone.now()
        start = max(dispatch_due(case), now)
        return workcal.add_working_days(start, case.category.resolution_days(case.urgency), region=case.region_code)
    return None

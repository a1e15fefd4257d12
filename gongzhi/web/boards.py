"""Reads that arrange visible cases for the console: the work queue and the deadline board.

They start from :func:`gongzhi.cases.selectors.visible_cases` /
:func:`~gongzhi.cases.selectors.list_cases` (the one scoping of cases) and
only group and count; which deadline a case is on is the cases app's rule
(:func:`gongzhi.cases.deadlines.clock_of`: response while dispatched,
resolution while in progress).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Case as When_
from django.db.models import Count, F, Q, QuerySet, When
from django.utils import timezone

from gongzhi.accounts.roles import can
from gongzhi.cases import selectors
from gongzhi.cases.models import Case, CaseState, ExtensionRequest, ExtensionState

CLOCKED = (CaseState.DISPATCHED, CaseState.IN_PROGRESS)


def with_due(queryset: QuerySet) -> QuerySet:
    """Annotate ``due``: the deadline the case is on now."""
    return queryset.annotate(due=When_(When(state=CaseState.DISPATCHED, then=F("response_due")),
                                       When(state=CaseState.IN_PROGRESS, then=F("resolution_due")), default=None))


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """(end of today, end of this week) in local time; a week ends on Sunday night."""
    today = timezone.localtime(now).date()
    end_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    end_week = timezone.make_aware(datetime.combine(today + timedelta(days=7 - today.weekday()), time.min))
    return end_today, end_week


def due_filter(queryset: QuerySet, which: str, now: datetime) -> QuerySet:
    end_today, end_week = day_bounds(now)
    queryset = with_due(queryset.filter(state__in=CLOCKED))
    if which == "today":
        return queryset.filter(due__gte=now, due__lt=end_today)
    return queryset.filter(due__gte=now, due__lt=end_week)


def only_ids(queryset: QuerySet) -> QuerySet:
    """A plain queryset of the same cases, when ``queryset`` is DISTINCT (grouping needs no duplicates)."""
    if queryset.query.distinct:
        return Case.objects.filter(pk__in=queryset.order_by().values("pk"))
    return queryset


def deadline_board(actor, now: datetime | None = None, *, region: str | None = None) -> list[dict]:
    """Per lead unit: overdue, due today, due this week (from now), of the visible cases on the clock.

    With ``region`` (a region code), only the cases placed in that subtree, as
    the case list filtered by it: the dashboard's "overdue now" tile is the
    sum of this board's overdue column, so both always count the same cases.
    One grouped query per clocked state, each on the plain deadline column of
    that state (indexable), merged per unit.
    """
    now = now or timezone.now()
    end_today, end_week = day_bounds(now)
    cases = (selectors.list_cases(actor, selectors.CaseFilters(region=region)) if region
             else selectors.visible_cases(actor))
    visible = only_ids(cases)
    rows: dict = {}
    for state, field in ((CaseState.DISPATCHED, "response_due"), (CaseState.IN_PROGRESS, "resolution_due")):
        grouped = (visible.filter(state=state).values("lead_unit__code", "lead_unit__name")
                   .annotate(overdue=Count("id", filter=Q(**{f"{field}__lt": now})),
                             today=Count("id", filter=Q(**{f"{field}__gte": now, f"{field}__lt": end_today})),
                             week=Count("id", filter=Q(**{f"{field}__gte": now, f"{field}__lt": end_week})),
                             total=Count("id"))
                   .order_by())
        for r in grouped:
            row = rows.setdefault(r["lead_unit__code"], {"code": r["lead_unit__code"], "name": r["lead_unit__name"],
                                                         "overdue": 0, "today": 0, "week": 0, "total": 0})
            for key in ("overdue", "today", "week", "total"):
                row[key] += r[key]
    return sorted(rows.values(), key=lambda r: (-r["overdue"], -r["today"], r["code"] or ""))


def sort_overdue_first(cases, now: datetime) -> list:
    def key(case):
        due = case.response_due if case.state == CaseState.DISPATCHED else case.resolution_due
        return (not selectors.is_overdue(case, now), due or datetime.max.replace(tzinfo=now.tzinfo), case.pk)

    return sorted(cases, key=key)


def work_queue(actor, *, limit: int = 20, now: datetime | None = None) -> dict:
    """The sections of a user's queue: what is waiting for them to act, overdue first.

    Each section holds at most ``limit`` cases (``limit + 1`` are read, so the
    page can say there are more and link to the full, filtered case list).
    """
    now = now or timezone.now()
    sections = {}
    if can(actor, "cases.dispatch"):
        sections["to_dispatch"] = list(selectors.list_cases(
            actor, selectors.CaseFilters(state="received,returned,arbitration"))[:limit + 1])
        # Driven from the few pending requests (their partial unique index), not from every case:
        # joined from the case side, SQLite walked all cases by category (171 ms of 228 with 120,000 cases).
        pending = ExtensionRequest.objects.filter(state=ExtensionState.PENDING).values("case_id")
        sections["extensions"] = list(selectors.visible_cases(actor).filter(pk__in=pending)
                                      .select_related("category", "lead_unit")[:limit + 1])
    unit = getattr(actor, "unit", None)
    if unit is not None and can(actor, "cases.handle"):
        mine = selectors.list_cases(actor, selectors.CaseFilters(unit=unit.code))
        sections["to_acknowledge"] = sort_overdue_first(mine.filter(state=CaseState.DISPATCHED)[:limit + 1], now)
        sections["in_progress"] = sort_overdue_first(mine.filter(state=CaseState.IN_PROGRESS)[:limit + 1], now)
        sections["summoned"] = list(selectors.visible_cases(actor).filter(
            whistles__responses__unit=unit, whistles__responses__reported_at=None).distinct()
            .select_related("category", "lead_unit")[:limit + 1])
    if can(actor, "cases.callback"):
        sections["to_call_back"] = list(selectors.list_cases(actor, selectors.CaseFilters(state="replied"))[:limit + 1])
    return sections

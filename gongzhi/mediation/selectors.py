"""Every read of mediation beyond a ``get``, always scoped to the actor's area (and committee)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.actors import user_of
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Level, Region

from .models import (
    OPEN_STATES,
    Agreement,
    Committee,
    Dispute,
    DisputeEvent,
    DisputeState,
    DisputeType,
    Party,
    Performance,
    ScreeningReport,
)
from .services import mediators_of, period_of

SEARCH_MAX = 100


def disputes(actor, *, q: str = "", state: str = "", dispute_type: str = "", committee: int | None = None,
             risk_level: str = "", open_only: bool = False) -> QuerySet:
    """The disputes of the actor's area and committee, newest first, filtered."""
    queryset = scope_queryset(Dispute.objects.select_related("dispute_type", "committee__unit"), actor)
    if state:
        queryset = queryset.filter(state=state)
    if open_only:
        queryset = queryset.filter(state__in=OPEN_STATES)
    if dispute_type:
        queryset = queryset.filter(dispute_type__code=dispute_type)
    if committee:
        queryset = queryset.filter(committee_id=committee)
    if risk_level:
        queryset = queryset.filter(risk_level=risk_level)
    q = (q or "").strip()[:SEARCH_MAX]
    if q:
        queryset = queryset.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(facts__icontains=q))
    return queryset.order_by("-created_at", "-id")


def dispute_for(actor, dispute_id) -> Dispute | None:
    try:
        dispute_id = int(dispute_id)
    except (TypeError, ValueError):
        return None
    if not 0 < dispute_id < 2**63:
        return None
    return disputes(actor).filter(pk=dispute_id).first()


def parties(dispute: Dispute) -> QuerySet:
    return Party.objects.filter(dispute=dispute).select_related("person", "organisation").order_by("role", "id")


def party_for(actor, party_id) -> Party | None:
    try:
        party_id = int(party_id)
    except (TypeError, ValueError):
        return None
    if not 0 < party_id < 2**63:
        return None
    return scope_queryset(Party.objects.select_related("dispute", "person", "organisation"), actor).filter(
        pk=party_id).first()


def events(dispute: Dispute) -> QuerySet:
    return DisputeEvent.objects.filter(dispute=dispute).select_related("actor", "committee__unit").order_by("at", "id")


def my_disputes(actor) -> QuerySet:
    """The open disputes the actor mediates, the soonest due first: the mediator's home."""
    user = user_of(actor)
    if user is None:
        return Dispute.objects.none()
    return (scope_queryset(Dispute.objects.select_related("dispute_type", "committee__unit"), actor)
            .filter(mediators=user, state__in=OPEN_STATES).order_by("due_at", "id"))


def due_follow_ups(actor, *, within_days: int | None = None) -> QuerySet:
    """Agreements of the actor's disputes not yet checked whose performance deadline is near or past."""
    days = settings.MEDIATION_FOLLOW_UP_REMIND_DAYS if within_days is None else within_days
    user = user_of(actor)
    queryset = scope_queryset(Agreement.objects.select_related("dispute"), actor).filter(
        performance=Performance.PENDING,
        performance_due__lte=timezone.localdate() + dt.timedelta(days=days))
    if user is not None and user.unit_id:
        queryset = queryset.filter(dispute__committee__unit_id=user.unit_id)
    return queryset.order_by("performance_due", "id")


def due_confirmations(actor) -> QuerySet:
    """Written agreements still within their 30 days and not yet applied for."""
    return (scope_queryset(Agreement.objects.select_related("dispute"), actor)
            .filter(form="written", confirmations__isnull=True, confirmation_due__gte=timezone.localdate())
            .order_by("confirmation_due", "id"))


def committees_for(dispute: Dispute) -> list[Committee]:
    """Active committees whose area holds the dispute's place, lowest tier first."""
    rows = Committee.objects.filter(is_active=True, unit__is_active=True).select_related("unit__region")
    found = [c for c in rows if dispute.region_code.startswith(c.unit.region.prefix)]
    return sorted(found, key=lambda c: (c.rank, c.trade, c.unit.code))


def committees(actor) -> QuerySet:
    return scope_queryset(Committee.objects.select_related("unit__region"), actor).order_by("unit__code")


def all_mediators(committee: Committee):
    return mediators_of(committee)


def dispute_types(*, active_only: bool = True) -> QuerySet:
    queryset = DisputeType.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def screening_places(actor) -> QuerySet:
    """The grids and communities of the actor's area: each files a screening report every period."""
    return scope_queryset(Region.objects.filter(level__in=(Level.GRID, Level.COMMUNITY)), actor).order_by("code")


def screening_reports(actor, *, period: dt.date | None = None) -> QuerySet:
    queryset = scope_queryset(ScreeningReport.objects.select_related("region", "filed_by"), actor)
    if period is not None:
        queryset = queryset.filter(period_start=period_of(period))
    return queryset.order_by("-period_start", "region__code")


def missing_reports(actor, period: dt.date) -> list[Region]:
    """The grids and communities of the actor's area that have not filed for the period holding ``period``."""
    start = period_of(period)
    filed = ScreeningReport.objects.filter(period_start=start).values("region_id")
    return list(screening_places(actor).exclude(pk__in=filed))


def open_counts(actor) -> dict:
    """Open disputes of the actor's area by state (for the console's header)."""
    queryset = disputes(actor, open_only=True)
    return {state: queryset.filter(state=state).count() for state in
            (DisputeState.REGISTERED, DisputeState.ASSIGNED, DisputeState.MEDIATING)}

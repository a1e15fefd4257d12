"""Reads of assessment, always scoped: KPI sets, a month's scoreboard, snapshots and their difference, appeals.

An actor sees the KPI sets of their area; a unit assessed by a set outside the actor's area (a
department assessed by the district) sees that set too, with its own row only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.core.scoping import scope_of, scope_queryset

from . import scoring
from .models import Appeal, KpiSet, ServiceRating, Snapshot

VIEW = "assessment.view"


def _own_unit(actor) -> Unit | None:
    unit = getattr(actor, "unit", None)
    return unit if isinstance(unit, Unit) else None


def kpi_sets(actor) -> QuerySet:
    """The KPI sets of the actor's area, and those that assess the actor's own unit."""
    require(actor, VIEW)
    visible = scope_queryset(KpiSet.objects.all(), actor).values("pk")
    unit = _own_unit(actor)
    condition = Q(pk__in=visible)
    if unit is not None:
        own = [s.pk for s in KpiSet.objects.filter(unit_kind=unit.kind).select_related("region")
               if unit.region.code.startswith(s.region.prefix)]
        condition |= Q(pk__in=own)
    return KpiSet.objects.filter(condition).select_related("region").prefetch_related("kpis")


def kpi_set_for(actor, kpi_set_id) -> KpiSet | None:
    try:
        kpi_set_id = int(kpi_set_id)
    except (TypeError, ValueError):
        return None
    return kpi_sets(actor).filter(pk=kpi_set_id).first() if 0 < kpi_set_id < 2**63 else None


def _sees_all_rows(actor, kpi_set: KpiSet) -> bool:
    return scope_queryset(KpiSet.objects.filter(pk=kpi_set.pk), actor).exists()


def scoreboard(actor, kpi_set: KpiSet, month) -> scoring.Scoreboard:
    """The scores of ``kpi_set`` for ``month`` computed now (only the actor's own row for an assessed unit)."""
    require(actor, VIEW)
    month = scoring.parse_month(month)
    if not kpi_set.covers(month):
        raise ValidationError({"month": _("This KPI set does not apply to that month.")})
    board = scoring.compute(kpi_set, month)
    if not _sees_all_rows(actor, kpi_set):
        unit = _own_unit(actor)
        board.rows = [row for row in board.rows if unit is not None and row.unit.pk == unit.pk]
    return board


def snapshot_for(actor, kpi_set: KpiSet, month) -> Snapshot | None:
    require(actor, VIEW)
    month = scoring.parse_month(month)
    return Snapshot.objects.filter(kpi_set=kpi_set, month=month).first()


def snapshot_rows(actor, snapshot: Snapshot) -> QuerySet:
    rows = snapshot.rows.select_related("unit").order_by("rank", "unit__code", "measure")
    if _sees_all_rows(actor, snapshot.kpi_set):
        return rows
    unit = _own_unit(actor)
    return rows.filter(unit=unit) if unit is not None else rows.none()


def difference(actor, snapshot: Snapshot) -> list[dict]:
    """The differences between the snapshot and the same month computed now (see scoring.difference)."""
    require(actor, VIEW)
    changes = scoring.difference(snapshot)
    if not _sees_all_rows(actor, snapshot.kpi_set):
        unit = _own_unit(actor)
        changes = [c for c in changes if unit is not None and c["unit"].pk == unit.pk]
    return changes


def appeals(actor, *, state: str | None = None, month=None) -> QuerySet:
    require(actor, VIEW)
    rows = scope_queryset(Appeal.objects.select_related("case", "unit", "filed_by"), actor)
    if state:
        rows = rows.filter(state=state)
    if month:
        rows = rows.filter(month=scoring.parse_month(month))
    return rows.order_by("-filed_at", "-id")


def appeal_for(actor, appeal_id) -> Appeal | None:
    try:
        appeal_id = int(appeal_id)
    except (TypeError, ValueError):
        return None
    return appeals(actor).filter(pk=appeal_id).first() if 0 < appeal_id < 2**63 else None


def ratings(actor, *, month=None) -> QuerySet:
    require(actor, VIEW)
    rows = scope_queryset(ServiceRating.objects.select_related("rater", "department"), actor)
    if month:
        rows = rows.filter(month=scoring.parse_month(month))
    return rows


def can_see_everything(actor) -> bool:
    return scope_of(actor).unrestricted

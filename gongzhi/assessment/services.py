"""Writes of assessment: KPI sets, appeals and their decisions, snapshots, the two-way rating.

Capabilities (``accounts/roles.py``): ``assessment.configure`` (KPI sets), ``assessment.assess``
(decide appeals, freeze a month), ``assessment.appeal`` (a unit's appeal), ``assessment.rate``
(rate a department). Every write checks the area, validates with messages per field, and
changes rows and the audit trail in one transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope
from gongzhi.core.text import problem
from gongzhi.regions.models import Region

from . import measures, scoring
from .models import (
    NAME_MAX,
    TEXT_MAX,
    Appeal,
    AppealEvent,
    AppealState,
    Kpi,
    KpiSet,
    ServiceRating,
    Snapshot,
    SnapshotRow,
)


def _text(value, field: str, *, required=True, max_length=TEXT_MAX, multiline=True) -> str:
    value = "" if value is None else str(value).strip()
    message = problem(value, multiline=multiline)
    if message:
        raise ValidationError({field: message})
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(max)d characters, not %(n)d.") % {"max": max_length,
                                                                                      "n": len(value)}})
    return value


def _unit_of(actor) -> Unit | None:
    unit = getattr(actor, "unit", None)
    return unit if isinstance(unit, Unit) else None


def _label(actor) -> str:
    """How an event names who acted: the login name, the key or the system actor (as the audit trail does)."""
    if actor is None:
        return "system"
    if hasattr(actor, "key_prefix"):
        return f"api-key:{actor.name}"
    return getattr(actor, "username", "") or str(actor)


def _closed(month: date) -> bool:
    return scoring.month_period(month).end <= timezone.now()


# --- KPI sets ---------------------------------------------------------------------------

def _kpis(items) -> list[tuple[str, Decimal]]:
    """[(measure, weight)] from [{"measure":…, "weight":…}] or [(measure, weight)]; refused with messages."""
    errors, out, seen = [], [], set()
    for item in items or []:
        measure, weight = (item.get("measure"), item.get("weight")) if isinstance(item, dict) else item
        if measure not in measures.MEASURES:
            errors.append(_("There is no measure “%(m)s”.") % {"m": measure})
            continue
        if measure in seen:
            errors.append(_("The measure “%(m)s” is listed twice.") % {"m": measure})
            continue
        try:
            weight = Decimal(str(weight))
        except (InvalidOperation, ValueError):
            errors.append(_("The weight of “%(m)s” is not a number.") % {"m": measure})
            continue
        if not weight.is_finite() or weight < 0 or weight > 1000:
            errors.append(_("The weight of “%(m)s” must lie between 0 and 1000.") % {"m": measure})
            continue
        seen.add(measure)
        out.append((measure, weight.quantize(Decimal("0.01"))))
    if not out and not errors:
        errors.append(_("Give at least one KPI."))
    elif out and not any(weight > 0 for _m, weight in out):
        errors.append(_("At least one KPI needs a weight above zero."))
    if errors:
        raise ValidationError({"kpis": errors})
    return out


def create_kpi_set(*, actor, name: str, unit_kind: str, region, valid_from, kpis, valid_until=None,
                   min_cases: int = 1) -> KpiSet:
    """A KPI set for the units of ``unit_kind`` in ``region`` (a code or Region), from month ``valid_from``."""
    require(actor, "assessment.configure")
    errors = {}
    values = {}
    try:
        values["name"] = _text(name, "name", max_length=NAME_MAX, multiline=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if unit_kind not in UnitKind.values:
        errors["unit_kind"] = [_("Choose the kind of units assessed.")]
    code = region.code if isinstance(region, Region) else str(region or "").strip()
    place = Region.objects.filter(code=code).first() if code else None
    if place is None:
        errors["region"] = [_("Choose the area whose units are assessed.")]
    else:
        ensure_code_in_scope(place.code, actor)
    months = {}
    for field_name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value in (None, "") and field_name == "valid_until":
            months[field_name] = None
            continue
        try:
            months[field_name] = scoring.parse_month(value)
        except ValidationError:
            errors[field_name] = [_("Write the month as YYYY-MM, e.g. 2025-09.")]
    if months.get("valid_from") and months.get("valid_until") and months["valid_until"] < months["valid_from"]:
        errors["valid_until"] = [_("The last month comes before the first.")]
    try:
        min_cases = int(min_cases)
        if not 0 <= min_cases <= 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["min_cases"] = [_("Give a whole number of cases from 0.")]
    try:
        items = _kpis(kpis)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        kpi_set = KpiSet.objects.create(**values, unit_kind=unit_kind, region=place, min_cases=min_cases,
                                        created_by=user_of(actor), **months)
        Kpi.objects.bulk_create(Kpi(kpi_set=kpi_set, measure=measure, weight=weight, position=n)
                                for n, (measure, weight) in enumerate(items))
        record(actor=actor, action="assessment.kpi_set.create", obj=kpi_set,
               changes={"unit_kind": unit_kind, "region": place.code, "valid_from": str(months["valid_from"]),
                        "valid_until": str(months["valid_until"]) if months["valid_until"] else None,
                        "kpis": [[m, str(w)] for m, w in items]})
    return kpi_set


def change_kpis(*, actor, kpi_set: KpiSet, kpis, reason: str = "") -> KpiSet:
    """Replace the KPIs of a set (months already frozen keep theirs in their snapshots)."""
    require(actor, "assessment.configure")
    ensure_in_scope(kpi_set, actor)
    items = _kpis(kpis)
    with transaction.atomic():
        kpi_set = KpiSet.objects.select_for_update().get(pk=kpi_set.pk)
        before = [[k.measure, str(k.weight)] for k in kpi_set.kpis.all()]
        kpi_set.kpis.all().delete()
        Kpi.objects.bulk_create(Kpi(kpi_set=kpi_set, measure=measure, weight=weight, position=n)
                                for n, (measure, weight) in enumerate(items))
        record(actor=actor, action="assessment.kpi_set.change", obj=kpi_set, reason=reason,
               changes={"kpis": [before, [[m, str(w)] for m, w in items]]})
    return kpi_set


# --- appeals ------------------------------------------------------------------------------

def file_appeal(*, actor, case: Case, month, reason: str, unit: Unit | None = None) -> Appeal:
    """A unit's appeal against counting ``case`` in its figures of ``month``."""
    require(actor, "assessment.appeal")
    unit = unit or _unit_of(actor)
    if unit is None or unit != _unit_of(actor):
        raise PermissionDenied(_("Only a member of the unit assessed may appeal for it."))
    errors = {}
    try:
        reason = _text(reason, "reason")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        month = scoring.parse_month(month)
    except ValidationError:
        errors["month"] = [_("Write the month as YYYY-MM, e.g. 2025-09.")]
        month = None
    if month is not None:
        period = scoring.month_period(month)
        if period.start > timezone.now():
            errors["month"] = [_("This month has not begun.")]
        elif not CaseEvent.objects.filter(case=case, unit=unit).exists():
            errors["case"] = [_("This case never counted for your unit.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(case=case, unit=unit, month=month, reason=reason, filed_by=user_of(actor))
            _event(actor, appeal, AppealState.FILED, reason)
            record(actor=actor, action="assessment.appeal.file", obj=appeal, reason=reason,
                   changes={"case": case.pk, "unit": unit.code, "month": month.isoformat()})
    except IntegrityError:
        raise ValidationError({"case": _("Your unit has already appealed against this case for this month.")}) \
            from None
    return appeal


def _event(actor, appeal, state, reason) -> AppealEvent:
    return AppealEvent.objects.create(appeal=appeal, state=state, actor=user_of(actor),
                                      actor_label=_label(actor)[:150], reason=reason)


def decide_appeal(*, actor, appeal: Appeal, uphold: bool, reason: str) -> Appeal:
    """The assessor upholds (the case is not counted) or rejects an appeal, giving the reason."""
    require(actor, "assessment.assess")
    ensure_in_scope(appeal, actor)
    reason = _text(reason, "reason")
    if user_of(actor) is not None and appeal.filed_by_id == user_of(actor).pk:
        raise PermissionDenied(_("You cannot decide your own appeal."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.state != AppealState.FILED:
            raise ValidationError({"__all__": _("This appeal was already decided or withdrawn.")})
        appeal.state = AppealState.UPHELD if uphold else AppealState.REJECTED
        appeal.save(update_fields=["state"])
        _event(actor, appeal, appeal.state, reason)
        record(actor=actor, action="assessment.appeal.decide", obj=appeal, reason=reason,
               changes={"state": appeal.state})
    return appeal


def withdraw_appeal(*, actor, appeal: Appeal, reason: str = "") -> Appeal:
    require(actor, "assessment.appeal")
    if _unit_of(actor) is None or appeal.unit_id != _unit_of(actor).pk:
        raise PermissionDenied(_("Only a member of the unit assessed may withdraw its appeal."))
    reason = _text(reason, "reason", required=False)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.state != AppealState.FILED:
            raise ValidationError({"__all__": _("This appeal was already decided or withdrawn.")})
        appeal.state = AppealState.WITHDRAWN
        appeal.save(update_fields=["state"])
        _event(actor, appeal, appeal.state, reason)
        record(actor=actor, action="assessment.appeal.withdraw", obj=appeal, reason=reason,
               changes={"state": appeal.state})
    return appeal


# --- snapshots ----------------------------------------------------------------------------

def freeze_month(*, actor, kpi_set: KpiSet, month) -> Snapshot:
    """Freeze the scores of ``kpi_set`` for a closed ``month`` in a snapshot of its own (once)."""
    require(actor, "assessment.assess")
    ensure_in_scope(kpi_set, actor)
    try:
        month = scoring.parse_month(month)
    except ValidationError:
        raise ValidationError({"month": _("Write the month as YYYY-MM, e.g. 2025-09.")}) from None
    if not _closed(month):
        raise ValidationError({"month": _("Only a month that has ended can be frozen.")})
    if not kpi_set.covers(month):
        raise ValidationError({"month": _("This KPI set does not apply to that month.")})
    try:
        with transaction.atomic():
            KpiSet.objects.select_for_update().get(pk=kpi_set.pk)
            if Snapshot.objects.filter(kpi_set=kpi_set, month=month).exists():
                raise ValidationError({"month": _("This month is already frozen.")})
            now = timezone.now()
            board = scoring.compute(kpi_set, month, as_of=now)
            snapshot = Snapshot.objects.create(
                kpi_set=kpi_set, month=month, frozen_at=now, frozen_by=user_of(actor),
                frozen_by_label=_label(actor)[:150],
                definition=[{"measure": c.measure, "weight": c.weight, "label": c.label, "formula": c.formula}
                            for c in board.columns])
            SnapshotRow.objects.bulk_create(
                SnapshotRow(snapshot=snapshot, unit_id=unit_id, measure=measure, numerator=n, denominator=d,
                            value=v, rank=rank)
                for (unit_id, measure), (n, d, v, rank) in scoring.rows_of(board).items())
            record(actor=actor, action="assessment.snapshot.freeze", obj=snapshot,
                   changes={"kpi_set": kpi_set.pk, "month": month.isoformat(), "units": len(board.rows),
                            "excluded_cases": sorted(c for c, _u in board.exclusions)})
    except IntegrityError:
        raise ValidationError({"month": _("This month is already frozen.")}) from None
    return snapshot


# --- two-way assessment ---------------------------------------------------------------------

RATERS = (UnitKind.COMMUNITY_COMMITTEE, UnitKind.SUBDISTRICT_OFFICE)


def rate_department(*, actor, department: Unit, month, report_in, quality, returns, comment: str = "") -> ServiceRating:
    """The actor's community or subdistrict rates a department that handled its cases in ``month``.

    Rating again in the same month changes the rating (audited with the differences).
    """
    require(actor, "assessment.rate")
    rater = _unit_of(actor)
    if rater is None or rater.kind not in RATERS:
        raise PermissionDenied(_("Only a community or a subdistrict rates the departments that serve it."))
    errors = {}
    if department.kind != UnitKind.DEPARTMENT:
        errors["department"] = [_("Only a functional department is rated.")]
    stars = {}
    for field_name, value in (("report_in", report_in), ("quality", quality), ("returns", returns)):
        try:
            number = int(value)
            if not 1 <= number <= 5 or str(value).strip() not in (str(number),):
                raise ValueError
            stars[field_name] = number
        except (TypeError, ValueError):
            errors[field_name] = [_("Give 1 to 5 stars.")]
    try:
        comment = _text(comment, "comment", required=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        month = scoring.parse_month(month)
    except ValidationError:
        errors["month"] = [_("Write the month as YYYY-MM, e.g. 2025-09.")]
        month = None
    if month is not None and not errors.get("department"):
        period = scoring.month_period(month)
        if period.start > timezone.now():
            errors["month"] = [_("This month has not begun.")]
        elif not CaseEvent.objects.filter(unit=department, at__gte=period.start, at__lt=period.end,
                                          case__region_code__startswith=rater.region.prefix).exists():
            errors["department"] = [_("This department handled no case of your area in that month.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rating = (ServiceRating.objects.select_for_update()
                  .filter(rater=rater, department=department, month=month).first())
        if rating is None:
            rating = ServiceRating.objects.create(rater=rater, department=department, month=month, comment=comment,
                                                  rated_by=user_of(actor), **stars)
            record(actor=actor, action="assessment.rating.create", obj=rating,
                   changes={**stars, "department": department.code, "month": month.isoformat()})
        else:
            before = {name: getattr(rating, name) for name in (*stars, "comment")}
            for name, value in {**stars, "comment": comment}.items():
                setattr(rating, name, value)
            rating.rated_by, rating.rated_at = user_of(actor), timezone.now()
            rating.save()
            record(actor=actor, action="assessment.rating.change", obj=rating,
                   changes={k: [before[k], getattr(rating, k)] for k in before if before[k] != getattr(rating, k)})
    return rating

"""Street whistle (街道吹哨) and the departments' report-in (部门报到)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.models import Unit
from gongzhi.core import workcal

from .. import deadlines, notices
from ..machine import transition
from ..models import Action, Case, Whistle, WhistleResponse
from . import checks

MAX_SUMMONED = 20
NOTE_MAX = 2000


def _summoned(values) -> list[Unit]:
    values = list(values or [])
    if not values:
        raise ValidationError({"units": _("Name at least one unit to summon.")})
    if len(values) > MAX_SUMMONED:
        raise ValidationError({"units": _("At most %(n)d units can be summoned at once.") % {"n": MAX_SUMMONED}})
    units, seen = [], set()
    for value in values:
        unit = value if isinstance(value, Unit) else Unit.objects.filter(code=str(value or "").strip()).first()
        if unit is None:
            raise ValidationError({"units": _("There is no unit with code “%(code)s”.") % {"code": value}})
        if not unit.is_active:
            raise ValidationError({"units": _("Unit %(unit)s is no longer active.") % {"unit": unit.name}})
        if unit.pk in seen:
            raise ValidationError({"units": _("Unit %(unit)s is named twice.") % {"unit": unit.name}})
        seen.add(unit.pk)
        units.append(unit)
    return units


def whistle_case(*, case: Case, actor, units, report_by: datetime | None = None,
                 report_within_hours: float | None = None, note: str = "", expected_version: int | None = None,
                 at: datetime | None = None) -> Case:
    """Summon ``units`` to the case; each must report in by ``report_by``.

    The deadline is either a moment or a number of working hours from now.
    """
    at = at or timezone.now()
    summoned = _summoned(units)
    note = checks.text(note, "note", max_length=NOTE_MAX, required=False)
    if (report_by is None) == (report_within_hours is None):
        raise ValidationError({"report_by": _("Give either the report-in deadline or a number of working hours.")})
    if report_by is None:
        try:
            hours = float(report_within_hours)
        except (TypeError, ValueError):
            hours = 0
        if not 0 < hours <= 24 * 7:
            raise ValidationError({"report_within_hours": _("Give between 0 and 168 working hours.")})
        report_by = workcal.add_working_hours(at, hours, region=case.region_code)
    elif timezone.is_naive(report_by) or report_by <= at:
        raise ValidationError({"report_by": _("The report-in deadline must be a time in the future.")})

    def change(c: Case):
        whistle = Whistle.objects.create(case=c, report_by=report_by, note=note, created_at=at,
                                         created_by=user_of(actor))
        WhistleResponse.objects.bulk_create([WhistleResponse(whistle=whistle, unit=u) for u in summoned])
        return deadlines.mark_unscheduled(
            {"whistle": whistle.pk, "units": [u.code for u in summoned], "report_by": report_by}, at, report_by)

    with transaction.atomic():
        case = transition(case, Action.WHISTLE, actor=actor, reason=note, change=change,
                          expected_version=expected_version, at=at)
        notices.whistled(case, summoned, actor)
    return case


def report_in(*, case: Case, actor, note: str = "", expected_version: int | None = None,
              at: datetime | None = None) -> Case:
    """A summoned unit reports in (报到) to the earliest whistle it has not answered."""
    at = at or timezone.now()
    note = checks.text(note, "note", max_length=NOTE_MAX, required=False)

    def change(c: Case):
        response = (WhistleResponse.objects.select_related("whistle")
                    .filter(whistle__case=c, unit_id=actor.unit_id, reported_at=None)
                    .order_by("whistle__created_at", "whistle_id").first())
        if response is None:
            raise ValidationError({"__all__": _("Your unit has already reported in to every whistle of case #%(id)s.")
                                   % {"id": c.pk}})
        response.reported_at = at
        response.reported_by = user_of(actor)
        response.note = note
        response.save(update_fields=["reported_at", "reported_by", "note"])
        return {"whistle": response.whistle_id, "on_time": at <= response.whistle.report_by}

    with transaction.atomic():
        return transition(case, Action.REPORT_IN, actor=actor, reason=note, change=change,
                          unit=getattr(actor, "unit", None), expected_version=expected_version, at=at)

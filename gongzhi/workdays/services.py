"""The audited writes of the working-day calendar: local overrides (holidays, extra working days).

The calendar itself, what is a working day and every deadline computed on it,
is :mod:`gongzhi.core.workcal`; its overrides are the
:class:`~gongzhi.core.models.CalendarOverride` rows of ``core``. ``core``
imports no app, so the writes, which check the capability ``calendar.manage``
and the actor's area, validate the region against the region tree and append
an audit event, live here, above ``regions``, ``accounts`` and ``audit``. The
calendar sees a write at once through the model's signals.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.models import CalendarOverride, OverrideKind
from gongzhi.core.scoping import scope_of
from gongzhi.regions.models import Region

CAPABILITY = "calendar.manage"

_PREFIX_OF_LEVEL = {"district": 6, "subdistrict": 9, "community": 12, "grid": 15}


def region_prefix(code) -> str:
    """The stored form of an override's region, or ValidationError when it names no known region.

    "" (everywhere) stays ""; a region's code (``110105000000``) or its
    significant prefix (``110105``) gives that prefix; a 2- or 4-digit
    province or prefecture prefix is accepted when some region of the
    deployment lies in it.
    """
    if code is None:
        return ""
    if not isinstance(code, str):
        raise ValidationError({"region_code": _("Enter a region code.")})
    code = code.strip()
    if not code:
        return ""
    error = ValidationError({"region_code": _("%(code)s is not the code of a region of this deployment.")
                             % {"code": code}})
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12, 15):
        raise error
    if len(code) in (2, 4):
        if Region.objects.filter(code__startswith=code).exists():
            return code
        raise error
    full = code if len(code) >= 12 else code.ljust(12, "0")
    level = Region.objects.filter(code=full).values_list("level", flat=True).first()
    prefix = full[:_PREFIX_OF_LEVEL.get(level, 0)]
    if level is None or not prefix or (len(code) < 12 and prefix != code):
        raise error
    return prefix


def _validated(day, kind, note) -> None:
    errors = {}
    if isinstance(day, datetime) or not isinstance(day, date):
        errors["date"] = _("Enter a date (YYYY-MM-DD), not %(value)r.") % {"value": day}
    if kind not in OverrideKind.values:
        errors["kind"] = _("Unknown kind %(kind)r: use %(choices)s.") % {
            "kind": kind, "choices": " / ".join(OverrideKind.values)}
    if not isinstance(note, str) or len(note) > 200:
        errors["note"] = _("The note must be text of at most 200 characters.")
    if errors:
        raise ValidationError(errors)


def ensure_may_manage(actor, region_code: str) -> None:
    """PermissionDenied unless ``actor`` may change overrides of ``region_code`` (an area-limited
    actor: only inside their area; a deployment-wide override needs an actor without an area)."""
    if not scope_of(actor).covers_code(region_code):
        raise PermissionDenied(_("This is outside your area."))


def set_override(*, actor, date: date, kind: str, note: str = "", reason: str = "",
                 region: str = "") -> CalendarOverride:
    """Make ``date`` a holiday or a working day here, whatever the national calendar says.

    ``region``: blank for the whole deployment, else a region code (see
    :func:`region_prefix`); an actor with an area may set overrides only
    inside it. Creates or updates the override of that day and region;
    effective at once in this process and within :data:`~gongzhi.core.workcal.RECHECK_SECONDS` in
    the others.
    """
    require(actor, CAPABILITY)
    note = (note or "").strip() if isinstance(note, str) else note
    _validated(date, kind, note)
    region = region_prefix(region)
    ensure_may_manage(actor, region)
    fields = ["date", "region_code", "kind", "note"]
    with transaction.atomic():
        override = CalendarOverride.objects.select_for_update().filter(date=date, region_code=region).first()
        before = snapshot(override, fields) if override else None
        if override is not None and override.kind == kind and override.note == note:
            return override
        if override is None:
            override = CalendarOverride(date=date, region_code=region, kind=kind, note=note)
        else:
            override.kind, override.note = kind, note
        override.save()
        record(actor=actor, action=f"core.calendaroverride.{'update' if before else 'create'}", obj=override,
               changes=diff(override, before, fields), reason=reason or note)
    return override


def remove_override(*, actor, date: date, reason: str = "", region: str = "") -> None:
    """Give ``date`` back to the national calendar (or, for a region, to the overrides above it)."""
    require(actor, CAPABILITY)
    region = region_prefix(region)
    ensure_may_manage(actor, region)
    with transaction.atomic():
        override = CalendarOverride.objects.select_for_update().filter(date=date, region_code=region).first()
        if override is None:
            if region:
                raise ValidationError({"date": _("There is no calendar override on %(date)s for region "
                                                 "%(region)s.") % {"date": date, "region": region}})
            raise ValidationError({"date": _("There is no calendar override on %(date)s.") % {"date": date}})
        record(actor=actor, action="core.calendaroverride.delete", obj=override,
               changes={"kind": [override.kind, None], "note": [override.note, None]}, reason=reason)
        override.delete()

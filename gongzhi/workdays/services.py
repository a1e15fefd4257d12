"""The audited writes of the working-day calendar: local overrides (holidays, extra working days) and
each year's holiday schedule (the State Council's notice: ``load_year``, ``set_day``, ``remove_day``).

The calendar itself, what is a working day and every deadline computed on it,
is :mod:`gongzhi.core.workcal`; its overrides are the
:class:`~gongzhi.core.models.CalendarOverride` rows of ``core``. ``core``
imports no app, so the writes, which check the capability ``calendar.manage``
and the actor's area, validate the region against the region tree and append
an audit event, live here, above ``regions``, ``accounts`` and ``audit``. The
calendar sees a write at once through the model's signals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from datetime import date as _date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.models import CalendarOverride, OverrideKind, ScheduleDay, ScheduleKind
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


# --- the holiday schedule of a year (the State Council's notice) ------------------------------

SCHEDULE_KINDS = {
    # The file's words for the two kinds (case-insensitive), English and Chinese.
    "holiday": ScheduleKind.HOLIDAY, "休": ScheduleKind.HOLIDAY, "假": ScheduleKind.HOLIDAY,
    "放假": ScheduleKind.HOLIDAY, "休息": ScheduleKind.HOLIDAY,
    "workday": ScheduleKind.WORKDAY, "working_day": ScheduleKind.WORKDAY, "班": ScheduleKind.WORKDAY,
    "上班": ScheduleKind.WORKDAY, "调休上班": ScheduleKind.WORKDAY,
}
MAX_FILE_BYTES = 200_000
NAME_MAX, SOURCE_MAX = 100, 200
_HEADER_WORDS = {"date", "日期"}


@dataclass(frozen=True)
class ScheduleRow:
    date: date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class LoadResult:
    year: int
    region: str
    rows: tuple[ScheduleRow, ...]
    created: int = 0
    updated: int = 0
    removed: int = 0
    dry_run: bool = False


def _decoded(data) -> str:
    """The text of an uploaded file: UTF-8 (with or without a BOM), else GB18030 (Excel's CSV on Chinese Windows)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if not isinstance(data, (bytes, bytearray)):
        raise ValidationError({"file": _("The file could not be read.")})
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is too large for a year's schedule (at most %(n)d bytes).")
                               % {"n": MAX_FILE_BYTES}})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return bytes(data).decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": _("The file is neither UTF-8 nor GB18030 text.")})


def _kind_of(value: str) -> str | None:
    return SCHEDULE_KINDS.get((value or "").strip().lower())


def parse_schedule(data, *, year: int | None = None) -> tuple[int, list[ScheduleRow]]:
    """The year and the days of a schedule file, or ValidationError listing every bad row.

    The file is CSV with the columns ``date,kind,name`` (``docs/calendar.md``):
    an optional header row, lines starting with ``#`` and blank lines are
    skipped. Every date must lie in one year (``year`` when given) and appear once.
    """
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 < year < 2200):
        raise ValidationError({"year": _("%(year)s is not a year.") % {"year": year}})
    text = _decoded(data)
    errors, rows, seen = [], [], {}
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip() or fields[0].strip().startswith("#"):
            continue
        if not rows and not errors and fields[0].strip().lower() in _HEADER_WORDS:
            continue
        fields = [field.strip() for field in fields]
        if len(fields) < 2:
            errors.append(_("Line %(line)d: expected date,kind,name.") % {"line": number})
            continue
        raw_date, raw_kind, name = fields[0], fields[1], ",".join(fields[2:]).strip()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(_("Line %(line)d: %(value)r is not a date (YYYY-MM-DD).")
                          % {"line": number, "value": raw_date})
            continue
        kind = _kind_of(raw_kind)
        if kind is None:
            errors.append(_("Line %(line)d: unknown kind %(kind)r: use holiday or workday.")
                          % {"line": number, "kind": raw_kind})
            continue
        if len(name) > NAME_MAX:
            errors.append(_("Line %(line)d: the name is longer than %(n)d characters.")
                          % {"line": number, "n": NAME_MAX})
            continue
        expected = year if year is not None else (rows[0].date.year if rows else day.year)
        if day.year != expected:
            errors.append(_("Line %(line)d: %(date)s is outside the year %(year)d.")
                          % {"line": number, "date": day.isoformat(), "year": expected})
            continue
        if day in seen:
            errors.append(_("Line %(line)d: %(date)s is already on line %(first)d.")
                          % {"line": number, "date": day.isoformat(), "first": seen[day]})
            continue
        seen[day] = number
        rows.append(ScheduleRow(day, kind, name))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"file": _("The file holds no day: expected lines of date,kind,name.")})
    return rows[0].date.year, rows


def _schedule_region(actor, region) -> str:
    require(actor, CAPABILITY)
    region = region_prefix(region)
    ensure_may_manage(actor, region)
    return region


def load_year(*, actor, data, year: int | None = None, region: str = "", source: str = "",
              dry_run: bool = False, reason: str = "") -> LoadResult:
    """Make the file's days the holiday schedule of their year (for ``region``; blank: national).

    All or nothing: a file with any bad row changes nothing and the
    ValidationError lists every bad row. The year's existing days (of that
    region) not in the file are removed, so loading a corrected file corrects
    the year. ``dry_run`` checks and counts without writing. Audited as one
    event; effective at once in this process.
    """
    region = _schedule_region(actor, region)
    source = (source or "").strip() if isinstance(source, str) else ""
    if len(source) > SOURCE_MAX:
        raise ValidationError({"source": _("The source must be at most %(n)d characters.") % {"n": SOURCE_MAX}})
    year, rows = parse_schedule(data, year=year)
    by_date = {row.date: row for row in rows}
    with transaction.atomic():
        existing = {day.date: day for day in ScheduleDay.objects.select_for_update().filter(
            region_code=region, date__year=year)}
        created = [row for row in rows if row.date not in existing]
        updated = [row for row in rows if row.date in existing
                   and (existing[row.date].kind, existing[row.date].name) != (row.kind, row.name)]
        removed = [day for d, day in existing.items() if d not in by_date]
        result = LoadResult(year, region, tuple(rows), len(created), len(updated), len(removed), dry_run)
        if dry_run:
            return result
        who = str(getattr(actor, "username", "") or actor)[:150]
        ScheduleDay.objects.filter(pk__in=[day.pk for day in removed]).delete()
        for row in updated:
            day = existing[row.date]
            day.kind, day.name = row.kind, row.name
            if source:
                day.source = source
            day.save()
        for row in created:
            ScheduleDay.objects.create(date=row.date, region_code=region, kind=row.kind, name=row.name,
                                       source=source, created_by=who)
        record(actor=actor, action="core.scheduleday.load_year", object_type="core.scheduleday",
               object_id=f"{year}{'/' + region if region else ''}", object_repr=_("Holiday schedule %(year)d")
               % {"year": year}, region_code=region, reason=reason or source,
               changes={"year": year, "created": [r.date.isoformat() for r in created],
                        "updated": [r.date.isoformat() for r in updated],
                        "removed": [d.date.isoformat() for d in removed],
                        "holidays": sum(r.kind == ScheduleKind.HOLIDAY for r in rows),
                        "workdays": sum(r.kind == ScheduleKind.WORKDAY for r in rows)})
    return result


def set_day(*, actor, date: date, kind: str, name: str = "", source: str = "", region: str = "",
            reason: str = "") -> ScheduleDay:
    """Enter or correct one day of a year's holiday schedule (audited)."""
    region = _schedule_region(actor, region)
    errors = {}
    if isinstance(date, datetime) or not isinstance(date, _date):
        errors["date"] = _("Enter a date (YYYY-MM-DD), not %(value)r.") % {"value": date}
    normalized = _kind_of(kind) if isinstance(kind, str) else None
    if normalized is None:
        errors["kind"] = _("Unknown kind %(kind)r: use holiday or workday.") % {"kind": kind}
    name = name.strip() if isinstance(name, str) else name
    source = source.strip() if isinstance(source, str) else source
    if not isinstance(name, str) or len(name) > NAME_MAX:
        errors["name"] = _("The name must be text of at most %(n)d characters.") % {"n": NAME_MAX}
    if not isinstance(source, str) or len(source) > SOURCE_MAX:
        errors["source"] = _("The source must be at most %(n)d characters.") % {"n": SOURCE_MAX}
    if errors:
        raise ValidationError(errors)
    fields = ["date", "region_code", "kind", "name", "source"]
    with transaction.atomic():
        day = ScheduleDay.objects.select_for_update().filter(date=date, region_code=region).first()
        before = snapshot(day, fields) if day else None
        if day is not None and (day.kind, day.name, day.source) == (normalized, name, source):
            return day
        if day is None:
            who = str(getattr(actor, "username", "") or actor)[:150]
            day = ScheduleDay(date=date, region_code=region, created_by=who)
        day.kind, day.name, day.source = normalized, name, source
        day.save()
        record(actor=actor, action=f"core.scheduleday.{'update' if before else 'create'}", obj=day,
               changes=diff(day, before, fields), reason=reason or source)
    return day


def remove_day(*, actor, date: date, region: str = "", reason: str = "") -> None:
    """Take a day out of the loaded schedule (the package, or Monday–Friday, decides it again)."""
    region = _schedule_region(actor, region)
    with transaction.atomic():
        day = ScheduleDay.objects.select_for_update().filter(date=date, region_code=region).first()
        if day is None:
            raise ValidationError({"date": _("%(date)s is not in the loaded holiday schedule.") % {"date": date}})
        record(actor=actor, action="core.scheduleday.delete", obj=day,
               changes={"kind": [day.kind, None], "name": [day.name, None]}, reason=reason)
        day.delete()


def schedule_of(year: int, *, region: str = ""):
    """The loaded days of ``year`` (of exactly ``region``; blank: national), in date order."""
    return list(ScheduleDay.objects.filter(date__year=year, region_code=region).order_by("date"))


def scheduled_years() -> list[dict]:
    """Each year that has loaded days: year, region, holidays, workdays (for ``calendar_year list``)."""
    from django.db.models import Count, Q

    return list(ScheduleDay.objects.values("date__year", "region_code").annotate(
        holidays=Count("id", filter=Q(kind=ScheduleKind.HOLIDAY)),
        workdays=Count("id", filter=Q(kind=ScheduleKind.WORKDAY))).order_by("date__year", "region_code"))

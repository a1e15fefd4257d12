"""Working-day calendar: the ONE place that knows when the office works.

(For operators and readers who do not read code: ``docs/calendar.md``.)

Every deadline of the product (response time, resolution time, extensions,
escalation, mediation follow-ups) and every "handled within N working hours"
figure is computed here, so that all of them agree.

Which days are working days
    1. a :class:`~gongzhi.core.models.CalendarOverride` for the day wins
       (a local holiday, or an extra working day). Every public function
       takes ``region=``, the region code of the place it computes for (a
       case's ``region_code``, a person's grid code); of the day's overrides
       whose region code is a prefix of it, the longest wins, a blank one
       (the whole deployment) applying everywhere. Without ``region`` only
       deployment-wide overrides count;
    2. otherwise a day of the loaded holiday schedule
       (:class:`~gongzhi.core.models.ScheduleDay`, the State Council's
       notice entered with ``manage.py calendar_year load`` or the admin):
       a holiday is off, an adjusted working day (调休) is on. Regional
       schedule days apply like overrides (longest region prefix wins);
       the loaded schedule wins over the package where both know a date;
    3. otherwise the State Council calendar from the ``chinesecalendar``
       package: statutory holidays are off, adjusted working days (调休, the
       Saturdays/Sundays worked to bridge a holiday) are on;
    4. otherwise Monday–Friday. A year the package does not know (it raises
       NotImplementedError; chinesecalendar 1.11 knows 2004–2026) and for
       which no national schedule day is loaded is *unscheduled*
       (:func:`is_year_scheduled`): a warning is logged once per year and
       process, deadlines computed in it are marked on the case, and from
       1 November the missing schedule of next year is reported
       (:func:`missing_schedule_years`) by the admin home page
       (:mod:`gongzhi.workdays.warnings`), ``check --deploy``, ``/readyz``
       and ``/metrics`` (:mod:`gongzhi.ops`).

Office hours
    ``settings.OFFICE_HOURS`` lists the day's working periods, e.g.
    ``"09:00-12:00,13:30-17:30"`` (7 working hours, lunch break excluded),
    the same on every working day. It is parsed and validated at first use
    (and by ``manage.py check``), then cached until ``setting_changed`` says
    otherwise (``override_settings`` in tests); a bad value raises
    ImproperlyConfigured naming the faulty range.

Time
    Every function takes and returns *aware* datetimes (a naive one raises
    ValueError) and computes in local time, ``settings.TIME_ZONE``
    (Asia/Shanghai, which has no daylight saving). Results are in that zone.
    Durations are exact to the microsecond.

The rules
    ``add_working_hours(t, h)``: the *earliest* moment by which ``h`` hours of
    office time have passed since ``t``. Only time inside office periods on
    working days counts, so a deadline never falls in a lunch break, a night
    or a holiday: it lands inside an office period or exactly at its end
    (17:30 rather than 09:00 the next working day). Negative ``h`` goes back:
    the latest moment ``h`` office hours before ``t`` (for "warn 2 working
    hours before the deadline").

    ``add_working_days(t, n)``: the resolution deadline "within n working days"
    as the 12345 / 接诉即办 platforms compute it, to the minute from the
    moment of dispatch, holidays skipped. It is exactly ``n`` full office days
    of office time, ``add_working_hours(t, n × day length)``, which reads:

    * ``t`` inside an office period (after its opening, up to its close): the
      *same clock time* on the n-th following working day. Registered Monday
      10:15, 3 working days → Thursday 10:15.
    * ``t`` outside office hours, on a non-working day, or at an opening
      instant: counting starts at the next opening, that day is the first of
      the n days, and the deadline is the *close of office hours* on the n-th
      working day. Registered Friday 19:00 (or Saturday, or Monday 09:00),
      3 working days → Wednesday 17:30.
    * ``t`` in the lunch break: the end of the morning period on the n-th
      following working day (12:00), as no office time runs during the break.

    So a deadline never falls in a night, a break or a holiday, day and hour
    deadlines are measured with one ruler, and
    ``working_time_between(t, add_working_days(t, n)) == n × day length``.
    (This differs from the court rule "the starting day is not counted, the
    period ends at the end of the last day"; a deadline that needs that rule
    is computed from :func:`nth_working_day`; a period counted in calendar days
    ending on a working day, from :func:`period_end`.) ``n = 0`` returns ``t``.

    ``working_time_between(start, end)``: office time between two moments;
    antisymmetric — negative when ``end`` is before ``start`` (a case closed
    two working hours *before* its deadline has ``working_time_between(
    deadline, closed) == -2h``) — and additive over any split point.

    ``next_working_moment(t)``: ``t`` itself if office time is running at
    ``t`` (inside a period, the closing instant excluded), else the next
    period's opening.

    ``working_days_between(d1, d2)``: the number of working days after ``d1``
    up to and including ``d2`` (negative when ``d2`` is earlier).

Speed and freshness
    Working-day flags are kept per year with prefix counts, so counting the
    working days between two dates, or finding the n-th working day, costs a
    bisection per year spanned instead of a loop over days; no call queries
    the database per day. Overrides are loaded once into memory; the flags
    are built once per distinct set of override regions that apply to a
    place and looked up per region code (a dictionary lookup), so a call with
    a region is as fast as one without. Every few
    seconds (:data:`RECHECK_SECONDS`) a process compares a cheap version of
    the override table (row count and latest ``updated_at``) and reloads on
    change, so an override made in another process takes effect within
    seconds; a write in this process (through the services of
    :mod:`gongzhi.workdays.services`, its admin, or any
    ``save()``/``delete()``, via signals) takes effect at once. Bulk
    queryset writes send no signals: they are seen at the next recheck.
    The calendar reads the database, so tests that use it need the ``db``
    fixture; :func:`reset` drops every cache (for tests).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from bisect import bisect_left
from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from .models import CalendarOverride, OverrideKind, ScheduleDay, ScheduleKind

logger = logging.getLogger(__name__)

# How often (seconds) a process checks whether another process changed the overrides.
RECHECK_SECONDS = 5.0

_US = 1_000_000  # microseconds per second
_US_PER_HOUR = 3600 * _US
_ONE_US = timedelta(microseconds=1)


# --- office hours -------------------------------------------------------------

@dataclass(frozen=True)
class OfficeHours:
    """The working periods of a working day, in microseconds since midnight."""

    raw: str
    periods: tuple[tuple[int, int], ...]
    # cumulative[i]: office time of the periods before period i; cumulative[-1]: the day's length.
    cumulative: tuple[int, ...]

    @property
    def opens(self) -> int:
        return self.periods[0][0]

    @property
    def closes(self) -> int:
        return self.periods[-1][1]

    @property
    def day_length(self) -> int:
        return self.cumulative[-1]

    @property
    def day_timedelta(self) -> timedelta:
        return timedelta(microseconds=self.day_length)

    def elapsed(self, tod: int) -> int:
        """Office time from midnight until time of day ``tod``."""
        total = 0
        for start, end in self.periods:
            if tod <= start:
                break
            total += min(tod, end) - start
        return total

    def earliest(self, amount: int) -> int:
        """Earliest time of day by which ``amount`` (0 < amount <= day) has elapsed."""
        for (start, _end), before, after in zip(self.periods, self.cumulative, self.cumulative[1:]):
            if before < amount <= after:
                return start + amount - before
        raise ValueError(amount)

    def latest(self, amount: int) -> int:
        """Latest time of day at which exactly ``amount`` (0 <= amount < day) has elapsed."""
        for (start, _end), before, after in zip(self.periods, self.cumulative, self.cumulative[1:]):
            if before <= amount < after:
                return start + amount - before
        raise ValueError(amount)

    def contains(self, tod: int) -> bool:
        """True when ``tod`` lies in a period, its end included (where deadlines may fall)."""
        return any(start <= tod <= end for start, end in self.periods)


_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_EXAMPLE = "09:00-12:00,13:30-17:30"


def parse_office_hours(raw) -> OfficeHours:
    """Parse an OFFICE_HOURS value; raise ImproperlyConfigured saying what is wrong."""

    def bad(why):
        return ImproperlyConfigured(
            f"OFFICE_HOURS={raw!r} is invalid: {why}. Expected comma-separated HH:MM-HH:MM ranges "
            f"in ascending order within one day, e.g. {_EXAMPLE!r}."
        )

    if not isinstance(raw, str) or not raw.strip():
        raise bad("it is empty")
    periods = []
    for index, part in enumerate(raw.split(","), start=1):
        label = f"range {index} ({part.strip()!r})"
        match = _RANGE.match(part)
        if not match:
            raise bad(f"{label} is not of the form HH:MM-HH:MM")
        start_h, start_m, end_h, end_m = map(int, match.groups())
        if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
            raise bad(f"{label} has a time outside 00:00-23:59")
        start, end = (start_h * 60 + start_m) * 60 * _US, (end_h * 60 + end_m) * 60 * _US
        if end <= start:
            raise bad(f"{label} does not end after it starts")
        if periods and start < periods[-1][1]:
            raise bad(f"{label} starts before range {index - 1} ends")
        periods.append((start, end))
    cumulative = [0]
    for start, end in periods:
        cumulative.append(cumulative[-1] + end - start)
    return OfficeHours(raw=raw, periods=tuple(periods), cumulative=tuple(cumulative))


_office_hours: OfficeHours | None = None
_zone: ZoneInfo | None = None


def office_hours() -> OfficeHours:
    """The parsed ``settings.OFFICE_HOURS``, cached until the setting changes (``setting_changed``)."""
    global _office_hours
    parsed = _office_hours
    if parsed is None:
        parsed = _office_hours = parse_office_hours(settings.OFFICE_HOURS)
    return parsed


def _tz() -> ZoneInfo:
    zone = _zone
    if zone is None:
        zone = _set_zone()
    return zone


def _set_zone() -> ZoneInfo:
    global _zone
    _zone = ZoneInfo(settings.TIME_ZONE)
    return _zone


def _on_setting_changed(setting, **kwargs):
    global _office_hours, _zone
    if setting == "OFFICE_HOURS":
        _office_hours = None
    elif setting == "TIME_ZONE":
        _zone = None


setting_changed.connect(_on_setting_changed, dispatch_uid="workcal-setting-changed")


@checks.register()
def check_office_hours(app_configs=None, **kwargs):
    """``manage.py check`` (and runserver) report a bad OFFICE_HOURS before any deadline is computed."""
    try:
        parse_office_hours(getattr(settings, "OFFICE_HOURS", ""))
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="gongzhi.workcal.E001")]
    return []


# --- which days are working days ------------------------------------------------

_national: dict[int, bytes] = {}  # year -> one flag per day; the package's data never changes in a process
_warned_years: set[int] = set()


_package_years: dict[int, bool] = {}


def package_knows(year: int) -> bool:
    """Whether the ``chinesecalendar`` package has the holiday data of ``year``."""
    known = _package_years.get(year)
    if known is None:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))  # raises NotImplementedError for a year it does not know
        except NotImplementedError:
            known = False
        else:
            known = True
        _package_years[year] = known
    return known


def _national_year(year: int) -> bytes:
    """The package's flags of ``year``, or Monday–Friday for a year it does not know (no schedule applied)."""
    flags = _national.get(year)
    if flags is not None:
        return flags
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range(366 if isleap(year) else 365)]
    if not package_knows(year):
        flags = bytes(d.weekday() < 5 for d in days)
    else:
        holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
        flags = bytes(d in workdays or (d.weekday() < 5 and d not in holidays) for d in days)
    _national[year] = flags
    return flags


class _Year:
    """A year's working-day flags with prefix counts: ``cum[i]`` working days among its first ``i`` days."""

    __slots__ = ("year", "first", "flags", "cum", "total")

    def __init__(self, year: int, flags: bytes):
        self.year = year
        self.first = date(year, 1, 1).toordinal()
        self.flags = flags
        cum = [0] * (len(flags) + 1)
        running = 0
        for i, flag in enumerate(flags):
            running += flag
            cum[i + 1] = running
        self.cum = cum
        self.total = running


class _Days:
    """Working days under one set of overrides (date -> working), built per year on first use."""

    __slots__ = ("overrides", "_years", "scheduled_years")

    def __init__(self, overrides: dict[date, bool], scheduled_years=frozenset()):
        self.overrides = overrides
        self.scheduled_years = scheduled_years
        self._years: dict[int, _Year] = {}

    def year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            flags = _national_year(year)
            if year not in self.scheduled_years and not package_knows(year):
                _warn_unscheduled(year)
            local = [(d, working) for d, working in self.overrides.items() if d.year == year]
            if local:
                mutable = bytearray(flags)
                first = date(year, 1, 1).toordinal()
                for d, working in local:
                    mutable[d.toordinal() - first] = working
                flags = bytes(mutable)
            table = self._years[year] = _Year(year, flags)
        return table

    def is_working(self, d: date) -> bool:
        table = self.year(d.year)
        return bool(table.flags[d.toordinal() - table.first])

    def _before(self, d: date) -> int:
        table = self.year(d.year)
        return table.cum[d.toordinal() - table.first]

    def count(self, d1: date, d2: date) -> int:
        """Working days in [d1, d2), d1 <= d2."""
        if d1.year == d2.year:
            return self._before(d2) - self._before(d1)
        total = self.year(d1.year).total - self._before(d1)
        for year in range(d1.year + 1, d2.year):
            total += self.year(year).total
        return total + self._before(d2)

    def nth_after(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (n >= 1)."""
        table = self.year(d.year)
        target = table.cum[d.toordinal() - table.first + 1] + n
        while target > table.total:
            target -= table.total
            table = self.year(table.year + 1)
        return date.fromordinal(table.first + bisect_left(table.cum, target) - 1)

    def nth_before(self, d: date, n: int) -> date:
        """The n-th working day before ``d`` (n >= 1)."""
        table = self.year(d.year)
        target = table.cum[d.toordinal() - table.first] - n + 1
        while target < 1:
            table = self.year(table.year - 1)
            target += table.total
        return date.fromordinal(table.first + bisect_left(table.cum, target) - 1)


class _Calendar:
    """This process's view of the overrides and schedule days; replaced, never mutated, on reload.

    ``schedule`` maps a schedule region code ("" for the national schedule)
    to its days; they are applied under the overrides, with the same
    longest-prefix rule.

    ``by_region`` maps an override region code ("" for the whole deployment)
    to its days. A region code is served by the :class:`_Days` of the override
    codes that are prefixes of it, merged shortest first so the longest wins;
    one :class:`_Days` is built per distinct set of matching codes and shared
    by every region code with that set, and the answer is cached per region
    code, so a call with a region costs one dictionary lookup more.
    """

    def __init__(self, by_region: dict[str, dict[date, bool]], version,
                 schedule: dict[str, dict[date, bool]] | None = None):
        self.by_region = by_region
        self.schedule = schedule or {}
        self.version = version
        self.checked_at = time.monotonic()
        self.prefixes = tuple(sorted({code for code in (*by_region, *self.schedule) if code}, key=len))
        self.scheduled_years = frozenset(d.year for d in self.schedule.get("", {}))
        self.base = _Days({**self.schedule.get("", {}), **by_region.get("", {})}, self.scheduled_years)
        self._by_set: dict[tuple[str, ...], _Days] = {(): self.base}
        self.views: dict[str, _Days] = {"": self.base}

    def days(self, region: str) -> _Days:
        days = self.views.get(region)
        if days is not None:
            return days
        if not isinstance(region, str):
            raise TypeError(f"region must be a region code (str), got {type(region).__name__}")
        matching = tuple(code for code in self.prefixes if region.startswith(code))  # shortest first
        days = self._by_set.get(matching)
        if days is None:
            merged = dict(self.schedule.get("", {}))
            for code in matching:
                merged.update(self.schedule.get(code, {}))
            merged.update(self.by_region.get("", {}))
            for code in matching:
                merged.update(self.by_region.get(code, {}))
            days = self._by_set[matching] = _Days(merged, self.scheduled_years)
        self.views[region] = days
        return days

    def deciding(self, d: date, region: str) -> str | None:
        """The region code of the override that decides ``d`` for ``region`` (None: no override)."""
        for code in reversed(self.prefixes):
            if region.startswith(code) and d in self.by_region.get(code, {}):
                return code
        return "" if d in self.by_region.get("", {}) else None

    def schedule_deciding(self, d: date, region: str) -> str | None:
        """The region code of the schedule day that decides ``d`` for ``region`` (None: none loaded)."""
        for code in reversed(self.prefixes):
            if region.startswith(code) and d in self.schedule.get(code, {}):
                return code
        return "" if d in self.schedule.get("", {}) else None


_calendar: _Calendar | None = None
_unsettled = False  # a local write whose transaction has not been seen to commit
_load_lock = threading.Lock()


def _database_version() -> tuple:
    """Row count and latest ``updated_at`` of the overrides and of the schedule days, in one query."""
    override, schedule = CalendarOverride._meta.db_table, ScheduleDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {override}), (SELECT MAX(updated_at) FROM {override}), "
            f"(SELECT COUNT(*) FROM {schedule}), (SELECT MAX(updated_at) FROM {schedule})")
        return tuple(cursor.fetchone())


def _current(region: str = "") -> _Days:
    """The working days for ``region`` ("" = no region: deployment-wide overrides only)."""
    calendar = _calendar
    if calendar is not None and not _unsettled and time.monotonic() - calendar.checked_at < RECHECK_SECONDS:
        if not region:
            return calendar.base
        days = calendar.views.get(region)
        return days if days is not None else calendar.days(region)
    return _reloaded().days(region)


def _reloaded() -> _Calendar:
    global _calendar, _unsettled
    now = time.monotonic()
    with _load_lock:
        calendar = _calendar
        version = _database_version()  # read before the rows: a write in between is seen at the next check
        if calendar is None or version != calendar.version:
            rows = list(CalendarOverride.objects.values_list("date", "kind", "region_code", "updated_at"))
            by_region: dict[str, dict[date, bool]] = {}
            for day, kind, code, _updated in rows:
                by_region.setdefault(code, {})[day] = kind == OverrideKind.WORKING_DAY
            schedule_rows = list(ScheduleDay.objects.values_list("date", "kind", "region_code", "updated_at"))
            schedule: dict[str, dict[date, bool]] = {}
            for day, kind, code, _updated in schedule_rows:
                schedule.setdefault(code, {})[day] = kind == ScheduleKind.WORKDAY
            calendar = _Calendar(by_region, version, schedule)
            _calendar = calendar
        calendar.checked_at = now
        if _unsettled and not transaction.get_connection().in_atomic_block:
            _unsettled = False  # no transaction pending here: what we read is committed
    return calendar


def invalidate() -> None:
    """Forget the loaded overrides; the next call reloads them."""
    global _calendar
    _calendar = None


def reset() -> None:
    """Drop every cache, including the parsed settings and warnings given (for tests)."""
    global _office_hours, _zone, _unsettled
    invalidate()
    _office_hours = _zone = None
    _unsettled = False
    _national.clear()
    _package_years.clear()
    _warned_years.clear()


def _settled() -> None:
    global _unsettled
    _unsettled = False
    invalidate()


def _on_override_written(sender, using=None, **kwargs):
    global _unsettled
    invalidate()
    if transaction.get_connection(using).in_atomic_block:
        # Until the commit, a rollback could undo the write: recheck the version on every call.
        _unsettled = True
        transaction.on_commit(_settled, using=using)


post_save.connect(_on_override_written, sender=CalendarOverride, dispatch_uid="workcal-override-saved")
post_delete.connect(_on_override_written, sender=CalendarOverride, dispatch_uid="workcal-override-deleted")
post_save.connect(_on_override_written, sender=ScheduleDay, dispatch_uid="workcal-schedule-saved")
post_delete.connect(_on_override_written, sender=ScheduleDay, dispatch_uid="workcal-schedule-deleted")


# --- which years have a schedule ---------------------------------------------------

def _loaded() -> _Calendar:
    calendar = _calendar
    if calendar is not None and not _unsettled and time.monotonic() - calendar.checked_at < RECHECK_SECONDS:
        return calendar
    return _reloaded()


def is_year_scheduled(year: int) -> bool:
    """Whether the holidays of ``year`` are known: the package has them or a national schedule is loaded.

    An unscheduled year counts Monday–Friday only (its holidays would be
    counted as working days); a warning is logged once per year and process.
    """
    if package_knows(year) or year in _loaded().scheduled_years:
        return True
    _warn_unscheduled(year)
    return False


def _warn_unscheduled(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "No holiday schedule for %s (chinesecalendar does not know it and none is loaded): treating "
            "Monday-Friday as working days. Load the State Council's schedule: manage.py calendar_year load FILE.",
            year)


# From this day (month, day) on, next year's missing schedule is reported (the State Council publishes in
# late October or November; deadlines set in December already reach into January).
WARN_FROM = (11, 1)


def today() -> date:
    """The local date now (``django.utils.timezone.now()``); tests replace this function to set the clock."""
    from django.utils import timezone

    return timezone.localdate(timezone.now())


def missing_schedule_years(on: date | None = None) -> list[int]:
    """The unscheduled years that matter ``on`` a day (default :func:`today`): this year always, next
    year from 1 November. Reported by the admin home page, ``check --deploy``, ``/readyz`` and ``/metrics``."""
    on = on or today()
    years = [on.year]
    if (on.month, on.day) >= WARN_FROM:
        years.append(on.year + 1)
    return [year for year in years if not is_year_scheduled(year)]


def schedule_source(year: int) -> str:
    """Where the holidays of ``year`` come from: "loaded", "package" or "" (unscheduled)."""
    if year in _loaded().scheduled_years:
        return "loaded"
    return "package" if package_knows(year) else ""


def unscheduled_years(*moments) -> list[int]:
    """The unscheduled years of the span covered by ``moments`` (aware datetimes or dates), sorted.

    A deadline counted from ``start`` to ``due`` is unreliable when any year it
    spans is unscheduled: ``unscheduled_years(start, due)``.
    """
    days = [_as_date(m) for m in moments if m is not None]
    if not days:
        return []
    return [year for year in range(min(days).year, max(days).year + 1) if not is_year_scheduled(year)]


# --- conversions ------------------------------------------------------------------

def _local(moment) -> tuple[date, int]:
    """Local date and time of day (µs since midnight) of an aware datetime."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected an aware datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: the working-day calendar needs aware datetimes")
    local = moment.astimezone(_tz())
    return local.date(), ((local.hour * 60 + local.minute) * 60 + local.second) * _US + local.microsecond


def _moment(day: date, tod: int) -> datetime:
    seconds, micro = divmod(tod, _US)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=_tz())


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return _local(value)[0]
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _microseconds(hours) -> int:
    if isinstance(hours, timedelta):
        return hours // _ONE_US
    if isinstance(hours, bool):
        raise TypeError("hours must be a number or a timedelta, not a bool")
    if isinstance(hours, int):
        return hours * _US_PER_HOUR
    if isinstance(hours, Decimal):
        if not hours.is_finite():
            raise ValueError(f"hours must be finite, got {hours}")
        return int((hours * _US_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN))
    if isinstance(hours, float):
        if not math.isfinite(hours):
            raise ValueError(f"hours must be finite, got {hours}")
        return timedelta(hours=hours) // _ONE_US
    raise TypeError(f"hours must be a number or a timedelta, got {type(hours).__name__}")


# --- the public functions -----------------------------------------------------------
# Each takes ``region``: the code of the place the computation is for (a case's,
# a person's grid...). "" means no place: deployment-wide overrides only.

def is_working_day(d: date, *, region: str = "") -> bool:
    """True when the office works on ``d`` (an aware datetime counts as its local date)."""
    return _current(region).is_working(_as_date(d))


def nth_working_day(d: date, n: int, *, region: str = "") -> date:
    """The n-th working day after ``d`` (n > 0), before it (n < 0), or ``d`` itself (n = 0)."""
    d = _as_date(d)
    if n == 0:
        return d
    calendar = _current(region)
    return calendar.nth_after(d, n) if n > 0 else calendar.nth_before(d, -n)


def period_end(start: date, days: int, region: str = "") -> date:
    """The last day of a legal period of ``days`` calendar days from ``start``.

    ``start + days`` (the starting day is not counted); when that day is not a
    working day (statutory holiday or rest day, per this calendar and the
    overrides of ``region``), the period ends on the first working day after it.
    E.g. the 30 days to apply for judicial confirmation of a mediation agreement.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    end = _as_date(start) + timedelta(days=days)
    calendar = _current(region)
    return end if calendar.is_working(end) else calendar.nth_after(end, 1)


def working_days_between(d1: date, d2: date, *, region: str = "") -> int:
    """Working days after ``d1`` up to and including ``d2``; negative when ``d2`` < ``d1``."""
    d1, d2 = _as_date(d1), _as_date(d2)
    if d2 < d1:
        return -working_days_between(d2, d1, region=region)
    calendar = _current(region)
    return calendar.count(d1, d2) - calendar.is_working(d1) + calendar.is_working(d2)


def in_office_hours(moment: datetime, *, region: str = "") -> bool:
    """True when office time is running at ``moment`` (a period's closing instant excluded)."""
    return next_working_moment(moment, region=region) == moment


def next_working_moment(moment: datetime, *, region: str = "") -> datetime:
    """``moment`` if office time is running then, else the opening of the next office period."""
    day, tod = _local(moment)
    hours, calendar = office_hours(), _current(region)
    if calendar.is_working(day):
        for start, end in hours.periods:
            if tod < end:
                return _moment(day, max(tod, start))
    return _moment(calendar.nth_after(day, 1), hours.opens)


def add_working_days(moment: datetime, days: int, *, region: str = "") -> datetime:
    """The deadline ``days`` working days after ``moment`` (rule in the module docstring)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    return add_working_hours(moment, timedelta(microseconds=days * office_hours().day_length), region=region)


def add_working_hours(moment: datetime, hours: float | Decimal | timedelta, *, region: str = "") -> datetime:
    """The earliest moment by which ``hours`` of office time have passed since ``moment``.

    ``hours`` is a number of hours or a timedelta of office time; negative goes
    back to the latest moment that much office time before ``moment``.
    """
    amount = _microseconds(hours)
    day, tod = _local(moment)
    if amount == 0:
        return _moment(day, tod)
    office, calendar = office_hours(), _current(region)
    length = office.day_length
    working = calendar.is_working(day)
    done = office.elapsed(tod) if working else 0
    if amount > 0:
        remaining = amount
        if working:
            if done + amount <= length:
                return _moment(day, office.earliest(done + amount))
            remaining = done + amount - length
        full_days = -(-remaining // length)  # ceil: the remainder lands on that working day
        target = calendar.nth_after(day, full_days)
        return _moment(target, office.earliest(remaining - (full_days - 1) * length))
    remaining = -amount
    if working:
        if done >= remaining:
            return _moment(day, office.latest(done - remaining))
        remaining -= done
    full_days = -(-remaining // length)
    target = calendar.nth_before(day, full_days)
    return _moment(target, office.latest(full_days * length - remaining))


def working_time_between(start: datetime, end: datetime, *, region: str = "") -> timedelta:
    """Office time from ``start`` to ``end``; negative when ``end`` is earlier."""
    day1, tod1 = _local(start)
    day2, tod2 = _local(end)
    if (day2, tod2) < (day1, tod1):
        return -working_time_between(end, start, region=region)
    office, calendar = office_hours(), _current(region)
    before = office.elapsed(tod1) if calendar.is_working(day1) else 0
    after = office.elapsed(tod2) if calendar.is_working(day2) else 0
    return timedelta(microseconds=calendar.count(day1, day2) * office.day_length - before + after)


@dataclass(frozen=True)
class DayInfo:
    """Why a day is or is not a working day, for screens and the calendar command."""

    day: date
    working: bool
    source: str  # "override", "schedule" (loaded), "statutory" (package: holiday or 调休), "weekday" or "weekend"
    note: str = ""
    region_code: str = ""  # of the deciding override ("" for a deployment-wide one, or no override)


def describe_day(d: date, *, region: str = "") -> DayInfo:
    d = _as_date(d)
    days = _current(region)
    working = days.is_working(d)
    code = _calendar.deciding(d, region or "")  # loaded and fresh: _current() just ran
    if code is not None:
        note = (CalendarOverride.objects.filter(date=d, region_code=code).values_list("note", flat=True).first()
                or "")
        return DayInfo(d, working, "override", note, code)
    code = _calendar.schedule_deciding(d, region or "")
    if code is not None:
        name = (ScheduleDay.objects.filter(date=d, region_code=code).values_list("name", flat=True).first()
                or "")
        return DayInfo(d, working, "schedule", name, code)
    try:
        _off, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        name = None
    if name is not None:
        return DayInfo(d, working, "statutory", str(name))
    return DayInfo(d, working, "weekday" if working else "weekend")



"""What the leader dashboard shows, as plain data (the page and the XLSX export render the same dict).

Counts start from :func:`gongzhi.cases.selectors.list_cases` (the same
scoping and filters as the case list and the API, so every number clicks
through to exactly the cases behind it). The three rates, the composite
score and the rankings come from :mod:`gongzhi.cases.metrics`, the one
implementation of the assessment figures, also behind
``/api/v1/cases/metrics``: the same period and region give the same numbers.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.cases import metrics, rollup, selectors
from gongzhi.cases.models import OPEN_STATES, CaseEvent, CaseState
from gongzhi.core.scoping import scope_of
from gongzhi.regions.models import Region

from . import boards, mapdata
from .forms.filters import OPEN_FILTER
from .templatetags.when import when



@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    region: str = ""

    @classmethod
    def this_month(cls, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today.replace(day=1), today)


def _midnight(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


@functools.lru_cache(maxsize=16)
def _case_list(prefix: str, urlconf) -> str:
    return reverse("console_cases", urlconf=urlconf)


@functools.lru_cache(maxsize=256)
def _period_query(period: Period) -> str:
    params = {"created_from": period.start.isoformat(), "created_to": period.end.isoformat()}
    if period.region:
        params["region"] = period.region
    return urlencode(params)


def cases_url(period: Period, **extra) -> str:
    """The case list filtered to what a figure counts (a dashboard has a few hundred of these links)."""
    query = _period_query(period)
    extra = {k: v for k, v in extra.items() if v not in (None, "")}
    if extra:
        query += "&" + urlencode(extra)
    return _case_list(get_script_prefix(), get_urlconf()) + "?" + query


def overdue_url(region: str = "") -> str:
    """The case list of what "overdue now" counts: every overdue case of the region, whenever received."""
    query = {"overdue": "1", **({"region": region} if region else {})}
    return _case_list(get_script_prefix(), get_urlconf()) + "?" + urlencode(query)


def _filters(period: Period, **extra) -> selectors.CaseFilters:
    return selectors.CaseFilters(created_from=period.start, created_to=period.end, region=period.region or None,
                                 **extra)


def _months(first: date, last: date) -> list[tuple[date, date]]:
    """[start, next start) of each month from the month of ``first`` to the month of ``last``."""
    bounds, cursor = [], first.replace(day=1)
    while cursor <= last:
        nxt = rollup.next_month(cursor)
        bounds.append((cursor, nxt))
        cursor = nxt
    return bounds


# A period up to this many days is drawn day by day; a longer one month by month.
DAILY_UP_TO = 62


def buckets(period: Period, today: date) -> list[dict]:
    """The points of the trend: the days of the period, or its months (the first and last maybe cut short).

    Each is ``{"start", "end" (exclusive), "label", "partial", "future"}``: a
    bucket that holds today is *partial* (so far: drawn apart, never as a
    drop), one wholly after today is *future* (no figure yet).
    """
    if (period.end - period.start).days < DAILY_UP_TO:
        days = [period.start + timedelta(days=i) for i in range((period.end - period.start).days + 1)]
        spans = [(d, d + timedelta(days=1), when(d, today)) for d in days]
    else:
        spans = [(max(a, period.start), min(b, period.end + timedelta(days=1)), a.strftime("%Y-%m"))
                 for a, b in _months(period.start, period.end)]
    return [{"start": a, "end": b, "label": label, "partial": a <= today < b, "future": a > today}
            for a, b, label in spans]


def _received_trend(actor, period: Period, region: Region | None, points: list[dict], base, today: date) -> list:
    """Cases received in each bucket: whole closed months from the rollup, the rest counted live at once."""
    counts: dict[date, int | None] = {}
    months = [p["start"] for p in points if p["start"].day == 1 and p["end"] == rollup.next_month(p["start"])
              and p["end"] <= today]
    if (period.end - period.start).days >= DAILY_UP_TO and months:
        counts.update(rollup.received_by_month(actor, months, within=region.prefix if region else ""))
    live = [p for p in points if p["start"] not in counts and not p["future"]]
    if live:
        found = base.order_by().aggregate(**{
            f"b{i}": Count("id", filter=Q(created_at__gte=_midnight(p["start"]), created_at__lt=_midnight(p["end"])))
            for i, p in enumerate(live)})
        counts.update({p["start"]: found[f"b{i}"] for i, p in enumerate(live)})
    return [counts.get(p["start"]) for p in points]


def _trend(actor, period: Period, region: Region | None, base, now) -> list[dict]:
    """The period's trend, point by point: cases received and, for those who read them, the three rates.

    Follows the chosen period (its days, or its months when it is longer than
    DAILY_UP_TO days); the point that holds today is marked *partial* (so
    far), so an unfinished month is never drawn as a fall.
    """
    today = timezone.localdate(now)
    points = buckets(period, today)
    received = _received_trend(actor, period, region, points, base, today)
    rates = [None] * len(points)
    if can(actor, metrics.CAPABILITY):
        spans = [metrics.Period(_midnight(p["start"]), _midnight(p["end"]), p["label"]) for p in points
                 if not p["future"]]
        found = iter(metrics.rates_over(actor, spans, region=period.region or None, now=now))
        rates = [None if p["future"] else next(found) for p in points]
    trend = []
    for point, count, figures in zip(points, received, rates):
        trend.append({
            "label": point["label"], "partial": point["partial"], "future": point["future"], "count": count,
            "response": figures.response_rate if figures else None,
            "resolution": figures.resolution_rate if figures else None,
            "satisfaction": figures.satisfaction_rate if figures else None,
            "url": cases_url(Period(point["start"], point["end"] - timedelta(days=1), period.region)),
        })
    return trend


def _plain_rows(queryset) -> list[tuple]:
    """The rows of a grouped query of plain values, without the ORM's per-row conversion (thousands of rows)."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def build(actor, period: Period, now=None) -> dict:
    now = now or timezone.now()
    region = Region.objects.filter(code=period.region).first() if period.region else None
    in_period = selectors.list_cases(actor, _filters(period))
    base = boards.only_ids(in_period)
    # One scan of the period's cases, grouped finely enough for the tiles, the mix and the density.
    by_state: dict[str, int] = {}
    by_category: dict[int, int] = {}
    by_grid: dict[int, int] = {}
    by_place: dict[tuple[str, int], int] = {}
    grouped = base.values_list("state", "category_id", "grid_id", "region_code").annotate(n=Count("id")).order_by()
    for state, category_id, grid_id, region_code, n in _plain_rows(grouped):
        by_state[state] = by_state.get(state, 0) + n
        by_category[category_id] = by_category.get(category_id, 0) + n
        by_place[region_code, category_id] = by_place.get((region_code, category_id), 0) + n
        if grid_id is not None:
            by_grid[grid_id] = by_grid.get(grid_id, 0) + n
    total = sum(by_state.values())
    open_count = sum(by_state.get(s, 0) for s in OPEN_STATES)
    # "Overdue now" is a figure of now, not of the period: the tile and the table by unit count the same
    # cases, every case on the clock in the region chosen, whenever it was received (and both say so).
    overdue_units = boards.deadline_board(actor, now, region=period.region or None)
    overdue = sum(row["overdue"] for row in overdue_units)
    tiles = [
        {"key": "received", "label": "received", "value": total, "url": cases_url(period)},
        {"key": "open", "label": "open", "value": open_count, "url": cases_url(period, state=OPEN_FILTER)},
        {"key": "overdue", "label": "overdue", "value": overdue, "url": overdue_url(period.region)},
        {"key": "closed", "label": "closed", "value": by_state.get(CaseState.CLOSED, 0),
         "url": cases_url(period, state=CaseState.CLOSED)},
    ]
    # Category mix: by top-level category.
    top = metrics.top_categories()
    mix: dict[str, dict] = {}
    for category_id, n in by_category.items():
        root = top(category_id)
        row = mix.setdefault(root.code, {"code": root.code, "name": root.name, "count": 0})
        row["count"] += n
    categories = sorted(mix.values(), key=lambda r: (-r["count"], r["code"]))
    for row in categories:
        row["share"] = row["count"] / total if total else 0
        row["url"] = cases_url(period, category=row["code"])
    trend = _trend(actor, period, region, base, now)
    intake = metrics.intake_table([(code, category, n) for (code, category), n in by_place.items()],
                                  metrics.intake_parent(actor, period.region or None))
    for row in intake["rows"]:
        row["url"] = cases_url(Period(period.start, period.end, row["key"]))
        row["links"] = [cases_url(Period(period.start, period.end, row["key"]), category=c["code"])
                        for c in intake["categories"]]
    # Density by grid.
    grid_rows = list(Region.objects.filter(pk__in=list(by_grid)).only("code", "name", "boundary"))
    grid_counts = {g.code: by_grid[g.pk] for g in grid_rows}
    density = mapdata.grid_features(grid_rows, counts=grid_counts,
                                    link=lambda g: cases_url(Period(period.start, period.end, g.code)))
    grids = sorted(({"code": g.code, "name": g.name, "count": grid_counts[g.code],
                     "url": cases_url(Period(period.start, period.end, g.code))} for g in grid_rows),
                   key=lambda r: (-r["count"], r["code"]))
    data = {
        "period": period, "place": region.name if region else "", "tiles": tiles, "by_state": by_state,
        "categories": categories, "trend": trend, "intake": intake, "density": density, "grids": grids,
        "overdue_units": overdue_units,
    }
    data.update(assessment(actor, period, now=now))
    return data


def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _table(report, title: str, table_id: str, period: Period, link, label: str = "") -> dict:
    kind = {"unit": _("Unit"), "region": _("Region"), "category": _("Category")}[report.by]
    header = [_("Rank"), kind, _("Dispatched"), _("Response rate"),
              _("Called back"), _("Resolution rate"), _("Satisfaction rate"), _("Composite score")]
    rows, unranked = [], []
    for f in report.rows:
        cells = [f.rank, f.name, f.dispatched, f.response_rate, f.called_back, f.resolution_rate,
                 f.satisfaction_rate, f.score]
        display = [f.rank or "—", f.name, f.dispatched, pct(f.response_rate), f.called_back,
                   pct(f.resolution_rate), pct(f.satisfaction_rate), _score(f.score)]
        (rows if f.ranked else unranked).append({"cells": cells, "display": display, "url": link(f.key),
                                                 "key": f.key})
    return {"id": table_id, "title": title, "header": header, "rows": rows, "unranked": unranked,
            "label": label or f"{when(period.start)} – {when(period.end)}",
            "unranked_note": _("Fewer than %(n)d cases (dispatched or called back) in the period: not ranked")
            % {"n": report.min_cases}}


def assessment(actor, period: Period, now=None) -> dict:
    """The three rates, the composite score and the rankings, from gongzhi.cases.metrics (as the API)."""
    now = now or timezone.now()
    if not can(actor, metrics.CAPABILITY):
        return {"rates": None, "tables": []}
    span = metrics.Period.between(period.start, period.end)
    region = period.region or None
    rows = metrics.counts(span, now)  # every table below groups these
    by_unit = metrics.by_unit(actor, span, region=region, rows=rows)
    try:
        by_region = metrics.by_region(actor, span, region=region, rows=rows)
    except PermissionDenied:  # a department has units but no area of its own
        by_region = None
    by_category = metrics.by_category(actor, span, region=region, rows=rows)
    month = period.end.strftime("%Y-%m")
    month_start = period.end.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if period.start == month_start and period.end >= min(month_end, timezone.localdate()):
        ranking = by_unit  # the period is the month (so far): the same figures, not computed twice
    else:
        ranking = metrics.ranking(actor, month, by="unit", region=region, now=now)
    total = (by_region or by_unit).total
    everything = cases_url(period)
    rates = [
        {"key": "response", "label": _("Response rate"), "value": total.response_rate,
         "display": pct(total.response_rate), "url": everything},
        {"key": "resolution", "label": _("Resolution rate"), "value": total.resolution_rate,
         "display": pct(total.resolution_rate), "url": cases_url(period, state=CaseState.CLOSED)},
        {"key": "satisfaction", "label": _("Satisfaction rate"), "value": total.satisfaction_rate,
         "display": pct(total.satisfaction_rate), "url": cases_url(period, state=CaseState.CLOSED)},
        {"key": "score", "label": _("Composite score"), "value": total.score, "display": _score(total.score),
         "url": everything},
    ]

    def unit_link(code):
        return cases_url(period, unit=code)

    def region_link(code):
        return cases_url(Period(period.start, period.end, code))

    month_period = Period(month_start, month_end, period.region)
    tables = [_table(by_unit, _("Rates by unit"), "by-unit", period, unit_link)]
    if by_region is not None:
        tables.append(_table(by_region, _("Rates by region"), "by-region", period, region_link))
    tables.append(_table(by_category, _("Rates by category"), "by-category", period,
                         lambda code: cases_url(period, category=code)))
    so_far = month_start <= timezone.localdate(now) <= month_end
    ranking_label = (_("%(month)s, so far (the month has not ended)") % {"month": month}) if so_far else month
    tables.append(_table(ranking, _("Monthly ranking of units, %(month)s") % {"month": month}, "ranking",
                         month_period, lambda code: cases_url(month_period, unit=code), label=ranking_label))
    return {"rates": rates, "tables": tables}


CACHE_SECONDS = 120
# While work streams in (at least BUSY_EVENTS case events written since the
# last build), figures that change many times a second cannot be read exactly
# anyway: a build younger than COALESCE_SECONDS is shown to the next leader
# instead of a new one for each, and the page says of when its figures are.
# Under the load test (200 cases/s) this took the dashboard's build off most
# loads; a quiet office still sees every change at once.
COALESCE_SECONDS = 5
BUSY_EVENTS = 100


def build_cached(actor, period: Period, now=None) -> dict:
    """:func:`build`, remembered while nothing has happened to any case and the minute has not turned.

    Every change of a case appends a case event, so the id of the latest event
    (one indexed lookup) says whether any figure can have changed; the minute
    covers what changes with time alone (what is overdue now). A leader's
    screen refreshed over and over costs one query, and shows no stale number,
    except in a busy stream of work, where it shows the figures of at most
    COALESCE_SECONDS ago (``data["as_of"]``).
    """
    now = now or timezone.now()
    latest = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    signature = repr((scope_of(actor), getattr(actor, "pk", None), period, get_language(),
                      timezone.localtime(now).strftime("%Y%m%d%H%M")))
    key = "web:dashboard:" + hashlib.sha256(signature.encode()).hexdigest()
    entry = cache.get(key)
    if entry is not None and (entry["latest"] == latest or (
            latest - entry["latest"] >= BUSY_EVENTS
            and 0 <= (now - entry["data"]["as_of"]).total_seconds() < COALESCE_SECONDS)):
        return entry["data"]
    data = build(actor, period, now=now)
    data["as_of"] = now
    cache.set(key, {"latest": latest, "data": data}, CACHE_SECONDS)
    return data

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
from gongzhi.cases.models import OPEN_STATES, CaseEvent, CaseState, Category
from gongzhi.core.scoping import scope_of
from gongzhi.regions.models import Region

from . import boards, mapdata
from .forms.filters import OPEN_FILTER



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


def _filters(period: Period, **extra) -> selectors.CaseFilters:
    return selectors.CaseFilters(created_from=period.start, created_to=period.end, region=period.region or None,
                                 **extra)


def _top_categories():
    """Each category's top-level category (the mix is shown by top-level category)."""
    nodes = {c.pk: c for c in Category.objects.only("pk", "parent_id", "code", "name")}

    def top(category_id):
        node = nodes[category_id]
        while node.parent_id:
            node = nodes[node.parent_id]
        return node

    return top


def _months(first: date, last: date) -> list[tuple[date, date]]:
    """[start, next start) of each month from the month of ``first`` to the month of ``last``."""
    bounds, cursor = [], first.replace(day=1)
    while cursor <= last:
        nxt = rollup.next_month(cursor)
        bounds.append((cursor, nxt))
        cursor = nxt
    return bounds


def _trend(actor, period: Period, region: Region | None, total: int, now) -> list[dict]:
    """Cases received in each of the twelve months up to the end of the period.

    Months that have ended (and lie wholly before the end of the period) come
    from the monthly rollup (:func:`gongzhi.cases.rollup.received_by_month`,
    the same count as the case list); the rest, usually the current month
    alone, is counted live (the period itself when it is that month).
    """
    first_month = (period.end.replace(day=1) - timedelta(days=335)).replace(day=1)
    bounds = _months(first_month, period.end)
    this_month = rollup.month_of(now)
    closed = [a for a, b in bounds if b <= period.end + timedelta(days=1) and a < this_month]
    counts = rollup.received_by_month(actor, closed, within=region.prefix if region else "")
    live = [(a, b) for a, b in bounds if a not in counts]
    if len(live) == 1 and live[0][0] == period.start:
        counts[period.start] = total  # the period is that month (so far): counted already
    elif live:
        cases = boards.only_ids(selectors.list_cases(actor, _filters(Period(live[0][0], period.end, period.region))))
        found = cases.order_by().aggregate(**{
            f"m{i}": Count("id", filter=Q(created_at__gte=_midnight(a), created_at__lt=_midnight(b)))
            for i, (a, b) in enumerate(live)})
        counts.update({a: found[f"m{i}"] for i, (a, _b) in enumerate(live)})
    return [{"month": a.strftime("%Y-%m"), "count": counts[a],
             "url": cases_url(Period(a, b - timedelta(days=1), period.region))} for a, b in bounds]


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
    grouped = base.values_list("state", "category_id", "grid_id").annotate(n=Count("id")).order_by()
    for state, category_id, grid_id, n in _plain_rows(grouped):
        by_state[state] = by_state.get(state, 0) + n
        by_category[category_id] = by_category.get(category_id, 0) + n
        if grid_id is not None:
            by_grid[grid_id] = by_grid.get(grid_id, 0) + n
    total = sum(by_state.values())
    open_count = sum(by_state.get(s, 0) for s in OPEN_STATES)
    overdue = selectors.list_cases(actor, _filters(period, overdue=True)).count()
    tiles = [
        {"key": "received", "label": "received", "value": total, "url": cases_url(period)},
        {"key": "open", "label": "open", "value": open_count, "url": cases_url(period, state=OPEN_FILTER)},
        {"key": "overdue", "label": "overdue", "value": overdue, "url": cases_url(period, overdue="1")},
        {"key": "closed", "label": "closed", "value": by_state.get(CaseState.CLOSED, 0),
         "url": cases_url(period, state=CaseState.CLOSED)},
    ]
    # Category mix: by top-level category.
    top = _top_categories()
    mix: dict[str, dict] = {}
    for category_id, n in by_category.items():
        root = top(category_id)
        row = mix.setdefault(root.code, {"code": root.code, "name": root.name, "count": 0})
        row["count"] += n
    categories = sorted(mix.values(), key=lambda r: (-r["count"], r["code"]))
    for row in categories:
        row["share"] = row["count"] / total if total else 0
        row["url"] = cases_url(period, category=row["code"])
    trend = _trend(actor, period, region, total, now)
    # Density by grid.
    grid_rows = list(Region.objects.filter(pk__in=list(by_grid)).only("code", "name", "boundary"))
    grid_counts = {g.code: by_grid[g.pk] for g in grid_rows}
    density = mapdata.grid_features(grid_rows, counts=grid_counts,
                                    link=lambda g: cases_url(Period(period.start, period.end, g.code)))
    grids = sorted(({"code": g.code, "name": g.name, "count": grid_counts[g.code],
                     "url": cases_url(Period(period.start, period.end, g.code))} for g in grid_rows),
                   key=lambda r: (-r["count"], r["code"]))
    data = {
        "period": period, "tiles": tiles, "by_state": by_state, "categories": categories, "trend": trend,
        "density": density, "grids": grids, "overdue_units": boards.deadline_board(actor, now),
    }
    data.update(assessment(actor, period, now=now))
    return data


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _table(report, title: str, table_id: str, period: Period, link) -> dict:
    header = [_("Rank"), _("Unit") if report.by == "unit" else _("Region"), _("Dispatched"), _("Response rate"),
              _("Called back"), _("Resolution rate"), _("Satisfaction rate"), _("Composite score")]
    rows = []
    for f in report.rows:
        cells = [f.rank, f.name, f.dispatched, f.response_rate, f.called_back, f.resolution_rate,
                 f.satisfaction_rate, f.score]
        display = [f.rank or "—", f.name, f.dispatched, _pct(f.response_rate), f.called_back,
                   _pct(f.resolution_rate), _pct(f.satisfaction_rate), _score(f.score)]
        rows.append({"cells": cells, "display": display, "url": link(f.key)})
    return {"id": table_id, "title": title, "header": header, "rows": rows, "label": report.period.label}


def assessment(actor, period: Period, now=None) -> dict:
    """The three rates, the composite score and the rankings, from gongzhi.cases.metrics (as the API)."""
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
         "display": _pct(total.response_rate), "url": everything},
        {"key": "resolution", "label": _("Resolution rate"), "value": total.resolution_rate,
         "display": _pct(total.resolution_rate), "url": cases_url(period, state=CaseState.CLOSED)},
        {"key": "satisfaction", "label": _("Satisfaction rate"), "value": total.satisfaction_rate,
         "display": _pct(total.satisfaction_rate), "url": cases_url(period, state=CaseState.CLOSED)},
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
    tables.append(_table(ranking, _("Monthly ranking of units, %(month)s") % {"month": month}, "ranking",
                         month_period, lambda code: cases_url(month_period, unit=code)))
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

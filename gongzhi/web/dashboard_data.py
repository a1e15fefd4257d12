"""What the leader dashboard shows, as plain data (the page and the XLSX export render the same dict).

Counts start from :func:`gongzhi.cases.selectors.list_cases` (the same
scoping and filters as the case list and the API, so every number clicks
through to exactly the cases behind it). The three rates, the composite
score and the rankings come from :mod:`gongzhi.cases.metrics`, the one
implementation of the assessment figures, also behind
``/api/v1/cases/metrics``: the same period and region give the same numbers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.cases import metrics, selectors
from gongzhi.cases.models import CaseEvent, CaseState, Category
from gongzhi.core.scoping import scope_of
from gongzhi.regions.models import Region

from . import boards, mapdata
from .forms.filters import OPEN_STATES



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


def cases_url(period: Period, **extra) -> str:
    params = {"created_from": period.start.isoformat(), "created_to": period.end.isoformat()}
    if period.region:
        params["region"] = period.region
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return reverse("console_cases") + "?" + urlencode(params)


def _filters(period: Period, **extra) -> selectors.CaseFilters:
    return selectors.CaseFilters(created_from=period.start, created_to=period.end, region=period.region or None,
                                 **extra)


def build(actor, period: Period, now=None) -> dict:
    now = now or timezone.now()
    in_period = selectors.list_cases(actor, _filters(period))
    base = boards.only_ids(in_period)
    by_state = dict(base.values_list("state").annotate(n=Count("id")).order_by())
    total = sum(by_state.values())
    open_count = sum(by_state.get(s, 0) for s in OPEN_STATES.split(","))
    overdue = selectors.list_cases(actor, _filters(period, overdue=True)).count()
    tiles = [
        {"key": "received", "label": "received", "value": total, "url": cases_url(period)},
        {"key": "open", "label": "open", "value": open_count, "url": cases_url(period, state=OPEN_STATES)},
        {"key": "overdue", "label": "overdue", "value": overdue, "url": cases_url(period, overdue="1")},
        {"key": "closed", "label": "closed", "value": by_state.get(CaseState.CLOSED, 0),
         "url": cases_url(period, state=CaseState.CLOSED)},
    ]
    # Category mix: by top-level category.
    top_of = {}
    for category in Category.objects.only("pk", "parent_id", "code", "name"):
        top_of[category.pk] = category
    parents = {c.pk: c for c in top_of.values()}

    def top(category_id):
        node = parents[category_id]
        while node.parent_id:
            node = parents[node.parent_id]
        return node

    mix: dict[str, dict] = {}
    for category_id, n in base.values_list("category_id").annotate(n=Count("id")).order_by():
        root = top(category_id)
        row = mix.setdefault(root.code, {"code": root.code, "name": root.name, "count": 0})
        row["count"] += n
    categories = sorted(mix.values(), key=lambda r: (-r["count"], r["code"]))
    for row in categories:
        row["share"] = row["count"] / total if total else 0
        row["url"] = cases_url(period, category=row["code"])
    # Trend: the twelve months up to the end of the period.
    first_month = (period.end.replace(day=1) - timedelta(days=335)).replace(day=1)
    trend_period = Period(first_month, period.end, period.region)
    trend_base = boards.only_ids(selectors.list_cases(actor, _filters(trend_period))).order_by()
    bounds, cursor = [], first_month
    while cursor <= period.end:
        nxt = (cursor + timedelta(days=32)).replace(day=1)
        bounds.append((cursor, nxt))
        cursor = nxt
    # One scan with a conditional count per month (no per-row date function).
    months = trend_base.aggregate(**{
        f"m{i}": Count("id", filter=Q(created_at__gte=_midnight(a), created_at__lt=_midnight(b)))
        for i, (a, b) in enumerate(bounds)})
    trend = [{"month": a.strftime("%Y-%m"), "count": months[f"m{i}"],
              "url": cases_url(Period(a, b - timedelta(days=1), period.region))} for i, (a, b) in enumerate(bounds)]
    # Density by grid.
    grid_counts = dict(base.exclude(grid=None).values_list("grid__code").annotate(n=Count("id")).order_by())
    grid_rows = Region.objects.filter(code__in=list(grid_counts)).only("code", "name", "boundary")
    density = mapdata.grid_features(grid_rows, counts=grid_counts,
                                    link=lambda g: cases_url(Period(period.start, period.end, g.code)))
    grids = sorted(({"code": g.code, "name": g.name, "count": grid_counts[g.code],
                     "url": cases_url(Period(period.start, period.end, g.code))} for g in grid_rows),
                   key=lambda r: (-r["count"], r["code"]))
    data = {
        "period": period, "tiles": tiles, "by_state": by_state, "categories": categories, "trend": trend,
        "density": density, "grids": grids, "overdue_units": boards.deadline_board(actor, now),
    }
    data.update(assessment(actor, period))
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


def assessment(actor, period: Period) -> dict:
    """The three rates, the composite score and the rankings, from gongzhi.cases.metrics (as the API)."""
    if not can(actor, metrics.CAPABILITY):
        return {"rates": None, "tables": []}
    span = metrics.Period.between(period.start, period.end)
    region = period.region or None
    by_unit = metrics.by_unit(actor, span, region=region)
    try:
        by_region = metrics.by_region(actor, span, region=region)
    except PermissionDenied:  # a department has units but no area of its own
        by_region = None
    month = period.end.strftime("%Y-%m")
    month_start = period.end.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if period.start == month_start and period.end >= min(month_end, timezone.localdate()):
        ranking = by_unit  # the period is the month (so far): the same figures, not computed twice
    else:
        ranking = metrics.ranking(actor, month, by="unit", region=region)
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


def build_cached(actor, period: Period, now=None) -> dict:
    """:func:`build`, remembered while nothing has happened to any case and the minute has not turned.

    Every change of a case appends a case event, so the id of the latest event
    (one indexed lookup) says whether any figure can have changed; the minute
    covers what changes with time alone (what is overdue now). A leader's
    screen refreshed over and over costs one query, and shows no stale number.
    """
    now = now or timezone.now()
    latest = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    signature = repr((scope_of(actor), getattr(actor, "pk", None), period, latest, get_language(),
                      timezone.localtime(now).strftime("%Y%m%d%H%M")))
    key = "web:dashboard:" + hashlib.sha256(signature.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = build(actor, period, now=now)
        cache.set(key, data, CACHE_SECONDS)
    return data

"""The three rates (三率), the composite score and rankings, computed from case events only.

Definitions, for a period [start, end):

Response rate (响应率)
    acknowledged within the response deadline ÷ dispatched. Every dispatch
    (including a re-dispatch and the subdistrict's binding decision) counts
    for the unit it went to, in the period in which its **response deadline**
    falls; it counts as responded when that unit acknowledged (签收) it by the
    deadline. Both the deadline and the verdict are stored on the events when
    they happen (``payload.response_due`` of the dispatch, ``payload.on_time``
    and ``payload.response_due`` of the acknowledgement), so later changes to
    a category's deadlines change nothing in the past. Counting by deadline
    makes a period final the moment it ends: a dispatch due in the period was
    either acknowledged in time (before the period ended) or not. In the
    current period, only deadlines already passed count.

    A reopening (重办) is not a dispatch. An unsatisfied callback sends the
    case back to the same unit as a new order, which the unit must
    acknowledge again by a fresh response deadline (the sweep watches and
    escalates it as any other); but the reopening adds nothing to the
    denominator, and the acknowledgement that answers it (its payload says
    ``reopened: true``) adds nothing to the numerator, in time or not: the
    rate counts the unit's first response to each assignment, as before
    reopened cases had to be acknowledged, and the callback that caused the
    reopening already counts against the unit in the other two rates. A
    reopened case the unit returns and the dispatcher sends out again is a
    dispatch like any other and counts. (Which event carries a counted
    deadline is decided by :func:`gongzhi.cases.models.case.figures_of`
    when the event is written.)
Resolution rate (解决率)
    solved ÷ called back: callbacks (回访) recorded in the period, for the
    lead unit at the time, with the resident's "solved" verdict. An
    unsatisfied callback (which reopens the case) counts too.
Satisfaction rate (满意率)
    (满意 + w × 基本满意) ÷ called back, w = ``CASE_SATISFACTION_PARTIAL_WEIGHT``.
Composite score
    100 × Σ weightᵢ × rateᵢ ÷ Σ weightᵢ over the rates that are defined (a
    unit with no callback in the period is scored on its response rate
    alone), weights from ``CASE_SCORE_WEIGHTS``.

Reproducibility: every figure is a function of the events whose time lies in
(or, for responses, whose deadline lies in) a past period, and events are
append-only, so recomputing a past month gives the same figures whatever
happened since. (Only the import of hotline work orders writes events with an
earlier time, and only intake events, which no rate counts.)

Speed: every report is a grouping, in Python, of one set of counts per
(unit of the event, region code of the case) (:func:`counts`). Whole closed
months and days come from the rollup (:mod:`gongzhi.cases.rollup`); the rest
(today so far) is counted live by two GROUP BY queries over the event table,
each answered from a partial covering index (``case_event_responses``,
``case_event_callbacks``) over the facts copied from each event's payload
into plain columns when it is written
(:func:`gongzhi.cases.models.case.figures_of`).
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.core import exports
from gongzhi.core.scoping import ensure_code_in_scope, scope_of, scope_queryset
from gongzhi.regions.models import Region

from . import rollup, selectors
from .models import Case, Category

CAPABILITY = "cases.metrics"
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Region prefix lengths, top down: district, subdistrict, community, grid.
PREFIXES = (6, 9, 12, 15)


# --- periods ------------------------------------------------------------------------

def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Period:
    """[start, end) in local time; ``label`` names it (2025-09, or 2025-09-01–2025-09-15)."""

    start: datetime
    end: datetime
    label: str

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """From the start of ``first`` to the end of ``last`` (both included)."""
        for name, day in (("start", first), ("end", last)):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise ValidationError({name: _("Give a date between %(first)d and %(last)d.")
                                             % {"first": FIRST_YEAR, "last": LAST_YEAR}})
        if last < first:
            raise ValidationError({"end": _("The end of the period is before its start.")})
        if (last - first).days + 1 > settings.METRICS_MAX_PERIOD_DAYS:
            raise ValidationError({"end": _("The period is longer than %(days)d days; choose a shorter one.")
                                          % {"days": settings.METRICS_MAX_PERIOD_DAYS}})
        return cls(_midnight(first), _midnight(last + timedelta(days=1)), f"{first.isoformat()}–{last.isoformat()}")

    @classmethod
    def month(cls, text: str) -> Period:
        """A calendar month written YYYY-MM."""
        try:
            year, month = (int(part) for part in str(text).strip().split("-"))
            first = date(year, month, 1)
        except (TypeError, ValueError):
            raise ValidationError({"month": _("Write the month as YYYY-MM, e.g. 2025-09.")}) from None
        try:
            period = cls.between(first, date(year, month, calendar.monthrange(year, month)[1]))
        except ValidationError as exc:
            raise ValidationError({"month": [m for ms in exc.message_dict.values() for m in ms]}) from None
        return cls(period.start, period.end, f"{year:04d}-{month:02d}")


# --- figures ------------------------------------------------------------------------

def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """The counts of one unit or region in one period, and the rates derived from them."""

    key: str
    name: str
    dispatched: int = 0
    responded: int = 0
    called_back: int = 0
    solved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    rank: int | None = None
    ranked: bool = False  # False: below METRICS_RANKING_MIN_CASES (or no rate), listed apart
    partial_weight: float = field(default=0.8, repr=False)
    weights: dict = field(default_factory=dict, repr=False)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.solved, self.called_back)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied + self.partial_weight * self.basically_satisfied, self.called_back)

    @property
    def score(self) -> float | None:
        rates = {"response": self.response_rate, "resolution": self.resolution_rate,
                 "satisfaction": self.satisfaction_rate}
        weighted = [(self.weights[name], rate) for name, rate in rates.items() if rate is not None]
        total = sum(weight for weight, _rate in weighted)
        if not total:
            return None
        return 100 * sum(weight * rate for weight, rate in weighted) / total

    @property
    def volume(self) -> int:
        """How many cases the figures rest on: the larger of the two denominators (dispatches, callbacks)."""
        return max(self.dispatched, self.called_back)

    def add(self, other: Figures) -> None:
        for name in ("dispatched", "responded", "called_back", "solved", "satisfied", "basically_satisfied",
                     "unsatisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k not in ("partial_weight", "weights")}
        data.update(response_rate=self.response_rate, resolution_rate=self.resolution_rate,
                    satisfaction_rate=self.satisfaction_rate, score=self.score)
        return data


@dataclass
class Report:
    period: Period
    by: str  # "unit" or "region"
    rows: list[Figures]
    total: Figures
    partial_weight: float
    weights: dict
    min_cases: int = 1

    @property
    def ranked_rows(self) -> list[Figures]:
        return [row for row in self.rows if row.ranked]

    @property
    def unranked_rows(self) -> list[Figures]:
        return [row for row in self.rows if not row.ranked]

    def as_dict(self) -> dict:
        return {
            "period": {"start": self.period.start, "end": self.period.end, "label": self.period.label},
            "by": self.by, "weights": self.weights, "partial_weight": self.partial_weight,
            "min_cases": self.min_cases, "total": self.total.as_dict(), "rows": [row.as_dict() for row in self.rows],
        }


# --- the counts ----------------------------------------------------------------------

def counts(period: Period, now: datetime | None = None) -> list[dict]:
    """The counts of ``period`` per (unit id, case region code): every report is a grouping of these.

    Whole closed months come from the monthly rollup, the rest (the current
    month, partial months at the edges) from the events live; both are the
    same count (:func:`gongzhi.cases.rollup.live_rate_rows`). In the current
    period only deadlines already passed count.
    """
    end = min(period.end, now or timezone.now())
    if end <= period.start:
        return []
    return rollup.rate_rows(period.start, end)


def _figures(rows: list[dict], key, keep) -> dict[str, Figures]:
    """Sum ``rows`` into Figures per ``key(row)`` (None: not counted), over the rows ``keep`` accepts."""
    partial, weights = settings.CASE_SATISFACTION_PARTIAL_WEIGHT, dict(settings.CASE_SCORE_WEIGHTS)
    totals: dict = {}
    for row in rows:
        name = key(row)
        if name is None or not keep(row):
            continue
        sums = totals.get(name)
        if sums is None:
            sums = totals[name] = dict.fromkeys(rollup.COUNTS, 0)
        for field_name in rollup.COUNTS:
            sums[field_name] += row[field_name]
    return {str(name): Figures(key=str(name), name="", partial_weight=partial, weights=weights, **sums)
            for name, sums in totals.items()}


def _ranked(rows: list[Figures], minimum: int) -> list[Figures]:
    """Best score first; equal scores share a rank (1, 2, 2, 4).

    Only rows resting on at least ``minimum`` cases (:attr:`Figures.volume`)
    are ranked: a unit with one case handled well would otherwise share first
    place with every other perfect unit. The rest follow, unranked (rank
    None, ``ranked`` False), by score and then by code, for the page to list apart.
    """
    for row in rows:
        row.ranked = row.score is not None and row.volume >= minimum
    rows.sort(key=lambda f: (not f.ranked, f.score is None, -(round(f.score, 6) if f.score is not None else 0),
                             f.key))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if not row.ranked:
            row.rank = None
            continue
        score = round(row.score, 6)
        if score != previous:
            rank, previous = position, score
        row.rank = rank
    return rows


def _total(rows: list[Figures], name: str) -> Figures:
    total = Figures(key="", name=name, partial_weight=settings.CASE_SATISFACTION_PARTIAL_WEIGHT,
                    weights=dict(settings.CASE_SCORE_WEIGHTS))
    for row in rows:
        total.add(row)
    return total


def _report(period, by, rows, total_name) -> Report:
    minimum = settings.METRICS_RANKING_MIN_CASES
    return Report(period=period, by=by, rows=_ranked(rows, minimum), total=_total(rows, total_name),
                  partial_weight=settings.CASE_SATISFACTION_PARTIAL_WEIGHT, weights=dict(settings.CASE_SCORE_WEIGHTS),
                  min_cases=minimum)


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None:
        raise ValidationError({"region": _("There is no region with code “%(code)s”.") % {"code": code}})
    return region


# --- per unit and per region -------------------------------------------------------------

def visible_units(actor) -> QuerySet:
    """The units whose figures ``actor`` may see: those of their area (and their own unit)."""
    return scope_queryset(Unit.objects.all(), actor)


def by_unit(actor, period: Period, *, region: str | None = None, now: datetime | None = None,
            rows: list[dict] | None = None) -> Report:
    """The rates of every unit the actor may see; with ``region``, over the cases in that subtree only.

    ``rows`` are the :func:`counts` of ``period`` when the caller already has them.
    """
    require(actor, CAPABILITY)
    place = _region(region)
    visible = None if scope_of(actor).unrestricted else set(visible_units(actor).values_list("pk", flat=True))
    prefix = place.prefix if place is not None else ""
    figures = _figures(counts(period, now) if rows is None else rows, key=lambda row: row["unit_id"],
                       keep=lambda row: (visible is None or row["unit_id"] in visible)
                       and row["region_code"].startswith(prefix))
    units = {str(u.pk): u for u in Unit.objects.filter(pk__in=[int(k) for k in figures])}
    rows = []
    for key, entry in figures.items():
        unit = units[key]
        entry.key, entry.name = unit.code, unit.name
        rows.append(entry)
    return _report(period, "unit", rows, place.name if place else _("All units shown"))


def _default_region(actor) -> Region | None:
    """Where a region report starts: everywhere for an unrestricted actor, else their own area."""
    if scope_of(actor).unrestricted:
        return None
    region = getattr(actor, "region", None)
    if region is None and getattr(actor, "unit", None) is not None and hasattr(actor, "key_prefix"):
        region = actor.unit.region
    if region is None:
        raise PermissionDenied(_("You have no area, so there are no regions to compare."))
    return region


def by_region(actor, period: Period, *, region: str | None = None, now: datetime | None = None,
              rows: list[dict] | None = None) -> Report:
    """The rates over the cases of each region one level below ``region`` (default: the actor's area).

    A case counts for the region its place lies in, whatever unit handled it.
    Cases placed at ``region`` itself (no finer place known) form a row of their own.
    ``rows`` are the :func:`counts` of ``period`` when the caller already has them.
    """
    require(actor, CAPABILITY)
    parent = _region(region) if region else _default_region(actor)
    if parent is not None:
        ensure_code_in_scope(parent.code, actor)
        length = min((n for n in PREFIXES if n > len(parent.prefix)), default=len(parent.prefix))
        prefix = parent.prefix
    else:
        length, prefix = PREFIXES[0], ""
    figures = _figures(counts(period, now) if rows is None else rows, key=lambda row: row["region_code"][:length],
                       keep=lambda row: row["region_code"].startswith(prefix))
    codes = {key: key.ljust(12, "0") if len(key) <= 12 else key for key in figures}
    names = dict(Region.objects.filter(code__in=set(codes.values())).values_list("code", "name"))
    rows = []
    for key, entry in figures.items():
        code = codes[key]
        entry.key = code
        if parent is not None and code == parent.code:
            entry.name = _("%(region)s (no finer place)") % {"region": parent.name}
        else:
            entry.name = names.get(code) or unlisted_place(parent)
        rows.append(entry)
    return _report(period, "region", rows, parent.name if parent else _("Everywhere"))


def unlisted_place(parent: Region | None) -> str:
    """The name shown for a region code that names no region (a place never by its code alone)."""
    if parent is None:
        return _("A place not in the region list")
    return _("A place in %(region)s not in the region list") % {"region": parent.name}


def by_category(actor, period: Period, *, region: str | None = None, now: datetime | None = None,
                rows: list[dict] | None = None) -> Report:
    """The rates per top-level category over everything the actor may see (under ``region``).

    A case counts for the top-level category it is filed under, whatever
    unit handled it; the rows come from the rollup's category dimension like
    the rows by unit and by region. ``rows`` are the :func:`counts` of
    ``period`` when the caller already has them.
    """
    require(actor, CAPABILITY)
    keep = _whole_area(actor, region)
    top = top_categories()
    figures = _figures(counts(period, now) if rows is None else rows,
                       key=lambda row: top(row["category_id"]).code if row.get("category_id") else None, keep=keep)
    names = dict(Category.objects.filter(code__in=list(figures)).values_list("code", "name"))
    rows = []
    for key, entry in figures.items():
        entry.key, entry.name = key, names.get(key, key)
        rows.append(entry)
    place = _region(region)
    return _report(period, "category", rows, place.name if place else _("Everything shown"))


def ranking(actor, month: str, *, by: str = "unit", region: str | None = None, now: datetime | None = None) -> Report:
    """The monthly ranking table (月度排名) of units, regions or top-level categories."""
    period = Period.month(month)
    if by == "region":
        return by_region(actor, period, region=region, now=now)
    if by == "category":
        return by_category(actor, period, region=region, now=now)
    if by != "unit":
        raise ValidationError({"by": _("Rank by unit, by region or by category.")})
    return by_unit(actor, period, region=region, now=now)


# --- intake by place and category ----------------------------------------------------------

def top_categories():
    """A function giving each category id its top-level category (intake is shown by top-level category)."""
    nodes = {c.pk: c for c in Category.objects.only("pk", "parent_id", "code", "name")}

    def top(category_id):
        node = nodes[category_id]
        while node.parent_id:
            node = nodes[node.parent_id]
        return node

    return top


def received(actor, first: date, last: date, *, region: str | None = None) -> list[tuple[str, int, int]]:
    """(case region code, category id, cases) received from ``first`` to ``last`` (both included).

    The cases are those of :func:`gongzhi.cases.selectors.list_cases` (the
    case list's scoping and filters), so each cell of the intake table clicks
    through to exactly its cases.
    """
    cases = selectors.list_cases(actor, selectors.CaseFilters(created_from=first, created_to=last, region=region))
    if cases.query.distinct:
        cases = Case.objects.filter(pk__in=cases.order_by().values("pk"))
    return list(cases.values_list("region_code", "category_id").annotate(n=Count("id")).order_by())


def _place_length(parent: Region | None) -> int:
    """How finely intake is grouped: by community, or by grid below a community (or a grid)."""
    return PREFIXES[3] if parent is not None and len(parent.prefix) >= PREFIXES[2] else PREFIXES[2]


def intake_table(rows, parent: Region | None) -> dict:
    """Cases received per place (community, or grid under a community) and top-level category.

    ``rows`` are (case region code, category id, cases), as :func:`received`
    gives them (the dashboard passes the grouping it already has). A case
    placed no finer than the level grouped by (a street, say) forms a row of
    its place marked "(no finer place)". Rows and columns are ordered by
    cases, most first, then by code; every name is a name, never a code alone.
    """
    length = _place_length(parent)
    top = top_categories()
    cells: dict[str, dict[str, int]] = {}
    columns: dict[str, dict] = {}
    for region_code, category_id, n in rows:
        key = region_code[:length]
        root = top(category_id)
        column = columns.setdefault(root.code, {"code": root.code, "name": root.name, "received": 0})
        column["received"] += n
        row = cells.setdefault(key, {})
        row[root.code] = row.get(root.code, 0) + n
    padded = {key: key.ljust(12, "0") if len(key) <= 12 else key for key in cells}
    places = {r.code: r for r in Region.objects.filter(code__in=set(padded.values())).only("code", "name", "level")}
    categories = sorted(columns.values(), key=lambda c: (-c["received"], c["code"]))
    table = []
    for key, counts_of in cells.items():
        place = places.get(padded[key])
        if place is None:
            name = unlisted_place(parent)
        elif len(place.prefix) < length:
            name = _("%(region)s (no finer place)") % {"region": place.name}
        else:
            name = place.name
        table.append({"key": padded[key], "name": name, "received": sum(counts_of.values()),
                      "cells": [counts_of.get(c["code"], 0) for c in categories]})
    table.sort(key=lambda r: (-r["received"], r["key"]))
    return {"by": "community" if length == PREFIXES[2] else "grid", "categories": categories, "rows": table,
            "total": sum(r["received"] for r in table)}


def intake_parent(actor, region: str | None) -> Region | None:
    """The region an intake table is of: the one asked for, else the actor's own area (None: everywhere)."""
    if region:
        parent = _region(region)
        ensure_code_in_scope(parent.code, actor)
        return parent
    try:
        return _default_region(actor)
    except PermissionDenied:  # a department: the cases of its units, wherever they are
        return None


def intake(actor, first: date, last: date, *, region: str | None = None) -> dict:
    """The intake table of the API (cases received per community and category), scoped like the case list."""
    require(actor, CAPABILITY)
    parent = intake_parent(actor, region)
    return intake_table(received(actor, first, last, region=region or None), parent)


# --- the rates over time -------------------------------------------------------------------

def _whole_area(actor, region: str | None):
    """Which count rows make up "everything ``actor`` may see" (under ``region``), as a row filter.

    The cases of the actor's area (or of ``region``); for an actor with units
    but no area (a department), its units' figures.
    """
    try:
        parent = _region(region) if region else _default_region(actor)
        if parent is not None:
            ensure_code_in_scope(parent.code, actor)
        prefix = parent.prefix if parent is not None else ""

        def keep(row):
            return row["region_code"].startswith(prefix)
    except PermissionDenied:  # a department has units but no area of its own: its units' figures
        place = _region(region)
        visible = set(visible_units(actor).values_list("pk", flat=True))
        prefix = place.prefix if place is not None else ""

        def keep(row):
            return row["unit_id"] in visible and row["region_code"].startswith(prefix)
    return keep


def rates_over(actor, spans: list[Period], *, region: str | None = None, now: datetime | None = None) -> list[Figures]:
    """The three rates over all the actor may see (under ``region``) in each of ``spans`` (a trend).

    Each is the total that :func:`by_region` gives (the cases of the actor's
    area, or of ``region``), or :func:`by_unit` for an actor with units but no
    area (a department): the figure the dashboard's rate tiles show for the
    whole period, here per month or day. The rows are kept by the same rule
    as there, decided once. A span of a day is counted live through the
    events' indexes (the same count as its rollup, by construction), so a
    daily trend of a past month does not roll up thirty days one by one;
    longer spans go through :func:`counts`.
    """
    require(actor, CAPABILITY)
    now = now or timezone.now()
    keep = _whole_area(actor, region)
    totals = []
    for span in spans:
        if span.end - span.start <= timedelta(days=1):
            end = min(span.end, now)
            rows = list(rollup.live_rate_rows(span.start, end).values()) if end > span.start else []
        else:
            rows = counts(span, now)
        totals.append(_total(list(_figures(rows, key=lambda row: "", keep=keep).values()), ""))
    return totals


# --- XLSX export -----------------------------------------------------------------------

def ranking_xlsx(report: Report, *, watermark) -> bytes:
    """The ranking as a workbook: one row per unit or region, rates as percentages."""
    workbook = exports.Workbook(watermark=watermark)
    sheet = workbook.sheet(report.period.label)
    title = {"unit": _("Ranking of units"), "region": _("Ranking of regions"),
             "category": _("Ranking of categories")}[report.by]
    sheet.append([f"{title} {report.period.label}"])
    headers = [_("rank"), _("code"), _("name"), _("dispatched"), _("acknowledged in time"), _("response rate"),
               _("called back"), _("solved"), _("resolution rate"), _("satisfied"), _("basically satisfied"),
               _("unsatisfied"), _("satisfaction rate"), _("composite score")]
    sheet.append(headers)

    def cells(row: Figures, rank):
        values = [rank, row.key, row.name, row.dispatched, row.responded, row.response_rate, row.called_back,
                  row.solved, row.resolution_rate, row.satisfied, row.basically_satisfied, row.unsatisfied,
                  row.satisfaction_rate, round(row.score, 2) if row.score is not None else None]
        return [exports.Cell(value, bold=rank == _("total"),
                             number_format="0.0%" if index in (5, 8, 12) and value is not None else None)
                for index, value in enumerate(values)]

    for row in report.ranked_rows:
        sheet.append(cells(row, row.rank))
    sheet.append(cells(report.total, _("total")))
    if report.unranked_rows:
        sheet.append([])
        sheet.append([_("Fewer than %(n)d cases (dispatched or called back) in the period: not ranked")
                      % {"n": report.min_cases}])
        for row in report.unranked_rows:
            sheet.append(cells(row, None))
    weights = report.weights
    sheet.append([])
    sheet.append([_("Composite score = 100 × weighted mean of the defined rates; weights: response %(r)s, "
                    "resolution %(s)s, satisfaction %(f)s; 基本满意 counts %(w)s.")
                  % {"r": weights["response"], "s": weights["resolution"], "f": weights["satisfaction"],
                     "w": report.partial_weight}])
    return workbook.save()

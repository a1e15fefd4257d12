"""The rates and rankings API at /api/v1/cases/metrics: thin over :mod:`gongzhi.cases.metrics`.

Scoped like everything else: a leader sees the units and regions of their
area. Bad periods, months or regions answer 422 naming the parameter; a
caller without the ``cases.metrics`` capability gets 403.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.roles import require
from gongzhi.core import exports
from gongzhi.core.schemas import In

from . import clock_metrics, metrics
from .schemas import ErrorOut

router = Router(tags=["cases: rates and rankings"])
ERRORS = {403: ErrorOut, 422: ErrorOut}


class FiguresOut(Schema):
    key: str
    name: str
    rank: int | None
    ranked: bool = Field(description="False when the unit rests on fewer than min_cases cases: listed, not ranked")
    dispatched: int
    responded: int
    response_rate: float | None
    called_back: int
    solved: int
    resolution_rate: float | None
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    satisfaction_rate: float | None
    score: float | None


class PeriodOut(Schema):
    start: str
    end: str
    label: str


class ReportOut(Schema):
    period: PeriodOut
    by: str
    weights: dict[str, float]
    partial_weight: float
    min_cases: int = Field(description="Cases (dispatches or callbacks) a unit needs in the period to be ranked")
    total: FiguresOut
    rows: list[FiguresOut]


DAY = Field(None, description="YYYY-MM-DD", json_schema_extra={"format": "date"})


class MetricsIn(In):
    # Dates are parsed here, not by the schema, so that a malformed one is answered like a bad period:
    # 422 naming the parameter, in the caller's language.
    start: str | None = DAY
    end: str | None = DAY
    month: str | None = None
    by: Literal["unit", "region", "category"] = "unit"
    region: str | None = None


class RankingIn(In):
    month: str
    by: Literal["unit", "region", "category"] = "unit"
    region: str | None = None


def _out(report: metrics.Report) -> dict:
    data = report.as_dict()
    data["period"] = {"start": report.period.start.isoformat(), "end": report.period.end.isoformat(),
                      "label": report.period.label}
    return data


def _period(query: MetricsIn) -> metrics.Period:
    if query.month:
        if query.start or query.end:
            raise ValidationError({"month": _("Give either a month or a start and an end, not both.")})
        return metrics.Period.month(query.month)
    if not (query.start and query.end):
        raise ValidationError({"start": _("Give a month (YYYY-MM) or both start and end dates.")})
    return metrics.Period.between(_day(query.start, "start"), _day(query.end, "end"))


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError({name: _("Write the date as YYYY-MM-DD, e.g. 2025-09-01.")}) from None


@router.get("", response={200: ReportOut, **ERRORS},
            summary="Response, resolution and satisfaction rates and the composite score, for any period")
def figures(request, query: Query[MetricsIn]):
    actor = actor_of(request)
    period = _period(query)
    function = {"unit": metrics.by_unit, "region": metrics.by_region, "category": metrics.by_category}[query.by]
    return Status(200, _out(function(actor, period, region=query.region)))


@router.get("/ranking", response={200: ReportOut, **ERRORS}, summary="Monthly ranking table of units, regions or categories")
def ranking(request, query: Query[RankingIn]):
    report = metrics.ranking(actor_of(request), query.month, by=query.by, region=query.region)
    return Status(200, _out(report))


@router.get("/ranking.xlsx", response={**ERRORS}, summary="Monthly ranking table as an XLSX workbook")
def ranking_xlsx(request, query: Query[RankingIn]):
    report = metrics.ranking(actor_of(request), query.month, by=query.by, region=query.region)
    mark = exports.Watermark.of(actor_of(request), _("ranking of %(month)s") % {"month": query.month})
    return exports.attachment(metrics.ranking_xlsx(report, watermark=mark), f"ranking-{query.by}-{report.period.label}.xlsx")


# --- intake by community and category ----------------------------------------------------

class IntakeIn(In):
    start: str | None = DAY
    end: str | None = DAY
    month: str | None = None
    region: str | None = None


class IntakeCategoryOut(Schema):
    code: str
    name: str
    received: int


class IntakeRowOut(Schema):
    key: str = Field(description="Region code of the community (or grid, below a community)")
    name: str
    received: int
    cells: list[int] = Field(description="Cases received per category, in the order of `categories`")


class IntakeOut(Schema):
    period: PeriodOut
    by: Literal["community", "grid"]
    categories: list[IntakeCategoryOut]
    rows: list[IntakeRowOut]
    total: int


@router.get("/intake", response={200: IntakeOut, **ERRORS},
            summary="Cases received per community (or grid) and top-level category, as the dashboard's table")
def intake(request, query: Query[IntakeIn]):
    actor = actor_of(request)
    require(actor, metrics.CAPABILITY)
    period = _period(MetricsIn(start=query.start, end=query.end, month=query.month))
    first, last = timezone.localtime(period.start).date(), timezone.localtime(period.end - timedelta(days=1)).date()
    table = metrics.intake(actor, first, last, region=query.region)
    return Status(200, {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                                   "label": period.label}, **table})


# --- time to dispatch and supervision counts (gongzhi.cases.clock_metrics) ----------------

class DispatchTimeIn(In):
    start: str | None = DAY  # parsed like the rates' dates (a malformed one: 422 naming it)
    end: str | None = DAY
    month: str | None = None
    by: Literal["dispatcher", "subdistrict"] = "dispatcher"


class DispatchFiguresOut(Schema):
    key: str
    name: str
    dispatched: int
    on_time: int
    on_time_rate: float | None
    average_minutes: float | None
    median_minutes: float | None


class DispatchTimeOut(Schema):
    period: PeriodOut
    by: str
    total: DispatchFiguresOut
    rows: list[DispatchFiguresOut]


class SupervisionCountOut(Schema):
    key: str
    name: str
    urge: int
    yellow: int
    red: int
    instruction: int
    pending: int
    by_rule: int


class SupervisionCountsOut(Schema):
    period: PeriodOut
    rows: list[SupervisionCountOut]


@router.get("/time-to-dispatch", response={200: DispatchTimeOut, **ERRORS},
            summary="Intake → first dispatch per dispatcher or subdistrict: average, median, within the deadline")
def time_to_dispatch(request, query: Query[DispatchTimeIn]):
    require(actor_of(request), metrics.CAPABILITY)  # a 403 before judging the period
    period = _period(MetricsIn(start=query.start, end=query.end, month=query.month))
    return Status(200, clock_metrics.time_to_dispatch(actor_of(request), period, by=query.by))


@router.get("/supervision", response={200: SupervisionCountsOut, **ERRORS},
            summary="Urgings, yellow and red cards and instructions per unit (督办)")
def supervision(request, query: Query[MetricsIn]):
    require(actor_of(request), metrics.CAPABILITY)
    period = _period(query)
    rows = clock_metrics.supervision_counts(actor_of(request), period)
    return Status(200, {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                                   "label": period.label}, "rows": rows})

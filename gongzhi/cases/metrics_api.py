"""The rates and rankings API at /api/v1/cases/metrics: thin over :mod:`gongzhi.cases.metrics`.

Scoped like everything else: a leader sees the units and regions of their
area. Bad periods, months or regions answer 422 naming the parameter; a
caller without the ``cases.metrics`` capability gets 403.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import In

from . import metrics
from .schemas import ErrorOut

router = Router(tags=["cases: rates and rankings"])
ERRORS = {403: ErrorOut, 422: ErrorOut}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FiguresOut(Schema):
    key: str
    name: str
    rank: int | None
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
    total: FiguresOut
    rows: list[FiguresOut]


class MetricsIn(In):
    start: date | None = None
    end: date | None = None
    month: str | None = None
    by: Literal["unit", "region"] = "unit"
    region: str | None = None


class RankingIn(In):
    month: str
    by: Literal["unit", "region"] = "unit"
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
    return metrics.Period.between(query.start, query.end)


@router.get("", response={200: ReportOut, **ERRORS},
            summary="Response, resolution and satisfaction rates and the composite score, for any period")
def figures(request, query: Query[MetricsIn]):
    actor = actor_of(request)
    period = _period(query)
    function = metrics.by_region if query.by == "region" else metrics.by_unit
    return Status(200, _out(function(actor, period, region=query.region)))


@router.get("/ranking", response={200: ReportOut, **ERRORS}, summary="Monthly ranking table of units or regions")
def ranking(request, query: Query[RankingIn]):
    report = metrics.ranking(actor_of(request), query.month, by=query.by, region=query.region)
    return Status(200, _out(report))


@router.get("/ranking.xlsx", response={**ERRORS}, summary="Monthly ranking table as an XLSX workbook")
def ranking_xlsx(request, query: Query[RankingIn]):
    report = metrics.ranking(actor_of(request), query.month, by=query.by, region=query.region)
    response = HttpResponse(metrics.ranking_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ranking-{query.by}-{report.period.label}.xlsx"'
    return response

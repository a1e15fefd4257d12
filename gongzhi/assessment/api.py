"""The assessment API at /api/v1/assessment/: thin over services, selectors and scoring.

KPI sets, a month's scores (each KPI with its formula and its numerator and denominator), freezing
a month, the snapshot beside a recomputation, appeals and their decisions, the two-way rating.
"""


from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.cases.selectors import case_for
from gongzhi.core.schemas import In, Pages

from . import measures, selectors, services

router = Router(tags=["assessment"])


class ErrorOut(Schema):
    detail: str
    errors: dict | None = None


ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MeasureOut(Schema):
    key: str
    label: str
    formula: str
    appealable: bool


class KpiIn(In):
    measure: str
    weight: float = Field(ge=0, le=1000)


class KpiSetIn(In):
    name: str
    unit_kind: str
    region: str = Field(description="Region code of the area whose units are assessed")
    valid_from: str = Field(description="YYYY-MM")
    valid_until: str | None = Field(None, description="YYYY-MM")
    min_cases: int = Field(1, ge=0, le=100000)
    kpis: list[KpiIn]


class KpiOut(Schema):
    measure: str
    weight: float


class KpiSetOut(Schema):
    id: int
    name: str
    unit_kind: str
    region: str
    valid_from: str
    valid_until: str | None
    min_cases: int
    kpis: list[KpiOut]


def _set_out(kpi_set) -> dict:
    return {"id": kpi_set.pk, "name": kpi_set.name, "unit_kind": kpi_set.unit_kind, "region": kpi_set.region.code,
            "valid_from": kpi_set.valid_from.strftime("%Y-%m"),
            "valid_until": kpi_set.valid_until.strftime("%Y-%m") if kpi_set.valid_until else None,
            "min_cases": kpi_set.min_cases,
            "kpis": [{"measure": k.measure, "weight": float(k.weight)} for k in kpi_set.kpis.all()]}


class MonthIn(In):
    month: str = Field(description="YYYY-MM")


class ValueOut(Schema):
    measure: str
    numerator: float | None
    denominator: float | None
    value: float | None


class RowOut(Schema):
    unit: str
    unit_name: str
    score: float | None
    rank: int | None
    ranked: bool
    values: list[ValueOut]


class ColumnOut(Schema):
    measure: str
    label: str
    formula: str
    weight: float


class ScoresOut(Schema):
    kpi_set: int
    month: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    excluded_cases: list[int] = Field(description="Cases taken out by upheld appeals")
    frozen: bool


def _scores_out(board, frozen: bool) -> dict:
    return {"kpi_set": board.kpi_set.pk, "month": board.month.strftime("%Y-%m"),
            "columns": [{"measure": c.measure, "label": c.label, "formula": c.formula, "weight": c.weight}
                        for c in board.columns],
            "rows": [{"unit": r.unit.code, "unit_name": r.unit.name, "score": r.score, "rank": r.rank,
                      "ranked": r.ranked,
                      "values": [{"measure": k, "numerator": v.numerator, "denominator": v.denominator,
                                  "value": v.value} for k, v in r.values.items()]} for r in board.rows],
            "excluded_cases": sorted({case for case, _unit in board.exclusions}), "frozen": frozen}


class SnapshotRowOut(Schema):
    unit: str
    measure: str
    numerator: float | None
    denominator: float | None
    value: float | None
    rank: int | None


class DifferenceOut(Schema):
    unit: str
    measure: str
    frozen: dict
    now: dict


class SnapshotOut(Schema):
    id: int
    kpi_set: int
    month: str
    frozen_at: str
    definition: list[dict]
    rows: list[SnapshotRowOut]
    difference: list[DifferenceOut] = Field(description="What the same month computed now gives that differs")


def _snapshot_out(actor, snapshot, with_difference=True) -> dict:
    rows = selectors.snapshot_rows(actor, snapshot)
    changes = selectors.difference(actor, snapshot) if with_difference else []
    return {"id": snapshot.pk, "kpi_set": snapshot.kpi_set_id, "month": snapshot.month.strftime("%Y-%m"),
            "frozen_at": snapshot.frozen_at.isoformat(), "definition": snapshot.definition,
            "rows": [{"unit": r.unit.code, "measure": r.measure, "numerator": r.numerator,
                      "denominator": r.denominator, "value": r.value, "rank": r.rank} for r in rows],
            "difference": [{"unit": c["unit"].code, "measure": c["measure"], "frozen": c["frozen"], "now": c["now"]}
                           for c in changes]}


class AppealIn(In):
    case_id: int = Field(ge=1, le=2**63 - 1)
    month: str = Field(description="YYYY-MM")
    reason: str


class DecisionIn(In):
    uphold: bool
    reason: str


class AppealOut(Schema):
    id: int
    case_id: int
    unit: str
    month: str
    reason: str
    state: str
    filed_at: str

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code

    @staticmethod
    def resolve_month(obj):
        return obj.month.strftime("%Y-%m")

    @staticmethod
    def resolve_filed_at(obj):
        return obj.filed_at.isoformat()


class AppealFilter(In):
    state: str | None = None
    month: str | None = None


class RatingIn(In):
    department: str = Field(description="Unit code of the department")
    month: str = Field(description="YYYY-MM")
    report_in: int = Field(ge=1, le=5)
    quality: int = Field(ge=1, le=5)
    returns: int = Field(ge=1, le=5)
    comment: str = ""


class RatingOut(Schema):
    id: int
    rater: str
    department: str
    month: str
    report_in: int
    quality: int
    returns: int
    comment: str

    @staticmethod
    def resolve_rater(obj):
        return obj.rater.code

    @staticmethod
    def resolve_department(obj):
        return obj.department.code

    @staticmethod
    def resolve_month(obj):
        return obj.month.strftime("%Y-%m")


def _kpi_set(request, kpi_set_id):
    kpi_set = selectors.kpi_set_for(actor_of(request), kpi_set_id)
    if kpi_set is None:
        raise Http404
    return kpi_set


@router.get("/measures", response={200: list[MeasureOut], **ERRORS}, summary="The measures a KPI may name")
def measure_list(request):
    selectors.kpi_sets(actor_of(request))  # the capability check
    return Status(200, [{"key": m.key, "label": str(m.label), "formula": str(m.formula), "appealable": m.appealable}
                        for m in measures.MEASURES.values()])


@router.get("/kpi-sets", response={200: list[KpiSetOut], **ERRORS}, summary="KPI sets of one's area and unit")
@paginate(Pages)
def kpi_set_list(request):
    return [_set_out(s) for s in selectors.kpi_sets(actor_of(request)).order_by("id")]


@router.post("/kpi-sets", response={201: KpiSetOut, **ERRORS}, summary="Create a KPI set")
def kpi_set_create(request, body: KpiSetIn):
    kpi_set = services.create_kpi_set(actor=actor_of(request), name=body.name, unit_kind=body.unit_kind,
                                      region=body.region, valid_from=body.valid_from, valid_until=body.valid_until,
                                      min_cases=body.min_cases,
                                      kpis=[{"measure": k.measure, "weight": k.weight} for k in body.kpis])
    return Status(201, _set_out(kpi_set))


@router.get("/kpi-sets/{kpi_set_id}/scores", response={200: ScoresOut, **ERRORS},
            summary="A month's scores and ranking, each KPI with its formula, numerator and denominator")
def scores(request, kpi_set_id: int, query: Query[MonthIn]):
    actor = actor_of(request)
    kpi_set = _kpi_set(request, kpi_set_id)
    board = selectors.scoreboard(actor, kpi_set, query.month)
    return Status(200, _scores_out(board, selectors.snapshot_for(actor, kpi_set, board.month) is not None))


@router.post("/kpi-sets/{kpi_set_id}/snapshots", response={201: SnapshotOut, **ERRORS},
             summary="Freeze a month that has ended (once)")
def freeze(request, kpi_set_id: int, body: MonthIn):
    actor = actor_of(request)
    snapshot = services.freeze_month(actor=actor, kpi_set=_kpi_set(request, kpi_set_id), month=body.month)
    return Status(201, _snapshot_out(actor, snapshot, with_difference=False))


@router.get("/kpi-sets/{kpi_set_id}/snapshot", response={200: SnapshotOut, **ERRORS},
            summary="A frozen month and how a recomputation differs from it")
def snapshot(request, kpi_set_id: int, query: Query[MonthIn]):
    actor = actor_of(request)
    frozen = selectors.snapshot_for(actor, _kpi_set(request, kpi_set_id), query.month)
    if frozen is None:
        raise Http404
    return Status(200, _snapshot_out(actor, frozen))


@router.get("/appeals", response={200: list[AppealOut], **ERRORS}, summary="Appeals of one's area and unit")
@paginate(Pages)
def appeal_list(request, filters: Query[AppealFilter]):
    return selectors.appeals(actor_of(request), state=filters.state, month=filters.month)


@router.post("/appeals", response={201: AppealOut, **ERRORS},
             summary="Appeal, for one's unit, against counting a case in a month")
def appeal_file(request, body: AppealIn):
    actor = actor_of(request)
    require(actor, "assessment.appeal")
    case = case_for(actor, body.case_id)
    if case is None:
        raise Http404
    appeal = services.file_appeal(actor=actor, case=case, month=body.month, reason=body.reason)
    return Status(201, appeal)


@router.post("/appeals/{appeal_id}/decision", response={200: AppealOut, **ERRORS},
             summary="Uphold (not counted) or reject an appeal, with the reason")
def appeal_decide(request, appeal_id: int, body: DecisionIn):
    actor = actor_of(request)
    appeal = selectors.appeal_for(actor, appeal_id)
    if appeal is None:
        raise Http404
    appeal = services.decide_appeal(actor=actor, appeal=appeal, uphold=body.uphold, reason=body.reason)
    return Status(200, appeal)


@router.post("/ratings", response={200: RatingOut, **ERRORS},
             summary="Rate, for one's community or subdistrict, a department that served it in a month")
def rate(request, body: RatingIn):
    require(actor_of(request), "assessment.rate")
    department = Unit.objects.filter(code=body.department).first()
    if department is None:
        raise Http404
    rating = services.rate_department(actor=actor_of(request), department=department, month=body.month,
                                      report_in=body.report_in, quality=body.quality, returns=body.returns,
                                      comment=body.comment)
    return Status(200, rating)


@router.get("/ratings", response={200: list[RatingOut], **ERRORS}, summary="Ratings of departments in one's area")
@paginate(Pages)
def rating_list(request, query: Query[AppealFilter]):
    return selectors.ratings(actor_of(request), month=query.month).order_by("-month", "id")


"""Shapes of /api/v1/insights/. Named ``Insights…``: OpenAPI component names are shared by every app."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from gongzhi.core.schemas import In


class InsightsErrorOut(Schema):
    detail: str


class InsightsAlternativeOut(Schema):
    label: str
    name: str
    probability: float


class InsightsSuggestionOut(Schema):
    """Where a case should go: from its text when the model is sure, else the routing rules'."""

    source: Literal["model", "rules"]
    unit: str | None
    unit_name: str
    category: str | None = Field(description="The category code the text suggests (null: the rules decided)")
    category_name: str
    confidence: float | None
    words: list[str] = Field(description="The words of the text that weighed most for the suggested category")
    explanation: str
    model_version: int | None
    alternatives: list[InsightsAlternativeOut]


class InsightsTextIn(In):
    title: str = Field("", max_length=200)
    description: str = Field(..., min_length=1, max_length=5000)


class InsightsPredictionOut(Schema):
    """The active model's reading of a text (no unit: the unit depends on the place)."""

    model_version: int
    label: str
    name: str
    confidence: float
    sure: bool = Field(description="Whether the confidence reaches the threshold from which it is followed")
    words: list[str]
    alternatives: list[InsightsAlternativeOut]


class InsightsCaseRefOut(Schema):
    id: int
    number: str
    title: str
    category: str = Field(description="Category name")


class InsightsHotspotOut(Schema):
    key: str
    place_code: str
    place_name: str
    title: str
    words: list[str]
    count: int
    previous: int
    growth: float
    callbacks: int
    unsatisfied: int
    score: float
    representative: list[InsightsCaseRefOut]


class InsightsPeriodIn(In):
    start: dt.date | None = None
    until: dt.date | None = Field(None, description="The period's last day (default: today)")
    by: Literal["community", "grid"] = "community"


class InsightsTopicIn(In):
    key: str = Field("", max_length=40, description="The hotspot's key, among the hotspots of the period")
    start: dt.date | None = None
    until: dt.date | None = None
    by: Literal["community", "grid"] = "community"
    title: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)
    month: str = Field("", pattern=r"^(\d{4}-(0[1-9]|1[0-2])(-\d{2})?)?$",
                       description="The month it is the topic of, YYYY-MM (default: this month)")


class InsightsNoteIn(In):
    note: str = Field("", max_length=2000)


class InsightsTopicOut(Schema):
    id: int
    region: str = Field(description="Region code")
    region_name: str
    month: dt.date
    title: str
    words: list[str]
    note: str
    state: str
    baseline: dict
    chosen_at: dt.datetime

    @staticmethod
    def resolve_region(obj):
        return obj["region"] if isinstance(obj, dict) else obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj["region_name"] if isinstance(obj, dict) else obj.region.name


class InsightsMonthOut(Schema):
    month: dt.date
    after: bool
    cases: int
    callbacks: int
    unsatisfied: int


class InsightsPartOut(Schema):
    months: int
    cases_per_month: float | None
    unsatisfied_share: float | None


class InsightsBeforeAfterOut(Schema):
    before: InsightsPartOut
    after: InsightsPartOut


class InsightsTopicDetailOut(InsightsTopicOut):
    case_count: int
    figures: list[InsightsMonthOut]
    summary: InsightsBeforeAfterOut


class InsightsAlertOut(Schema):
    id: int
    kind: str
    region_code: str
    grid: str | None = Field(description="Grid code")
    category: str | None = Field(description="Category code")
    unit: str | None = Field(description="Unit code")
    title: str
    reason: str
    routing: str
    state: str
    created_at: dt.datetime
    handled_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_grid(obj):
        return obj.grid.code if obj.grid_id else None

    @staticmethod
    def resolve_category(obj):
        return obj.category.code if obj.category_id else None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code if obj.unit_id else None


class InsightsAlertStepIn(In):
    step: Literal["take_on", "done", "dismiss"]
    note: str = Field("", max_length=2000)


class InsightsClassOut(Schema):
    label: str
    name: str
    precision: float
    recall: float
    f1: float
    support: int


class InsightsModelOut(Schema):
    version: int
    created_at: dt.datetime
    source: str
    source_name: str
    level: str
    train_count: int
    test_count: int
    macro_f1: float
    accuracy: float
    overrides_used: int
    training_seconds: float
    is_active: bool
    per_class: list[InsightsClassOut]

    @staticmethod
    def resolve_per_class(obj):
        return [{**row, "name": obj.label_name(row.get("label", ""))} for row in obj.per_class]


class InsightsGridCoverageOut(Schema):
    code: str
    name: str
    households: int = Field(description="Households placed at a building or compound with coordinates")
    unplaced: int
    within: dict[str, int] = Field(description="Per kind of service point: households within the walk")
    shares: dict[str, float | None]


class InsightsCoverageOut(Schema):
    minutes_limit: int
    method: str
    grids: list[InsightsGridCoverageOut]

"""The scores of a KPI set for a month, computed from records (and the appeal events) only.

Unit score = 100 × Σ weightᵢ × ratioᵢ ÷ Σ weightᵢ over the KPIs defined for the unit (a KPI with
nothing to count, e.g. no callback in the month, is left out rather than counted as zero, as the
composite of :mod:`gongzhi.cases.metrics` does). Units are ranked by score, equal scores sharing a
rank (1, 2, 2, 4); a unit whose case measures rest on fewer than the set's ``min_cases`` cases
is scored but not ranked.

``as_of`` makes a figure reproducible: the appeals counted are those whose last event at or before
that moment upheld them. A snapshot stores its ``frozen_at``; computing again "as of now" shows
what changed since (:func:`difference`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from gongzhi.accounts.models import Unit
from gongzhi.cases import metrics

from . import measures
from .models import AppealEvent, AppealState, KpiSet

PRECISION = 9  # digits compared when a recomputation is set beside a snapshot


def month_period(month: date) -> metrics.Period:
    return metrics.Period.month(f"{month.year:04d}-{month.month:02d}")


def parse_month(text) -> date:
    """YYYY-MM (or a date) → the first day of that month; refused with a message otherwise."""
    if isinstance(text, date):
        return text.replace(day=1)
    period = metrics.Period.month(text)
    return timezone.localtime(period.start).date()


@dataclass
class KpiColumn:
    measure: str
    weight: float
    label: str
    formula: str
    appealable: bool


@dataclass
class UnitScore:
    unit: Unit
    values: dict = field(default_factory=dict)  # measure key → measures.Value
    score: float | None = None
    volume: float = 0
    rank: int | None = None
    ranked: bool = False


@dataclass
class Scoreboard:
    kpi_set: KpiSet
    month: date
    columns: list[KpiColumn]
    rows: list[UnitScore]
    exclusions: frozenset
    as_of: datetime

    def row_of(self, unit_id: int) -> UnitScore | None:
        return next((row for row in self.rows if row.unit.pk == unit_id), None)


def assessed_units(kpi_set: KpiSet):
    return (Unit.objects.filter(kind=kpi_set.unit_kind, region__code__startswith=kpi_set.region.prefix,
                                is_active=True).select_related("region").order_by("code"))


def exclusions(month: date, unit_ids, as_of: datetime) -> frozenset:
    """(case id, unit id) pairs whose appeal for ``month`` was upheld by its last event up to ``as_of``."""
    last = (AppealEvent.objects.filter(appeal=OuterRef("appeal"), at__lte=as_of)
            .order_by("-at", "-id").values("id")[:1])
    events = (AppealEvent.objects.filter(appeal__month=month, appeal__unit_id__in=list(unit_ids), at__lte=as_of)
              .filter(id=Subquery(last)).values_list("appeal__case_id", "appeal__unit_id", "state"))
    return frozenset((case_id, unit_id) for case_id, unit_id, state in events if state == AppealState.UPHELD)


def compute(kpi_set: KpiSet, month: date, *, as_of: datetime | None = None, units=None) -> Scoreboard:
    as_of = as_of or timezone.now()
    units = tuple(assessed_units(kpi_set) if units is None else units)
    excluded = exclusions(month, [u.pk for u in units], as_of)
    ctx = measures.Context(units=units, month=month, period=month_period(month), exclusions=excluded)
    columns = []
    rows = {unit.pk: UnitScore(unit=unit) for unit in units}
    for kpi in kpi_set.kpis.all():
        measure = measures.MEASURES.get(kpi.measure)
        if measure is None:
            continue
        columns.append(KpiColumn(kpi.measure, float(kpi.weight), str(measure.label), str(measure.formula),
                                 measure.appealable))
        values = measure.compute(ctx)
        for unit_id, row in rows.items():
            value = values.get(unit_id) or measures.Value()
            row.values[kpi.measure] = value
            if measure.volume:
                row.volume = max(row.volume, value.denominator)
    for row in rows.values():
        weighted = [(c.weight, row.values[c.measure].value) for c in columns
                    if row.values[c.measure].value is not None]
        total = sum(weight for weight, _v in weighted)
        row.score = 100 * sum(w * v for w, v in weighted) / total if total else None
    ranked = _rank(list(rows.values()), kpi_set.min_cases)
    return Scoreboard(kpi_set=kpi_set, month=month, columns=columns, rows=ranked, exclusions=excluded, as_of=as_of)


def _rank(rows: list[UnitScore], minimum: int) -> list[UnitScore]:
    has_volume = any(row.volume for row in rows)
    for row in rows:
        row.ranked = row.score is not None and (not has_volume or row.volume >= minimum)
    rows.sort(key=lambda r: (not r.ranked, r.score is None, -round(r.score or 0, 6), r.unit.code))
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


def rows_of(board: Scoreboard) -> dict[tuple[int, str], tuple]:
    """The board as {(unit id, measure): (numerator, denominator, value, rank)}, measure "" for the total."""
    out = {}
    for row in board.rows:
        for key, value in row.values.items():
            out[(row.unit.pk, key)] = (value.numerator, value.denominator, value.value, None)
        out[(row.unit.pk, "")] = (None, None, row.score, row.rank)
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return round(float(a), PRECISION) == round(float(b), PRECISION)


def difference(snapshot, *, as_of: datetime | None = None) -> list[dict]:
    """What a recomputation of the snapshot's set and month gives that differs from the snapshot.

    One entry per (unit, measure) whose numerator, denominator, value or rank changed, with both sides.
    """
    units = Unit.objects.filter(pk__in=snapshot.rows.values("unit_id")).select_related("region")
    board = compute(snapshot.kpi_set, snapshot.month, as_of=as_of, units=units)
    now = rows_of(board)
    names = {u.pk: u for u in units}
    out = []
    for row in snapshot.rows.all().order_by("unit__code", "measure"):
        frozen = (row.numerator, row.denominator, row.value, row.rank)
        current = now.get((row.unit_id, row.measure), (None, None, None, None))
        if not all(_same(x, y) for x, y in zip(frozen, current, strict=True)):
            out.append({"unit": names[row.unit_id], "measure": row.measure,
                        "frozen": dict(zip(("numerator", "denominator", "value", "rank"), frozen, strict=True)),
                        "now": dict(zip(("numerator", "denominator", "value", "rank"), current, strict=True))})
    return out

"""The measures a KPI may name: each a named query over records, with its formula in words.

A measure gives, for a list of units and a month, a :class:`Value` per unit: a numerator, a
denominator and their ratio (0–1; None when there is nothing to count). A KPI's score is the ratio;
a unit's score is 100 × Σ weight × ratio ÷ Σ weight over the KPIs that are defined for it (see
:mod:`gongzhi.assessment.scoring`).

Measures over cases (``appealable``) leave out the (case, unit) pairs whose appeal was upheld
(``exclusions``): the three rates start from the counts of :mod:`gongzhi.cases.metrics` (the rollup,
reused) and subtract what the excluded cases contributed, counted from the same event columns.

A later app adds its measures by calling :func:`register` from its own module, which this module
imports (``assessment`` sits above every domain app).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.cases import metrics, rollup
from gongzhi.cases.models import Action, CaseEvent, Satisfaction, WhistleResponse
from gongzhi.registry.models import Household, HouseholdVisit


@dataclass
class Value:
    numerator: float = 0
    denominator: float = 0

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def add(self, numerator, denominator) -> None:
        self.numerator += numerator
        self.denominator += denominator


@dataclass(frozen=True)
class Context:
    """What a measure is computed for: units, the month as a period, excluded (case id, unit id) pairs."""

    units: tuple  # of accounts.Unit
    month: date  # its first day
    period: metrics.Period
    exclusions: frozenset = frozenset()

    @property
    def unit_ids(self) -> set[int]:
        return {unit.pk for unit in self.units}


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    formula: str  # the formula in words, shown beside every score
    compute: Callable[[Context], dict[int, Value]]
    appealable: bool = False  # counts cases: an upheld appeal takes a case out
    volume: bool = False  # its denominator counts cases for the ranking floor (KpiSet.min_cases)


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    MEASURES[measure.key] = measure
    return measure


def choices() -> list[tuple[str, str]]:
    return [(m.key, m.label) for m in MEASURES.values()]


# --- the three rates (cases) ------------------------------------------------------------

_RATE_FIELDS = ("dispatched", "responded", "called_back", "solved", "satisfied", "basically_satisfied")


def _rate_counts(ctx: Context) -> dict[int, dict]:
    """Per unit, the counts of the three rates in the month, less those of the excluded cases."""
    wanted = ctx.unit_ids
    totals: dict[int, dict] = defaultdict(lambda: dict.fromkeys(_RATE_FIELDS, 0))
    for row in metrics.counts(ctx.period):
        if row["unit_id"] in wanted:
            for name in _RATE_FIELDS:
                totals[row["unit_id"]][name] += row[name]
    if ctx.exclusions:
        start, end = ctx.period.start, ctx.period.end
        cases = {case_id for case_id, _unit in ctx.exclusions}
        events = (CaseEvent.objects.filter(case_id__in=cases, unit_id__in=wanted)
                  .filter(Q(response_due__gte=start, response_due__lt=end) | Q(solved__isnull=False, at__gte=start,
                                                                               at__lt=end))
                  .values_list("case_id", "unit_id", "action", "response_due", "on_time", "solved", "satisfaction",
                               "at"))
        for case_id, unit_id, action, due, on_time, solved, satisfaction, at in events:
            if (case_id, unit_id) not in ctx.exclusions:
                continue
            counts = totals[unit_id]
            if due is not None and start <= due < end:
                if action in rollup.DISPATCHES:
                    counts["dispatched"] -= 1
                elif action == rollup.ACKNOWLEDGE and on_time:
                    counts["responded"] -= 1
            if solved is not None and start <= at < end:
                counts["called_back"] -= 1
                counts["solved"] -= int(bool(solved))
                counts["satisfied"] -= int(satisfaction == Satisfaction.SATISFIED)
                counts["basically_satisfied"] -= int(satisfaction == Satisfaction.BASICALLY_SATISFIED)
    return totals


def _response(ctx):
    return {unit: Value(c["responded"], c["dispatched"]) for unit, c in _rate_counts(ctx).items()}


def _resolution(ctx):
    return {unit: Value(c["solved"], c["called_back"]) for unit, c in _rate_counts(ctx).items()}


def _satisfaction(ctx):
    weight = settings.CASE_SATISFACTION_PARTIAL_WEIGHT
    return {unit: Value(c["satisfied"] + weight * c["basically_satisfied"], c["called_back"])
            for unit, c in _rate_counts(ctx).items()}


register(Measure("response_rate", _("Response rate (响应率)"),
                 _("dispatches acknowledged by their response deadline ÷ dispatches whose deadline fell in the month"),
                 _response, appealable=True, volume=True))
register(Measure("resolution_rate", _("Resolution rate (解决率)"),
                 _("callbacks with the verdict “solved” ÷ callbacks recorded in the month"),
                 _resolution, appealable=True, volume=True))
register(Measure("satisfaction_rate", _("Resident satisfaction (满意率)"),
                 _("(satisfied + weight × basically satisfied) ÷ callbacks recorded in the month"),
                 _satisfaction, appealable=True, volume=True))


# --- time to dispatch ----------------------------------------------------------------------

def _dispatch_on_time(ctx):
    """Cases first dispatched in the month by a member of the unit: dispatched within the dispatch deadline."""
    earlier = CaseEvent.objects.filter(case=OuterRef("case"), action=Action.DISPATCH, id__lt=OuterRef("id"))
    events = (CaseEvent.objects.filter(action=Action.DISPATCH, at__gte=ctx.period.start, at__lt=ctx.period.end,
                                       actor__unit_id__in=ctx.unit_ids)
              .filter(~Exists(earlier)).select_related("case__category", "actor"))
    values: dict[int, Value] = defaultdict(Value)
    for event in events.iterator(chunk_size=1000):
        unit_id = event.actor.unit_id
        if (event.case_id, unit_id) in ctx.exclusions:
            continue
        case = event.case
        waited_hours = (event.at - case.created_at).total_seconds() / 3600
        values[unit_id].add(int(waited_hours <= case.category.dispatch_hours(case.urgency)), 1)
    return values


register(Measure("dispatch_on_time", _("Dispatched in time (派单及时率)"),
                 _("cases first dispatched within their dispatch deadline ÷ cases first dispatched in the month, "
                   "by the unit's dispatchers"),
                 _dispatch_on_time, appealable=True, volume=True))


# --- street whistle: report-in on time -------------------------------------------------------

def _report_in(ctx):
    rows = (WhistleResponse.objects.filter(unit_id__in=ctx.unit_ids, whistle__report_by__gte=ctx.period.start,
                                           whistle__report_by__lt=ctx.period.end)
            .values_list("unit_id", "whistle__case_id", "reported_at", "whistle__report_by"))
    values: dict[int, Value] = defaultdict(Value)
    for unit_id, case_id, reported_at, due in rows:
        if (case_id, unit_id) in ctx.exclusions:
            continue
        values[unit_id].add(int(reported_at is not None and reported_at <= due), 1)
    return values


register(Measure("report_in_on_time", _("Reported in on time when summoned (吹哨报到)"),
                 _("summonses reported in by their deadline ÷ summonses whose deadline fell in the month"),
                 _report_in, appealable=True, volume=True))


# --- household visit coverage -------------------------------------------------------------

def _visit_coverage(ctx):
    values: dict[int, Value] = {}
    for unit in ctx.units:
        prefix = unit.region.prefix
        households = Household.objects.filter(grid__code__startswith=prefix).count()
        visited = (HouseholdVisit.objects.filter(grid__code__startswith=prefix, household__isnull=False,
                                                 visited_at__gte=ctx.period.start, visited_at__lt=ctx.period.end)
                   .aggregate(n=Count("household", distinct=True))["n"])
        values[unit.pk] = Value(visited, households)
    return values


register(Measure("visit_coverage", _("Household visit coverage (入户走访覆盖率)"),
                 _("households of the unit's area visited in the month ÷ households of the area"),
                 _visit_coverage))


# --- two-way assessment: the departments rated by those they serve ---------------------------------

def _service_rating(ctx):
    from .models import ServiceRating

    values: dict[int, Value] = defaultdict(Value)
    for rating in ServiceRating.objects.filter(department_id__in=ctx.unit_ids, month=ctx.month):
        values[rating.department_id].add(rating.stars, 15)
    return values


register(Measure("service_rating", _("Rating by the communities and subdistricts served (双向考核)"),
                 _("stars given (report-in, quality, no returns without reason; 1–5 each) ÷ 15 × ratings received"),
                 _service_rating))


# --- mediation (矛盾纠纷化解) ------------------------------------------------------------------

def _in_area(units):
    """(unit id, region prefix) of each unit: what a unit answers for is its jurisdiction."""
    return [(unit.pk, unit.region.prefix) for unit in units]


def _mediation_success(ctx):
    from gongzhi.mediation.models import Action as DisputeAction
    from gongzhi.mediation.models import DisputeEvent

    events = list(DisputeEvent.objects.filter(action__in=(DisputeAction.AGREE, DisputeAction.FAIL),
                                              at__gte=ctx.period.start, at__lt=ctx.period.end)
                  .values_list("region_code", "action"))
    values = {}
    for unit_id, prefix in _in_area(ctx.units):
        mine = [action for code, action in events if code.startswith(prefix)]
        values[unit_id] = Value(sum(1 for a in mine if a == DisputeAction.AGREE), len(mine))
    return values


register(Measure("mediation_success", _("Mediation success (调解成功率)"),
                 _("disputes of the unit's area ended with an agreement in the month ÷ disputes of the area whose "
                   "mediation ended in the month (agreement or failure)"),
                 _mediation_success, volume=True))


def _screening_on_time(ctx):
    """Every grid of the area files a screening report for every period beginning in the month, by its end."""
    from datetime import timedelta

    from gongzhi.mediation.models import ScreeningReport
    from gongzhi.mediation.services import period_of
    from gongzhi.regions.models import Level, Region
    from gongzhi.cases.rollup import midnight, next_month

    first = ctx.month
    starts = [first + timedelta(days=n) for n in range((next_month(first) - first).days)]
    starts = [day for day in starts if period_of(day) == day]

    def period_end(start):
        following = next((d for d in (start + timedelta(days=n) for n in range(1, 32)) if period_of(d) == d), None)
        return midnight(following)

    ends = {start: period_end(start) for start in starts}
    values = {}
    for unit_id, prefix in _in_area(ctx.units):
        grids = list(Region.objects.filter(level=Level.GRID, code__startswith=prefix).values_list("pk", flat=True))
        reports = ScreeningReport.objects.filter(region_id__in=grids, period_start__in=starts)
        on_time = sum(1 for start, filed_at in reports.values_list("period_start", "filed_at") if filed_at < ends[start])
        values[unit_id] = Value(on_time, len(grids) * len(starts))
    return values


register(Measure("screening_on_time", _("Screening reports on time (排查报告按时率)"),
                 _("screening reports of the area's grids filed by the end of their period ÷ reports due "
                   "(grids × periods beginning in the month)"),
                 _screening_on_time))


# --- deliberation: decisions carried out (议事决定落实) ------------------------------------------------

def _deliberation_done(ctx):
    from gongzhi.deliberation.models import ItemAction, ItemEvent

    start, end = ctx.period.start, ctx.period.end
    started = dict(ItemEvent.objects.filter(action=ItemAction.START_IMPLEMENTATION, at__lt=end)
                   .values_list("item_id", "item__region__code"))
    completed = dict(ItemEvent.objects.filter(action=ItemAction.COMPLETE, item_id__in=list(started), at__lt=end)
                     .values_list("item_id", "at"))
    values = {}
    for unit_id, prefix in _in_area(ctx.units):
        items = [item for item, code in started.items() if code.startswith(prefix)
                 and not (item in completed and completed[item] < start)]
        done = sum(1 for item in items if item in completed)
        values[unit_id] = Value(done, len(items))
    return values


register(Measure("deliberation_done", _("Deliberation decisions carried out (议事决定落实率)"),
                 _("agenda items of the area completed in the month ÷ items being implemented during the month"),
                 _deliberation_done))


# --- volunteers ---------------------------------------------------------------------------------

def _volunteer_attendance(ctx):
    from gongzhi.volunteers.models.activities import SignUp, SignUpState

    rows = list(SignUp.objects.filter(activity__ends_at__gte=ctx.period.start, activity__ends_at__lt=ctx.period.end,
                                      state__in=(SignUpState.ATTENDED, SignUpState.ABSENT))
                .values_list("activity__region__code", "state", "credited_minutes"))
    values = {}
    for unit_id, prefix in _in_area(ctx.units):
        mine = [(state, minutes) for code, state, minutes in rows if code.startswith(prefix)]
        values[unit_id] = Value(sum(1 for state, _m in mine if state == SignUpState.ATTENDED), len(mine))
    return values


register(Measure("volunteer_attendance", _("Volunteers who came (志愿服务到岗率)"),
                 _("sign-ups of the area's activities ended in the month that attended ÷ those attended or absent"),
                 _volunteer_attendance))

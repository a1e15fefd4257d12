"""The leader dashboard (驾驶舱) and its XLSX export: the same figures, two renderings."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongzhi.accounts.roles import can
from gongzhi.cases import clock_metrics, metrics, selectors
from gongzhi.core import exports
from gongzhi.insights.summary import dashboard_summary
from gongzhi.regions import selectors as region_selectors
from gongzhi.regions.models import Level

from .. import dashboard_data, mapdata
from ..access import page
from ..forms.base import StyledForm
from ..navigation import sees_dashboard, sees_insights, sees_mediation

TILE_LABELS = {"received": pgettext_lazy("dashboard tile: cases received in the period", "Received"), "open": gettext_lazy("Open"),
               "overdue": gettext_lazy("Overdue now"), "closed": gettext_lazy("Closed")}


class PeriodForm(StyledForm):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", gettext_lazy("My whole area"))]
        if can(actor, "regions.view"):
            regions = region_selectors.regions_for(actor).exclude(level=Level.GRID)[:300]
            choices += [(r.code, f"{r.get_level_display()} · {r.name}") for r in regions]
        self.fields["region"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:  # the rule of the rates API: years it knows, end not before start, not too long
                metrics.Period.between(data["start"], data["end"])
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


def _period(request):
    default = dashboard_data.Period.this_month()
    form = PeriodForm(request.GET or None, actor=request.user,
                      initial={"start": default.start, "end": default.end})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return form, dashboard_data.Period(data["start"], data["end"], data.get("region") or "")
    return form, default


@page(sees_dashboard)
def dashboard(request):
    form, period = _period(request)
    return _render(request, form, period)


def _render(request, form, period, status=200):
    data = dashboard_data.build_cached(request.user, period)
    for tile in data["tiles"]:
        tile["label"] = TILE_LABELS[tile["key"]]
    trend = _trend_rows(data)
    density, density_classes = mapdata.shaded(data["density"])
    area = mapdata.focus(request.user)
    return render(request, "web/dashboard/dashboard.html", {
        "form": form, "data": data, "trend": trend, "trend_chart": _trend_chart(data, trend),
        "rates_chart": _rates_chart(data, trend) if data.get("rates") else None,
        "overdue_scope": _overdue_scope(data), "overdue_totals": _totals(data["overdue_units"]), "daily": _daily(data), "query": request.GET.urlencode(),
        "density": density, "density_classes": density_classes,
        "outlines": mapdata.outlines(mapdata.prefix_of(period.region) if period.region else area),
        "map_focus": mapdata.prefix_of(period.region) if period.region else area,
        **_clock(request.user, period),
        "mediation": _mediation(request.user, period),
        "insights": _insights(request.user, period),
        "volunteering": _volunteering(request.user, period),
    }, status=status)


def _insights(user, period):
    """The intelligence panel (hotspots, 未诉先办 alerts, 每月一题) for those who see the intelligence pages."""
    if not sees_insights(user):
        return None
    return dashboard_summary(user, start=period.start, end=period.end, region_code=period.region)


def _volunteering(user, period) -> dict | None:
    """Volunteer hours, points, activities and attendances by community over the period (the volunteers'
    figures, summed over the months), for those who see the volunteers of their area."""
    if not can(user, "volunteers.view"):
        return None
    from gongzhi.volunteers import ledger
    from gongzhi.volunteers import selectors as volunteering
    from gongzhi.volunteers.models import Currency

    prefix = mapdata.prefix_of(period.region) if period.region else ""
    communities: dict[str, dict] = {}
    for row in volunteering.figures(user, start=period.start, end=period.end):
        if prefix and not row.community.startswith(prefix):
            continue
        total = communities.setdefault(row.community, {"name": row.community_name or row.community, "hours": 0,
                                                       "points": 0, "activities": 0, "attendances": 0})
        total["hours"] += row.hours_earned
        total["points"] += row.points_earned
        total["activities"] += row.activities
        total["attendances"] += row.attendances
    rows = sorted(communities.values(), key=lambda r: -r["hours"])
    for row in rows:
        row["hours_text"] = ledger.format_amount(Currency.HOURS, row["hours"])
    return {"rows": rows, "hours": ledger.format_amount(Currency.HOURS, sum(r["hours"] for r in rows)),
            "points": sum(r["points"] for r in rows), "attendances": sum(r["attendances"] for r in rows)}


def _totals(units) -> dict:
    """The sums of the deadline board's columns (the overdue one is the "overdue now" tile)."""
    return {key: sum(row[key] for row in units) for key in ("overdue", "today", "week", "total")}


def _daily(data) -> bool:
    return (data["period"].end - data["period"].start).days < dashboard_data.DAILY_UP_TO


def _trend_rows(data) -> list[dict]:
    """The trend's points with the label people read: the point of today says it is not over."""
    rows = []
    for point in data["trend"]:
        label = point["label"]
        if point["partial"]:
            label = _("%(label)s (so far)") % {"label": label}
        rows.append({**point, "display": label, **{f"{key}_display": dashboard_data.pct(point[key])
                                                   for key in ("response", "resolution", "satisfaction")}})
    return rows


def _percent(value):
    return None if value is None else round(value * 100, 1)


def _trend_chart(data, trend) -> dict:
    """Cases received per point; the unfinished point is a dashed series of its own, never a drop."""
    counts = [None if p["partial"] or p["future"] else p["count"] for p in trend]
    so_far = [None] * len(trend)
    for i, point in enumerate(trend):
        if point["partial"]:
            so_far[i] = point["count"]
            if i and counts[i - 1] is not None:
                so_far[i - 1] = counts[i - 1]
    series = [{"label": str(_("Cases received")), "values": counts}]
    if any(v is not None for v in so_far):
        series.append({"label": str(_("Cases received so far (not over yet)")), "values": so_far, "dash": True})
    return {"labels": [p["display"] for p in trend], "x_label": str(_("Day") if _daily(data) else _("Month")),
            "series": series}


def _rates_chart(data, trend) -> dict:
    """The three rates per point, in percent (undefined: a gap)."""
    return {"labels": [p["display"] for p in trend], "x_label": str(_("Day") if _daily(data) else _("Month")),
            "percent": True,
            "series": [{"label": str(_("Response rate")), "values": [_percent(p["response"]) for p in trend]},
                       {"label": str(_("Resolution rate")), "values": [_percent(p["resolution"]) for p in trend]},
                       {"label": str(_("Satisfaction rate")), "values": [_percent(p["satisfaction"]) for p in trend]}]}


def _overdue_scope(data) -> str:
    """What "overdue now" counts, said beside the tile and above the table (the same cases in both)."""
    place = data["place"] or _("your whole area")
    return _("Overdue now counts every case on the clock in %(place)s, whenever it was received (not only "
             "this period's).") % {"place": place}


def _mediation(user, period) -> dict | None:
    """The mediation figures of the period (矛盾纠纷化解) for those who may see them, from the dispute events.

    Over the whole area of the user: the figures are counted by committee and tier, not by the region filter.
    """
    if not can(user, "mediation.metrics"):
        return None
    from urllib.parse import urlencode

    from gongzhi.mediation import metrics as mediation_metrics

    try:
        figures = mediation_metrics.figures(user, period.start, period.end)
    except ValidationError:  # a period longer than the figures allow: nothing to show
        return None

    def rows(found):
        return [{"label": r.label, "ended": r.ended, "agreed": r.agreed, "failed": r.failed,
                 "withdrawn": r.withdrawn, "rate": dashboard_data.pct(r.success_rate)} for r in found]

    return {"figures": figures, "success_rate": dashboard_data.pct(figures.success_rate),
            "performance_rate": dashboard_data.pct(figures.performance_rate),
            "tables": [{"title": _("Mediations ended by tier"), "label": _("Tier"), "rows": rows(figures.by_tier)},
                       {"title": _("Mediations ended by type"), "label": _("Type"), "rows": rows(figures.by_type)}],
            "console": sees_mediation(user),
            "xlsx": "/api/v1/mediation/figures.xlsx?" + urlencode({"start": period.start.isoformat(),
                                                                  "end": period.end.isoformat()})}


def _clock(user, period) -> dict:
    """Supervision per unit, the latest supervision and the time to dispatch, over the dashboard's period."""
    try:
        span = metrics.Period.between(period.start, period.end)
    except ValidationError:  # a period outside the years the figures cover: nothing to show
        return {"supervision_counts": [], "supervisions": [], "dispatch_tables": []}
    tables = []
    for by, title, label in (("dispatcher", _("Time to dispatch by dispatcher"), _("Dispatcher")),
                             ("subdistrict", _("Time to dispatch by subdistrict"), _("Subdistrict"))):
        tables.append({"by": by, "title": title, "label": label,
                       "rows": clock_metrics.time_to_dispatch(user, span, by=by)["rows"]})
    return {"supervision_counts": clock_metrics.supervision_counts(user, span),
            "supervisions": selectors.supervisions_for(user, limit=10), "dispatch_tables": tables}


@page(sees_dashboard)
def export(request):
    """The figures on screen as an XLSX workbook, one sheet per panel (a bad period: the page, saying why)."""
    form, period = _period(request)
    if form.errors:
        return _render(request, form, period, status=400)
    data = dashboard_data.build_cached(request.user, period)
    book = exports.Workbook(watermark=exports.Watermark.of(request.user, _("dashboard figures")))
    sheet = book.sheet(_("Summary"))
    sheet.append([_("From"), period.start.isoformat(), _("Until"), period.end.isoformat(),
                  _("Region"), data["place"] or _("My whole area"),
                  _("Figures as of %(time)s") % {"time": timezone.localtime(data["as_of"]).strftime("%Y-%m-%d %H:%M:%S")}])
    for tile in data["tiles"]:
        sheet.append([str(TILE_LABELS[tile["key"]]), tile["value"]])
    for row in data.get("rates") or []:
        sheet.append([str(row["label"]), row["value"]])
    sheet.append([])
    sheet.append([_overdue_scope(data)])
    for table in data.get("tables") or []:
        tab = book.sheet(table["title"])
        tab.append([str(table["label"])])
        tab.append([str(h) for h in table["header"]])
        for row in table["rows"]:
            tab.append(list(row["cells"]))
        if table["unranked"]:
            tab.append([])
            tab.append([str(table["unranked_note"])])
            for row in table["unranked"]:
                tab.append(list(row["cells"]))
    trend = book.sheet(_("Trend"))
    trend.append([_("Day") if _daily(data) else _("Month"), _("Cases received"), _("Response rate"),
                  _("Resolution rate"), _("Satisfaction rate")])
    for row in _trend_rows(data):
        if not row["future"]:
            trend.append([row["display"], row["count"], row["response"], row["resolution"], row["satisfaction"]])
    intake = book.sheet(_("Intake by place"))
    intake.append([_("Community") if data["intake"]["by"] == "community" else _("Grid"), _("Cases")]
                  + [c["name"] for c in data["intake"]["categories"]])
    for row in data["intake"]["rows"]:
        intake.append([row["name"], row["received"], *row["cells"]])
    intake.append([_("Total"), data["intake"]["total"]] + [c["received"] for c in data["intake"]["categories"]])
    mix = book.sheet(_("Categories"))
    mix.append([_("Category"), _("Cases"), _("Share")])
    for row in data["categories"]:
        mix.append([row["name"], row["count"], round(row["share"], 4)])
    grids = book.sheet(_("Grids"))
    grids.append([_("Grid code"), _("Grid"), _("Cases")])
    for row in data["grids"]:
        grids.append([row["code"], row["name"], row["count"]])
    overdue = book.sheet(_("Deadlines"))
    overdue.append([_overdue_scope(data)])
    overdue.append([_("Unit"), _("Overdue"), _("Due today"), _("Due this week"), _("On the clock")])
    for row in data["overdue_units"]:
        overdue.append([row["name"] or "", row["overdue"], row["today"], row["week"], row["total"]])
    overdue.append([_("Total"), *(sum(row[k] for row in data["overdue_units"])
                                  for k in ("overdue", "today", "week", "total"))])
    return exports.attachment(book.save(), f"dashboard-{period.start.isoformat()}-{period.end.isoformat()}.xlsx")

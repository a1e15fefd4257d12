"""Figures of party-led co-building by community and month, and their XLSX export (``core.exports``).

Per community of the actor's area and month of a year: resident units and
in-service members reporting at the end of the month (or today, for the current
month), participations and their hours, needs met and projects done in the
month. Counted from the rows only, scoped like every read; the leader
dashboard shows the year's totals and the export has one row per community and month.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Level, Region

from .models import MemberReport, Need, NeedState, Participation, Project, ProjectState, UnitReport


def _month_ends(year: int, today: date) -> list[tuple[int, date]]:
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        if first > today:
            break
        end = date(year, month, calendar.monthrange(year, month)[1])
        months.append((month, min(end, today)))
    return months


def by_community_and_month(actor, *, year: int, today: date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    communities = {r.code[:12]: r for r in scope_queryset(Region.objects.filter(level=Level.COMMUNITY), actor)}
    if not communities:
        return []
    rows: dict[tuple[str, int], dict] = {}
    months = _month_ends(year, today)
    for code, region in communities.items():
        for month, _end in months:
            rows[(code, month)] = {"community": code, "community_name": region.name, "month": f"{year}-{month:02d}",
                                   "units_reported": 0, "members_reported": 0, "participations": 0,
                                   "participation_hours": Decimal("0"), "needs_met": 0, "projects_done": 0}
    sensitive = can(actor, "party.members")
    units = scope_queryset(UnitReport.objects.all(), actor).values_list("community__code", "reported_on", "ended_on")
    members = (scope_queryset(MemberReport.objects.all(), actor).values_list("community__code", "reported_on",
                                                                              "ended_on") if sensitive else [])
    for key, reports in (("units_reported", units), ("members_reported", members)):
        for code, reported_on, ended_on in reports:
            for month, end in months:
                if reported_on <= end and (ended_on is None or ended_on >= end) and (code[:12], month) in rows:
                    rows[(code[:12], month)][key] += 1
    if sensitive:
        served = (scope_queryset(Participation.objects.filter(on__year=year), actor)
                  .annotate(month=ExtractMonth("on")).values("report__community__code", "month")
                  .annotate(n=Count("id"), hours=Sum("hours")))
        for row in served:
            key = (row["report__community__code"][:12], row["month"])
            if key in rows:
                rows[key]["participations"] += row["n"]
                rows[key]["participation_hours"] += row["hours"] or Decimal("0")
    met = defaultdict(int)
    for code, met_at in scope_queryset(Need.objects.filter(state=NeedState.MET, met_at__year=year), actor) \
            .values_list("region__code", "met_at"):
        met[(code[:12], timezone.localtime(met_at).month)] += 1
    done = defaultdict(int)
    for code, at in scope_queryset(Project.objects.filter(state=ProjectState.DONE, completed_at__year=year), actor) \
            .values_list("region__code", "completed_at"):
        done[(code[:12], timezone.localtime(at).month)] += 1
    for key, row in rows.items():
        row["needs_met"], row["projects_done"] = met.get(key, 0), done.get(key, 0)
    return [rows[key] for key in sorted(rows)]


def totals(actor, *, year: int) -> dict:
    """The year so far over the actor's area: units and members reporting now, and the year's sums."""
    rows = by_community_and_month(actor, year=year)
    last = {}
    for row in rows:
        last[row["community"]] = row
    return {
        "units_reported": sum(r["units_reported"] for r in last.values()),
        "members_reported": sum(r["members_reported"] for r in last.values()),
        "participations": sum(r["participations"] for r in rows),
        "participation_hours": sum((r["participation_hours"] for r in rows), Decimal("0")),
        "needs_met": sum(r["needs_met"] for r in rows),
        "projects_done": sum(r["projects_done"] for r in rows),
    }


HEADERS = ("community", "community_name", "month", "units_reported", "members_reported", "participations",
           "participation_hours", "needs_met", "projects_done")


def header_labels() -> list[str]:
    return [_("Community code"), _("Community"), _("Month"), _("Units reporting"), _("Members reporting"),
            _("Participations"), _("Participation hours"), _("Needs met"), _("Projects done")]

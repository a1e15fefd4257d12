"""Figures of supervision and of the time to dispatch, counted from the events and rows only.

* :func:`supervision_counts`: per unit, the urgings, yellow and red cards and
  instructions it received in a period, and the instructions still to acknowledge.
* :func:`time_to_dispatch`: per dispatcher or per subdistrict, how long the
  cases dispatched for the first time in a period waited since intake, and how
  many were dispatched within their dispatch deadline (category and urgency).

Both are scoped like the rates (:mod:`gongzhi.cases.metrics`): the capability
``cases.metrics`` and the actor's area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from .machine import Action
from .metrics import CAPABILITY, Period
from .models import CaseEvent, Supervision, SupervisionKind


def supervision_counts(actor, period: Period) -> list[dict]:
    """One row per unit with supervision in ``period``: counts per kind and pending instructions."""
    require(actor, CAPABILITY)
    rows = (scope_queryset(Supervision.objects.all(), actor)
            .filter(given_at__gte=period.start, given_at__lt=period.end)
            .values("unit_id")
            .annotate(urge=Count("id", filter=Q(kind=SupervisionKind.URGE)),
                      yellow=Count("id", filter=Q(kind=SupervisionKind.YELLOW)),
                      red=Count("id", filter=Q(kind=SupervisionKind.RED)),
                      instruction=Count("id", filter=Q(kind=SupervisionKind.INSTRUCTION)),
                      pending=Count("id", filter=Q(kind=SupervisionKind.INSTRUCTION, acknowledged_at=None)),
                      by_rule=Count("id", filter=~Q(rule=""))))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["unit_id"] for r in rows])}
    out = []
    for row in rows:
        unit = units[row.pop("unit_id")]
        out.append({"key": unit.code, "name": unit.name, **row})
    out.sort(key=lambda r: (-r["red"], -r["yellow"], -r["urge"], r["key"]))
    return out


@dataclass
class DispatchFigures:
    key: str
    name: str
    minutes: list[float] = field(default_factory=list)
    on_time: int = 0

    def as_dict(self) -> dict:
        n = len(self.minutes)
        return {
            "key": self.key, "name": self.name, "dispatched": n, "on_time": self.on_time,
            "on_time_rate": round(100 * self.on_time / n, 1) if n else None,
            "average_minutes": round(sum(self.minutes) / n, 1) if n else None,
            "median_minutes": round(median(self.minutes), 1) if n else None,
        }


def person_name(user) -> str:
    """How a person is named on a page: their display name, never their login name."""
    if user.display_name:
        return user.display_name
    return _("%(role)s without a display name (no. %(id)d)") % {"role": user.get_role_display(), "id": user.pk}


def time_to_dispatch(actor, period: Period, *, by: str = "dispatcher") -> dict:
    """Intake → first dispatch of the cases first dispatched in ``period``, per dispatcher or subdistrict."""
    require(actor, CAPABILITY)
    if by not in ("dispatcher", "subdistrict"):
        raise ValidationError({"by": _("Group by dispatcher or by subdistrict.")})
    earlier = CaseEvent.objects.filter(case=OuterRef("case"), action=Action.DISPATCH, id__lt=OuterRef("id"))
    events = (scope_queryset(CaseEvent.objects.all(), actor)
              .filter(action=Action.DISPATCH, at__gte=period.start, at__lt=period.end)
              .filter(~Exists(earlier))
              .select_related("case__category", "actor")
              .order_by("id"))
    groups: dict[str, DispatchFigures] = {}
    total = DispatchFigures(key="", name=_("All"))
    for event in events.iterator(chunk_size=1000):
        case = event.case
        waited = (event.at - case.created_at).total_seconds() / 60
        due_hours = case.category.dispatch_hours(case.urgency)
        on_time = waited <= due_hours * 60
        if by == "dispatcher":
            key = event.actor.username if event.actor_id else event.actor_label
            name = person_name(event.actor) if event.actor_id else event.actor_label
        else:
            key, name = case.subdistrict_code, case.subdistrict_code
        entry = groups.setdefault(key, DispatchFigures(key=key, name=name))
        for target in (entry, total):
            target.minutes.append(waited)
            target.on_time += on_time
    if by == "subdistrict" and groups:
        names = dict(Region.objects.filter(code__in=list(groups)).values_list("code", "name"))
        for key, entry in groups.items():
            entry.name = names.get(key) or _("A place not in the region list")
    rows = sorted((g.as_dict() for g in groups.values()), key=lambda r: (r["average_minutes"] or 0, r["key"]))
    return {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label},
            "by": by, "total": total.as_dict(), "rows": rows}

"""未诉先办: alerts raised before residents complain, each with its reason, routed to a unit.

Four rules, run by the periodic job ``raise_alerts`` (daily) and ``manage.py raise_alerts``; each alert
has a key naming what it is about and when, so running them again raises nothing twice:

- **Seasonal recurrence** (``seasonal``): in the 30 days from today one year ago, a community had at
  least ``INSIGHTS_SEASONAL_MIN_CASES`` cases of one first-level category (heating in November,
  flooding in July): prepare before they come again. Once per community, category and month.
- **Repeated at one address** (``repeat_address``): at least ``INSIGHTS_REPEAT_MIN_CASES`` cases with
  the same address in one grid within ``INSIGHTS_REPEAT_DAYS`` days. Once per address and quarter.
- **Care visit overdue** (``care_visit``): a person of a care group not visited within the interval of
  their tag (:func:`gongzhi.registry.selectors.overdue_visits`); the alert names the group, never the
  person. Once per person and due date.
- **Spike in a grid** (``spike``): the cases of the last 7 days in a grid reach
  ``INSIGHTS_SPIKE_MIN_CASES`` and its baseline (the mean of the ``INSIGHTS_SPIKE_WEEKS`` weeks before)
  plus three standard deviations (at least one case). Once per grid and ISO week.

The unit of an alert is what the routing rules give for its category at its place
(:func:`gongzhi.cases.routing.route`), with their explanation; a care visit goes to the community
committee of the person's community. Alerts are their own channel: not cases, never in the intake counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import command_actor, user_of
from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.cases.models import Case, CaseState, Category
from gongzhi.cases.routing import route
from gongzhi.core.scoping import ensure_in_scope, scope_queryset
from gongzhi.regions.models import Region

from .models import ALERT_OPEN_STATES, Alert, AlertKind, AlertState

EXCLUDED = (CaseState.INVALID, CaseState.CANCELLED, CaseState.MERGED)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _cases():
    return Case.objects.exclude(state__in=EXCLUDED)


class _Draft:
    def __init__(self, kind, key, region_code, title, reason, *, grid=None, category=None, unit=None, routing="",
                 payload=None):
        self.kind, self.key, self.region_code, self.title, self.reason = kind, key, region_code, title, reason
        self.grid, self.category, self.unit, self.routing, self.payload = grid, category, unit, routing, payload or {}


def _routed(draft: _Draft) -> _Draft:
    if draft.unit is None and draft.category is not None:
        decision = route(Case(category=draft.category, region_code=draft.region_code))
        draft.unit, draft.routing = decision.unit, decision.explanation
    return draft


def seasonal(today: dt.date) -> list[_Draft]:
    start = today.replace(year=today.year - 1) if not (today.month == 2 and today.day == 29) \
        else dt.date(today.year - 1, 2, 28)
    end = start + dt.timedelta(days=30)
    rows = (_cases().filter(created_at__gte=_midnight(start), created_at__lt=_midnight(end))
            .values_list("region_code", "category__code"))
    counts: Counter = Counter()
    leaves: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for region_code, code in rows:
        if len(region_code) < 12:
            continue
        key = (region_code[:12], code[:2])
        counts[key] += 1
        leaves[key][code] += 1
    if not counts:
        return []
    names = dict(Region.objects.filter(code__in={c for c, _g in counts}).values_list("code", "name"))
    categories = {c.code: c for c in Category.objects.all()}
    drafts = []
    for (community, group), n in sorted(counts.items()):
        if n < settings.INSIGHTS_SEASONAL_MIN_CASES or community not in names:
            continue
        leaf = categories.get(leaves[(community, group)].most_common(1)[0][0])
        group_name = categories[group].name if group in categories else group
        drafts.append(_Draft(
            AlertKind.SEASONAL, f"seasonal:{community}:{group}:{today:%Y-%m}", community,
            _("Expected again: %(category)s in %(place)s") % {"category": group_name, "place": names[community]},
            _("Last year %(n)d cases of “%(category)s” came from %(place)s between %(start)s and %(end)s "
              "(most of them “%(leaf)s”): prepare before residents have to call.")
            % {"n": n, "category": group_name, "place": names[community], "start": start.isoformat(),
               "end": (end - dt.timedelta(days=1)).isoformat(), "leaf": leaf.name if leaf else ""},
            category=leaf, payload={"cases_last_year": n, "window": [start.isoformat(), end.isoformat()]}))
    return drafts


def repeated_addresses(today: dt.date) -> list[_Draft]:
    since = _midnight(today - dt.timedelta(days=settings.INSIGHTS_REPEAT_DAYS))
    rows = (_cases().filter(created_at__gte=since, created_at__lt=_midnight(today + dt.timedelta(days=1)))
            .exclude(address="").filter(grid__isnull=False)
            .values_list("id", "grid_id", "grid__code", "grid__name", "address", "category__code"))
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for case_id, grid_id, grid_code, grid_name, address, code in rows:
        normal = "".join(address.split()).lower()
        groups[(grid_id, normal)].append((case_id, grid_code, grid_name, address, code))
    categories = {c.code: c for c in Category.objects.all()}
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    drafts = []
    for (grid_id, normal), members in sorted(groups.items(), key=lambda item: item[1][0][0]):
        if len(members) < settings.INSIGHTS_REPEAT_MIN_CASES:
            continue
        _id, grid_code, grid_name, address, _code = members[0]
        code = Counter(m[4] for m in members).most_common(1)[0][0]
        digest = hashlib.sha1(f"{grid_id}|{normal}".encode()).hexdigest()[:16]
        drafts.append(_Draft(
            AlertKind.REPEAT_ADDRESS, f"repeat:{digest}:{quarter}", grid_code,
            _("%(n)d cases at %(address)s") % {"n": len(members), "address": address[:60]},
            _("%(n)d cases were received about %(address)s (%(grid)s) in the last %(days)d days: look at the "
              "cause, not only at each case.") % {"n": len(members), "address": address, "grid": grid_name,
                                                  "days": settings.INSIGHTS_REPEAT_DAYS},
            grid=Region(pk=grid_id, code=grid_code), category=categories.get(code),
            payload={"cases": [m[0] for m in members]}))
    return drafts


def overdue_care_visits(today: dt.date) -> list[_Draft]:
    from gongzhi.registry.selectors import overdue_visits

    drafts = []
    committees = {}
    for item in overdue_visits(command_actor("raise_alerts"), today=today):
        grid = item.person.grid
        community = grid.code[:12]
        if community not in committees:
            committees[community] = Unit.objects.filter(kind=UnitKind.COMMUNITY_COMMITTEE, is_active=True,
                                                         region__code=community).order_by("pk").first()
        unit = committees[community]
        drafts.append(_Draft(
            AlertKind.CARE_VISIT, f"care:{item.person.pk}:{item.due_date.isoformat()}", grid.code,
            _("Visit overdue: a person of “%(tag)s” in %(grid)s") % {"tag": item.tag.name, "grid": grid.name},
            _("A person of the care group “%(tag)s” in %(grid)s was due a visit by %(due)s (every %(every)d "
              "working days) and is %(late)d working days late.")
            % {"tag": item.tag.name, "grid": grid.name, "due": item.due_date.isoformat(),
               "every": item.tag.visit_interval_days, "late": item.working_days_overdue},
            grid=grid, unit=unit,
            routing=_("Care visits go to the community committee of the person's community.") if unit else "",
            payload={"person": item.person.pk, "tag": item.tag.code, "due": item.due_date.isoformat()}))
    return drafts


def spikes(today: dt.date) -> list[_Draft]:
    weeks = settings.INSIGHTS_SPIKE_WEEKS
    end = today + dt.timedelta(days=1)  # today counts
    start = end - dt.timedelta(days=7 * (weeks + 1))
    rows = (_cases().filter(created_at__gte=_midnight(start), created_at__lt=_midnight(end), grid__isnull=False)
            .annotate(day=TruncDate("created_at")).values("grid_id", "day").annotate(n=Count("id"))
            .values_list("grid_id", "day", "n"))
    per_grid: dict[int, list[int]] = defaultdict(lambda: [0] * (weeks + 1))
    for grid_id, day, n in rows:
        week = ((end - day).days - 1) // 7 if day else weeks + 1  # 0: the last 7 days (today included)
        if 0 <= week <= weeks:
            per_grid[grid_id][week] += n
    drafts = []
    iso = today.isocalendar()
    candidates = {g: c for g, c in per_grid.items() if c[0] >= settings.INSIGHTS_SPIKE_MIN_CASES}
    grids = Region.objects.in_bulk(list(candidates))
    for grid_id, counts in sorted(candidates.items()):
        baseline = counts[1:]
        mean = statistics.fmean(baseline)
        spread = max(statistics.pstdev(baseline), 1.0)
        threshold = mean + 3 * spread
        if counts[0] < threshold or grid_id not in grids:
            continue
        grid = grids[grid_id]
        recent = (_cases().filter(grid_id=grid_id, created_at__gte=_midnight(end - dt.timedelta(days=7)),
                                  created_at__lt=_midnight(end)).values_list("category__code", flat=True))
        code = Counter(recent).most_common(1)[0][0] if recent else None
        category = Category.objects.filter(code=code).first() if code else None
        drafts.append(_Draft(
            AlertKind.SPIKE, f"spike:{grid.code}:{iso.year}-W{iso.week:02d}", grid.code,
            _("Spike in %(grid)s: %(n)d cases in 7 days") % {"grid": grid.name, "n": counts[0]},
            _("%(grid)s received %(n)d cases in the last 7 days against %(mean).1f a week on average over the %(weeks)d "
              "weeks before (alert from %(threshold).1f: the mean plus three standard deviations); most are "
              "“%(category)s”.") % {"grid": grid.name, "n": counts[0], "mean": mean, "weeks": weeks,
                                      "threshold": threshold, "category": category.name if category else "—"},
            grid=grid, category=category,
            payload={"last_7_days": counts[0], "weekly_baseline": list(reversed(baseline)), "threshold": threshold}))
    return drafts


RULES = (seasonal, repeated_addresses, overdue_care_visits, spikes)


def raise_alerts(*, actor=None, today: dt.date | None = None) -> list[Alert]:
    """Run every rule for ``today``; create the alerts not raised before. Returns those created."""
    actor = actor or command_actor("raise_alerts")
    require(actor, "insights.alerts")
    today = today or timezone.localdate()
    drafts = [draft for rule in RULES for draft in rule(today)]
    known = set(Alert.objects.filter(key__in=[d.key for d in drafts]).values_list("key", flat=True))
    created = []
    for draft in drafts:
        if draft.key in known:
            continue
        known.add(draft.key)
        draft = _routed(draft)
        with transaction.atomic():
            alert, made = Alert.objects.get_or_create(key=draft.key, defaults=dict(
                kind=draft.kind, region_code=draft.region_code, grid_id=draft.grid.pk if draft.grid else None,
                category=draft.category, unit=draft.unit, title=draft.title[:200], reason=draft.reason,
                routing=draft.routing, payload=draft.payload))
            if made:
                record(actor=actor, action="insights.alert.raise", obj=alert,
                       changes={"kind": alert.kind, "unit": draft.unit.code if draft.unit else None})
                created.append(alert)
    return created


def run_periodic() -> int:
    return len(raise_alerts())


def visible_alerts(actor, *, state: str = "open", kind: str = ""):
    require(actor, "insights.view")
    queryset = scope_queryset(Alert.objects.select_related("unit", "category", "grid"), actor)
    if state == "open":
        queryset = queryset.filter(state__in=ALERT_OPEN_STATES)
    elif state in AlertState.values:
        queryset = queryset.filter(state=state)
    if kind in AlertKind.values:
        queryset = queryset.filter(kind=kind)
    return queryset


_NEXT = {
    "take_on": ({AlertState.OPEN}, AlertState.ACKNOWLEDGED),
    "done": ({AlertState.OPEN, AlertState.ACKNOWLEDGED}, AlertState.DONE),
    "dismiss": ({AlertState.OPEN, AlertState.ACKNOWLEDGED}, AlertState.DISMISSED),
}


def handle_alert(*, actor, alert: Alert, step: str, note: str = "") -> Alert:
    """Take an alert on, finish it (``done``) or dismiss it (a note saying why is required)."""
    require(actor, "insights.alerts")
    ensure_in_scope(alert, actor)
    if step not in _NEXT:
        raise ValidationError({"step": _("Unknown step.")})
    note = (note or "").strip()
    if step == "dismiss" and not note:
        raise ValidationError({"note": _("Say why the alert needs nothing done.")})
    if len(note) > 2000:
        raise ValidationError({"note": _("At most 2,000 characters.")})
    allowed, target = _NEXT[step]
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.state not in allowed:
            raise ValidationError({"__all__": _("The alert is already %(state)s.") % {"state": alert.get_state_display()}})
        before = alert.state
        alert.state, alert.handled_by, alert.handled_at = target, user_of(actor), timezone.now()
        if note:
            alert.note = note
        alert.save(update_fields=["state", "handled_by", "handled_at", "note"])
        record(actor=actor, action=f"insights.alert.{step}", obj=alert, reason=note,
               changes={"state": [before, target]})
    return alert

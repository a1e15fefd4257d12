"""What the leader dashboard shows of the intelligence app: the period's leading hotspots, the open
未诉先办 alerts and the topics of the month, all in the actor's area (and under a region if asked)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from gongzhi.cases.models import Case, CaseEvent
from gongzhi.core.scoping import scope_of

from . import alerts, hotspots, topics
from .models import AlertKind

HOTSPOTS_SHOWN = 5
ALERTS_SHOWN = 5
CACHE_SECONDS = 600


def _hotspots(actor, start, end, region_code):
    """The clustering is the costly part of the dashboard: kept while no case and no case event is added
    (the latest ids say so) for the same area, period and region, at most ``CACHE_SECONDS``."""
    latest = (Case.objects.aggregate(m=Max("id"))["m"], CaseEvent.objects.aggregate(m=Max("id"))["m"])
    signature = repr((scope_of(actor), start, end, region_code, latest))
    key = "insights:dashboard:" + hashlib.sha256(signature.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = hotspots.hotspots(actor, start=start, end=end, region_code=region_code, limit=HOTSPOTS_SHOWN)
        cache.set(key, found, CACHE_SECONDS)
    return found


def dashboard_summary(actor, *, start: dt.date, end: dt.date, region_code: str = "") -> dict:
    """``start``..``end`` are the dashboard's period, both days included."""
    found = _hotspots(actor, start, end + dt.timedelta(days=1), region_code)
    open_alerts = alerts.visible_alerts(actor, state="open")
    if region_code:
        open_alerts = open_alerts.filter(region_code__startswith=region_code)
    counts = dict(open_alerts.order_by().values_list("kind").annotate(n=Count("id")))
    month = timezone.localdate().replace(day=1)
    current = topics.visible_topics(actor).filter(month=month)
    if region_code:
        current = current.filter(region__code__startswith=region_code)
    return {"hotspots": found, "alerts": list(open_alerts[:ALERTS_SHOWN]), "open_alerts": sum(counts.values()),
            "by_kind": [(label, counts.get(kind, 0)) for kind, label in AlertKind.choices],
            "topics": list(current[:10])}

"""每月一题: a leader makes a hotspot the month's topic; a tracked programme with its cases and figures."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.cases.models import Action, Case, CaseEvent
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope, scope_queryset
from gongzhi.regions.models import Region

from . import hotspots as hotspot_module
from .models import MonthlyTopic, TopicState

MONTHS_BEFORE = 3


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    month = day.month - 1 + n
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def choose_topic(*, actor, key: str, start: dt.date, end: dt.date, by: str = "community", title: str = "",
                 note: str = "", month: dt.date | None = None) -> MonthlyTopic:
    """Make the hotspot ``key`` of the period [start, end) the topic of ``month`` (default: this month)
    for its place. The hotspot is found again from the records, never taken from the caller."""
    require(actor, "insights.topic")
    hotspot = hotspot_module.find(actor, key, start=start, end=end, by=by)
    if hotspot is None:
        raise ValidationError({"key": _("This hotspot is no longer among the hotspots of the period.")})
    region = Region.objects.filter(code=hotspot.place_code).first()
    if region is None:
        raise ValidationError({"key": _("The hotspot's place is not a region of this deployment.")})
    ensure_code_in_scope(region.code, actor)
    title = (title or hotspot.title).strip()[:100]
    month = month_start(month or timezone.localdate())
    try:
        with transaction.atomic():
            topic = MonthlyTopic.objects.create(
                region=region, month=month, title=title, words=hotspot.words, note=(note or "").strip()[:2000],
                chosen_by=user_of(actor),
                baseline={"count": hotspot.count, "previous": hotspot.previous, "callbacks": hotspot.callbacks,
                          "unsatisfied": hotspot.unsatisfied, "score": hotspot.score,
                          "period": [start.isoformat(), end.isoformat()]})
            topic.cases.set(hotspot.case_ids)
            record(actor=actor, action="insights.topic.choose", obj=topic,
                   changes={"month": month.isoformat(), "words": hotspot.words, "cases": len(hotspot.case_ids)})
    except IntegrityError:
        raise ValidationError({"key": _("%(place)s already has a topic for %(month)s.")
                               % {"place": region.name, "month": month.strftime("%Y-%m")}}) from None
    return topic


def close_topic(*, actor, topic: MonthlyTopic, note: str = "") -> MonthlyTopic:
    require(actor, "insights.topic")
    ensure_in_scope(topic, actor)
    with transaction.atomic():
        topic = MonthlyTopic.objects.select_for_update().get(pk=topic.pk)
        if topic.state == TopicState.CLOSED:
            raise ValidationError({"__all__": _("The topic is already closed.")})
        topic.state = TopicState.CLOSED
        if note:
            topic.note = (topic.note + "\n" + note.strip())[:2000].strip()
        topic.save(update_fields=["state", "note"])
        record(actor=actor, action="insights.topic.close", obj=topic, reason=note)
    return topic


def visible_topics(actor):
    require(actor, "insights.view")
    return scope_queryset(MonthlyTopic.objects.select_related("region", "chosen_by"), actor)


def topic_cases(topic: MonthlyTopic, actor=None):
    """The programme's cases: those of the hotspot when chosen, and every case of its area since
    ``MONTHS_BEFORE`` months before its month whose title or text holds one of its first three words."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(add_months(topic.month, -MONTHS_BEFORE), dt.time.min, tzinfo=tz)
    matches = Q()
    for word in topic.words[:3]:
        matches |= Q(title__contains=word) | Q(description__contains=word)
    queryset = Case.objects.filter(
        Q(pk__in=topic.cases.values("pk")) |
        (Q(region_code__startswith=topic.region.prefix, created_at__gte=since) & matches if topic.words else Q(pk=None)))
    if actor is not None:
        queryset = scope_queryset(queryset, actor)
    return queryset.select_related("category", "lead_unit").order_by("-created_at", "-id")


def topic_figures(topic: MonthlyTopic, today: dt.date | None = None) -> list[dict]:
    """Per month, from ``MONTHS_BEFORE`` months before the topic's month to this month: the cases
    received, the callbacks and the unsatisfied ones, and whether the month is before or after."""
    today = today or timezone.localdate()
    cases = list(topic_cases(topic).values_list("pk", "created_at"))
    verdicts = {}
    for case_id, satisfaction in CaseEvent.objects.filter(case_id__in=[pk for pk, _at in cases],
                                                          action__in=(Action.CALLBACK, Action.REOPEN),
                                                          solved__isnull=False).values_list("case_id", "satisfaction"):
        verdicts.setdefault(case_id, []).append(satisfaction)
    first, last = add_months(topic.month, -MONTHS_BEFORE), month_start(today)
    months = []
    month = first
    while month <= last and len(months) < 37:
        months.append(month)
        month = add_months(month, 1)
    rows = {m: {"month": m, "after": m >= topic.month, "cases": 0, "callbacks": 0, "unsatisfied": 0} for m in months}
    for pk, created in cases:
        m = month_start(timezone.localtime(created).date())
        if m in rows:
            rows[m]["cases"] += 1
            for verdict in verdicts.get(pk, []):
                rows[m]["callbacks"] += 1
                rows[m]["unsatisfied"] += verdict == "unsatisfied"
    return [rows[m] for m in months]


def before_and_after(figures: list[dict]) -> dict:
    """The monthly mean of cases and the unsatisfied share, before the topic's month and since."""
    out = {}
    for name, part in (("before", [r for r in figures if not r["after"]]), ("after", [r for r in figures if r["after"]])):
        callbacks = sum(r["callbacks"] for r in part)
        out[name] = {"months": len(part), "cases_per_month": round(sum(r["cases"] for r in part) / len(part), 1)
                     if part else None,
                     "unsatisfied_share": round(sum(r["unsatisfied"] for r in part) / callbacks, 3) if callbacks else None}
    return out

"""/api/v1/insights/: routing suggestions, hotspots and 每月一题, 未诉先办 alerts, router models.

Thin: parse, call the app's functions with the actor, render. Reads need ``insights.view`` (router
models: ``insights.train``); choosing a topic needs ``insights.topic``, handling an alert
``insights.alerts`` (checked by the services). A case, topic or alert outside the caller's area
answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.roles import require
from gongzhi.cases.selectors import case_for
from gongzhi.core.schemas import Pages

from . import alerts, hotspots, textmodel, topics
from . import router as text_router
from .models import MonthlyTopic, RouterModel
from .schemas import (
    InsightsAlertOut,
    InsightsAlertStepIn,
    InsightsCoverageOut,
    InsightsErrorOut,
    InsightsHotspotOut,
    InsightsModelOut,
    InsightsNoteIn,
    InsightsPeriodIn,
    InsightsPredictionOut,
    InsightsSuggestionOut,
    InsightsTextIn,
    InsightsTopicDetailOut,
    InsightsTopicIn,
    InsightsTopicOut,
)

router = Router(tags=["insights"])
NOT_FOUND = {404: InsightsErrorOut}


def _viewer(request):
    actor = actor_of(request)
    require(actor, "insights.view")
    return actor


def _valid_pk(pk: int) -> bool:
    return 0 < pk < 2**63


# --- suggestions ---------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/suggestion", response={200: InsightsSuggestionOut, **NOT_FOUND},
             summary="Where a case should go: category and unit from its text, with confidence and words")
def case_suggestion(request, case_id: int):
    actor = _viewer(request)
    case = case_for(actor, case_id)
    if case is None:
        raise HttpError(404, _("There is no such case in your area."))
    return text_router.suggest(case).as_dict()


@router.post("/suggest", response={200: InsightsPredictionOut, 404: InsightsErrorOut},
              summary="The active model's reading of a text not yet filed (category, confidence, words)")
def suggest_text(request, payload: InsightsTextIn):
    _viewer(request)
    row, model = text_router.active_model()
    if model is None:
        raise HttpError(404, _("No text model is active: the routing rules decide."))
    prediction = model.predict(textmodel.case_text(payload.title, payload.description))
    labels = row.get("labels") or {}
    return {"model_version": row["version"], "label": prediction.label,
            "name": labels.get(prediction.label, prediction.label), "confidence": round(prediction.confidence, 4),
            "sure": prediction.confidence >= settings.INSIGHTS_ROUTER_MIN_CONFIDENCE, "words": prediction.words,
            "alternatives": text_router._alternatives(prediction, row)}


# --- hotspots and 每月一题 -------------------------------------------------------------------------------


def _hotspot_out(hotspot) -> dict:
    return {"key": hotspot.key, "place_code": hotspot.place_code, "place_name": hotspot.place_name,
            "title": hotspot.title, "words": hotspot.words, "count": hotspot.count, "previous": hotspot.previous,
            "growth": hotspot.growth, "callbacks": hotspot.callbacks, "unsatisfied": hotspot.unsatisfied,
            "score": hotspot.score,
            "representative": [{"id": c.pk, "number": c.number, "title": c.title, "category": c.category.name}
                               for c in hotspot.representative]}


@router.get("/hotspots", response=list[InsightsHotspotOut],
             summary="Hotspots of a period (default: the last 30 days) in your area, best first")
def list_hotspots(request, filters: Query[InsightsPeriodIn]):
    actor = _viewer(request)
    start, end = hotspots.period(filters.start, filters.until)
    return [_hotspot_out(h) for h in hotspots.hotspots(actor, start=start, end=end, by=filters.by)]


def _topic_out(topic: MonthlyTopic) -> dict:
    return {"id": topic.pk, "region": topic.region.code, "region_name": topic.region.name, "month": topic.month,
            "title": topic.title, "words": topic.words, "note": topic.note, "state": topic.state,
            "baseline": topic.baseline, "chosen_at": topic.chosen_at}


def _topic(actor, topic_id: int) -> MonthlyTopic:
    topic = topics.visible_topics(actor).filter(pk=topic_id).first() if _valid_pk(topic_id) else None
    if topic is None:
        raise HttpError(404, _("There is no such topic in your area."))
    return topic


@router.get("/topics", response=list[InsightsTopicOut], summary="Topics of the month (每月一题) of your area")
@paginate(Pages, page_size=50)
def list_topics(request, state: str = ""):
    found = topics.visible_topics(_viewer(request))
    if state in ("active", "closed"):
        found = found.filter(state=state)
    return found


@router.get("/topics/{topic_id}", response={200: InsightsTopicDetailOut, **NOT_FOUND},
             summary="One topic with its figures per month, before and after")
def get_topic(request, topic_id: int):
    actor = _viewer(request)
    topic = _topic(actor, topic_id)
    figures = topics.topic_figures(topic)
    return {**_topic_out(topic), "case_count": topics.topic_cases(topic, actor).count(), "figures": figures,
            "summary": topics.before_and_after(figures)}


@router.post("/topics", response={201: InsightsTopicOut}, summary="Make a hotspot of the period the month's topic")
def choose_topic(request, payload: InsightsTopicIn):
    actor = actor_of(request)
    require(actor, "insights.topic")
    start, end = hotspots.period(payload.start, payload.until)
    topic = topics.choose_topic(actor=actor, key=payload.key, start=start, end=end, by=payload.by,
                                title=payload.title, note=payload.note,
                                month=dt.date.fromisoformat(payload.month[:7] + "-01") if payload.month else None)
    return Status(201, _topic_out(topic))


@router.post("/topics/{topic_id}/close", response={200: InsightsTopicOut, **NOT_FOUND}, summary="Close a topic")
def close_topic(request, topic_id: int, payload: InsightsNoteIn):
    actor = actor_of(request)
    require(actor, "insights.topic")
    return _topic_out(topics.close_topic(actor=actor, topic=_topic(actor, topic_id), note=payload.note))


# --- 未诉先办 alerts -------------------------------------------------------------------------------------


@router.get("/alerts", response=list[InsightsAlertOut],
             summary="未诉先办 alerts of your area or unit (state: open (default), all, or one state)")
@paginate(Pages, page_size=50)
def list_alerts(request, state: str = "open", kind: str = ""):
    return alerts.visible_alerts(_viewer(request), state=state, kind=kind)


@router.post("/alerts/{alert_id}/handle", response={200: InsightsAlertOut, **NOT_FOUND},
              summary="Take an alert on, finish it, or dismiss it (a note saying why)")
def handle_alert(request, alert_id: int, payload: InsightsAlertStepIn):
    actor = actor_of(request)
    require(actor, "insights.alerts")
    alert = alerts.visible_alerts(actor, state="all").filter(pk=alert_id).first() if _valid_pk(alert_id) else None
    if alert is None:
        raise HttpError(404, _("There is no such alert in your area."))
    return (alerts.handle_alert(actor=actor, alert=alert, step=payload.step, note=payload.note))


# --- router models (administrators) ----------------------------------------------------------------------


@router.get("/models", response=list[InsightsModelOut], summary="The router model versions with their evaluation")
@paginate(Pages, page_size=50)
def list_models(request):
    actor = actor_of(request)
    require(actor, "insights.train")
    return RouterModel.objects.defer("artefact")


# --- 15-minute service coverage -----------------------------------------------------------------------------


@router.get("/coverage", response=InsightsCoverageOut,
            summary="15-minute service coverage of your area: per grid, households within the walk of each kind")
def get_coverage(request):
    from . import coverage

    found = coverage.coverage(_viewer(request))
    return {"minutes_limit": found.minutes_limit, "method": found.method,
            "grids": [{"code": g.code, "name": g.name, "households": g.households, "unplaced": g.unplaced,
                       "within": g.within, "shares": dict(g.shares)} for g in found.grids]}

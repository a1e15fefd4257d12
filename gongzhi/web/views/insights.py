"""Intelligence pages (智能分拨): hotspots and 每月一题, the tracked topics, 未诉先办 alerts, the router
models with their evaluation. Thin: :mod:`gongzhi.insights` does the work and checks permissions;
its refusals are shown as messages.

The templates live with the app (``insights/templates/insights/``), their strings in its catalogue;
the messages come from :mod:`gongzhi.insights.texts` for the same reason.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode

from gongzhi.accounts.roles import can
from gongzhi.insights import alerts as alert_service
from gongzhi.insights import hotspots as hotspot_service
from gongzhi.insights import router, texts, topics
from gongzhi.insights.models import AlertKind, AlertState, RouterModel

from ..access import page
from ..navigation import sees_insights, trains_router

PAGE_SIZE = 20


def _run(request, action, success: str = "") -> bool:
    """Call ``action()``; show its refusal as a message. True when it went through."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or texts.not_allowed())
        return False
    if success:
        messages.success(request, success)
    return True


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def period_of(data, request=None) -> tuple[dt.date, dt.date]:
    """[start, end) from ``start`` and ``until`` (the last day shown); the last 30 days by default or
    when the period asked is not valid (said in a message)."""
    try:
        return hotspot_service.period(_date(data.get("start")), _date(data.get("until")))
    except ValidationError:
        if request is not None:
            messages.error(request, texts.bad_period())
        return hotspot_service.period()


def _nav(request, current: str) -> dict:
    return {"insights_tab": current, "can_train": can(request.user, "insights.train"),
            "can_choose": can(request.user, "insights.topic"), "can_handle": can(request.user, "insights.alerts")}


# --- hotspots and 每月一题 -----------------------------------------------------------------------------


@page(sees_insights)
def hotspot_list(request):
    data = request.POST if request.method == "POST" else request.GET
    start, end = period_of(data, request)
    by = "grid" if data.get("by") == "grid" else "community"
    if request.method == "POST":
        month = None
        if request.POST.get("month"):
            month = _date(request.POST["month"] + "-01")
            if month is None:
                messages.error(request, texts.bad_month())
                return redirect(f"{request.path}?{urlencode(_period_query(start, end, by))}")
        made = {}

        def choose():
            made["topic"] = topics.choose_topic(actor=request.user, key=request.POST.get("key", "")[:40], start=start,
                                                end=end, by=by, title=request.POST.get("title", ""),
                                                note=request.POST.get("note", ""), month=month)

        if _run(request, choose):
            messages.success(request, texts.topic_chosen(made["topic"].title))
            return redirect("insights_topic", topic_id=made["topic"].pk)
        return redirect(f"{request.path}?{urlencode(_period_query(start, end, by))}")
    found = hotspot_service.hotspots(request.user, start=start, end=end, by=by)
    return render(request, "insights/hotspots.html", {
        **_nav(request, "hotspots"), "hotspots": found, "start": start, "until": end - dt.timedelta(days=1),
        "by": by, "this_month": timezone.localdate().strftime("%Y-%m"),
        "presets": _presets(by)})


def _period_query(start, end, by) -> dict:
    return {"start": start.isoformat(), "until": (end - dt.timedelta(days=1)).isoformat(), "by": by}


def _presets(by: str) -> list[tuple[str, str]]:
    """Links to common periods: the last 30 days, this month, last month."""
    today = timezone.localdate()
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return [("last30", urlencode(_period_query(today - dt.timedelta(days=29), today + dt.timedelta(days=1), by))),
            ("this_month", urlencode(_period_query(first, today + dt.timedelta(days=1), by))),
            ("last_month", urlencode(_period_query(previous, first, by)))]


@page(sees_insights)
def topic_list(request):
    found = topics.visible_topics(request.user)
    state = request.GET.get("state", "")
    if state in ("active", "closed"):
        found = found.filter(state=state)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        found = found.filter(title__icontains=q)
    query = urlencode({k: v for k, v in (("state", state), ("q", q)) if v})
    return render(request, "insights/topics.html", {
        **_nav(request, "topics"), "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
        "state": state, "q": q, "query": query})


@page(sees_insights)
def topic_detail(request, topic_id):
    topic = topics.visible_topics(request.user).filter(pk=topic_id).first()
    if topic is None:
        raise Http404
    if request.method == "POST":
        _run(request, lambda: topics.close_topic(actor=request.user, topic=topic, note=request.POST.get("note", "")),
             texts.topic_closed())
        return redirect("insights_topic", topic_id=topic.pk)
    figures = topics.topic_figures(topic)
    cases = Paginator(topics.topic_cases(topic, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/topic.html", {
        **_nav(request, "topics"), "topic": topic, "figures": figures, "summary": topics.before_and_after(figures),
        "page": cases, "query": ""})


# --- 未诉先办 alerts -----------------------------------------------------------------------------------


@page(sees_insights)
def alert_list(request):
    if request.method == "POST":
        alert = alert_service.visible_alerts(request.user, state="all").filter(
            pk=_int(request.POST.get("alert"))).first()
        step = request.POST.get("step", "")
        if alert is None:
            messages.error(request, texts.no_such_alert())
        else:
            _run(request, lambda: alert_service.handle_alert(actor=request.user, alert=alert, step=step,
                                                             note=request.POST.get("note", "")),
                 texts.alert_handled(step))
        return redirect(f"{request.path}?{request.POST.get('back', '')[:500]}")
    state = request.GET.get("state", "open")
    state = state if state in ("open", "all", *AlertState.values) else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in AlertKind.values else ""
    found = alert_service.visible_alerts(request.user, state=state, kind=kind)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        found = found.filter(title__icontains=q)
    filters = {k: v for k, v in (("state", state), ("kind", kind), ("q", q)) if v}
    found_page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/alerts.html", {
        **_nav(request, "alerts"), "page": found_page, "state": state, "kind": kind, "q": q,
        "query": urlencode(filters), "kinds": AlertKind.choices, "states": AlertState.choices,
        "back": urlencode({**filters, "page": found_page.number})})


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


# --- the router models (administrators) -----------------------------------------------------------------


@page(trains_router)
def router_models(request):
    if request.method == "POST":
        if request.POST.get("action") == "deactivate":
            _run(request, lambda: router.deactivate_router(actor=request.user), texts.router_deactivated())
        else:
            model = RouterModel.objects.filter(pk=_int(request.POST.get("model"))).first()
            if model is None:
                raise Http404
            _run(request, lambda: router.activate_router(actor=request.user, model=model),
                 texts.router_activated(model.version))
        return redirect("insights_router")
    models = Paginator(RouterModel.objects.defer("artefact").select_related("created_by"), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    for model in models:
        model.rows = [{**row, "name": model.label_name(row.get("label", ""))} for row in model.per_class]
    since = timezone.now() - dt.timedelta(days=30)
    return render(request, "insights/router.html", {
        **_nav(request, "router"), "page": models, "query": "", "counts": router.suggestion_counts(since=since),
        "counts_all": router.suggestion_counts()})


# --- 15-minute service coverage --------------------------------------------------------------------------


@page(sees_insights)
def coverage_map(request):
    from gongzhi.insights import coverage as coverage_service
    from gongzhi.insights.models import ServiceKind, ServicePoint
    from gongzhi.regions.models import Level, Region

    from .. import mapdata

    edits = can(request.user, "registry.change")
    if request.method == "POST":
        if request.POST.get("close"):
            point = coverage_service.visible_points(request.user).filter(pk=_int(request.POST.get("close"))).first()
            if point is None:
                raise Http404
            _run(request, lambda: coverage_service.close_point(actor=request.user, point=point),
                 texts.point_closed(point.name))
        else:
            grid = Region.objects.filter(code=request.POST.get("grid", "")[:15], level=Level.GRID).first()
            _run(request, lambda: coverage_service.add_point(
                actor=request.user, kind=request.POST.get("kind", ""), name=request.POST.get("name", ""), grid=grid,
                longitude=request.POST.get("longitude"), latitude=request.POST.get("latitude"),
                address=request.POST.get("address", "")), texts.point_added())
        return redirect("insights_coverage")
    kind = request.GET.get("kind", "")
    kind = kind if kind in ServiceKind.values else ""
    found = coverage_service.coverage(request.user)
    gaps = found.gaps(kind)
    labels = dict(ServiceKind.choices)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                 "properties": {"label": f"{labels[p.kind]} · {p.name}", "style": "service"}} for p in found.points]
    features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                  "properties": {"label": texts.gap_label(place.label, labels[k], minutes, place.households),
                                 "style": "gap"}}
                 for place, k, minutes in gaps[:2000]]
    area = mapdata.focus(request.user)
    grids = Region.objects.filter(level=Level.GRID, code__startswith=area).order_by("code")[:500] if edits else []
    return render(request, "insights/coverage.html", {
        **_nav(request, "coverage"), "coverage": found, "totals": found.totals(), "kinds": ServiceKind.choices,
        "kind": kind, "gaps": gaps[:50], "gap_count": len(gaps), "points_map": {"type": "FeatureCollection",
                                                                               "features": features},
        "outlines": mapdata.outlines(area), "map_focus": area, "edits": edits, "grids": grids,
        "points": Paginator(coverage_service.visible_points(request.user).filter(is_active=True), PAGE_SIZE)
        .get_page(request.GET.get("page")), "query": urlencode({"kind": kind}) if kind else ""})

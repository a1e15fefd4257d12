"""Assessment (考核评价): a month's scores and ranking with each KPI's formula, the snapshot and appeals."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.assessment import scoring, selectors, services

from ..access import page
from ..navigation import sees_assessment


def _default_month() -> str:
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    return last.strftime("%Y-%m")


def _act(request, kpi_set, month):
    action = request.POST.get("action")
    try:
        if action == "freeze":
            services.freeze_month(actor=request.user, kpi_set=kpi_set, month=month)
            messages.success(request, _("The month was frozen."))
        elif action == "decide":
            appeal = selectors.appeal_for(request.user, request.POST.get("appeal"))
            if appeal is None:
                raise Http404
            services.decide_appeal(actor=request.user, appeal=appeal, uphold=request.POST.get("uphold") == "1",
                                   reason=request.POST.get("reason", ""))
            messages.success(request, _("The appeal was decided."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))


@page(sees_assessment)
def board(request):
    sets = list(selectors.kpi_sets(request.user).order_by("region__code", "name"))
    month_text = request.GET.get("month") or _default_month()
    chosen = selectors.kpi_set_for(request.user, request.GET.get("set")) if request.GET.get("set") else None
    kpi_set = chosen or (sets[0] if sets else None)
    context = {"sets": sets, "kpi_set": kpi_set, "month": month_text,
               "assesses": can(request.user, "assessment.assess")}
    if kpi_set is not None:
        try:
            month = scoring.parse_month(month_text)
            if request.method == "POST":
                _act(request, kpi_set, month)
                return redirect(f"{request.path}?set={kpi_set.pk}&month={month:%Y-%m}")
            board = selectors.scoreboard(request.user, kpi_set, month)
        except ValidationError as exc:
            context["problem"] = " ".join(exc.messages)
        else:
            snapshot = selectors.snapshot_for(request.user, kpi_set, month)
            context.update(board=board, snapshot=snapshot,
                           difference=selectors.difference(request.user, snapshot) if snapshot else [],
                           closed=scoring.month_period(month).end <= timezone.now(),
                           appeals=selectors.appeals(request.user, month=month)[:100],
                           rows=[{"row": row, "cells": [row.values[c.measure] for c in board.columns]}
                                 for row in board.rows])
    return render(request, "web/assessment/board.html", context)

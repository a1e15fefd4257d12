"""The leader dashboard (驾驶舱). Figures come from gongzhi.cases.metrics once it exists."""

from __future__ import annotations

from django.shortcuts import render

from ..access import page
from ..navigation import sees_dashboard


@page(sees_dashboard)
def dashboard(request):
    return render(request, "web/dashboard/dashboard.html", {})

"""Personal-data protection pages for data administrators (``privacy.manage``): retention rules and sweeps."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.privacy import retention_services

from ..access import page
from ..navigation import manages_personal_data

PAGE_SIZE = 20


@page(manages_personal_data)
def retention(request):
    """The rules in force (each editable: period, on/off), the sweeps that ran, and "sweep now"."""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "sweep":
                run = retention_services.sweep(actor=request.user, dry_run=request.POST.get("dry_run") == "1")
                messages.success(request, _("The sweep ran: %(rows)s rows.") % {"rows": run.total_rows})
            else:
                retention_services.set_rule(actor=request.user, kind=request.POST.get("kind", ""),
                                            days=request.POST.get("days"), enabled=request.POST.get("enabled") == "1")
                messages.success(request, _("The retention rule was saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("privacy_retention")
    runs = Paginator(retention_services.recent_runs(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    titles = {}
    rules = retention_services.rules(actor=request.user)
    for rule in rules:
        titles[rule.key] = rule.kind.title
    for run in runs.object_list:
        run.lines = [{**r, "title": titles.get(r["kind"], r["kind"])} for r in run.results]
    return render(request, "web/privacy/retention.html", {"rules": rules, "page": runs})

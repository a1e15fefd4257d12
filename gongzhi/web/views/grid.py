"""The grid worker's mobile pages: my tasks, my grid on a map, patrol report
(creates a case), household visit, look-up with masked personal data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import selectors
from gongzhi.cases.models import Channel
from gongzhi.core import files
from gongzhi.registry import selectors as registry_selectors
from gongzhi.registry import services as registry_services

from .. import boards, mapdata
from ..access import page
from ..forms import apply_service_error
from ..forms.filters import OPEN_FILTER
from ..forms.grid import LookupForm, VisitForm
from ..forms.reporting import PatrolReportForm
from ..navigation import is_grid_worker, looks_up
from .console import case_page
from .resident import submit_report

@page(is_grid_worker)
def tasks(request):
    user, now = request.user, timezone.now()
    to_handle = []
    if user.unit_id:
        to_handle = boards.sort_overdue_first(selectors.list_cases(user, selectors.CaseFilters(
            unit=user.unit.code, state="dispatched,in_progress"))[:100], now)
    reported = selectors.list_cases(user, selectors.CaseFilters(state=OPEN_FILTER)).filter(created_by=user)[:50]
    visits_due = registry_selectors.overdue_visits(user, grid=user.region)[:50]
    to_verify = selectors.verifications_to_do(user, now=now)
    return render(request, "web/grid/tasks.html", {
        "to_handle": to_handle, "reported": reported, "visits_due": visits_due, "now": now, "grid": user.region,
        "to_verify": to_verify,
    })


@page(is_grid_worker)
def grid_map(request):
    grid = request.user.region
    open_cases = selectors.list_cases(request.user, selectors.CaseFilters(state=OPEN_FILTER))[:500]
    return render(request, "web/grid/map.html", {
        "grid": grid, "grids": mapdata.grid_features([grid]),
        "points": mapdata.case_points(open_cases, "grid_case"), "open_count": len(open_cases),
    })


@page(is_grid_worker)
def case_detail(request, case_id):
    return case_page(request, case_id, back="grid_tasks")


@page(is_grid_worker)
def patrol(request):
    grid = request.user.region
    form = PatrolReportForm(request.POST or None, request.FILES or None, region_prefix=grid.prefix)
    form.fields["region"].choices = [("", form.fields["region"].choices[0][1]), (grid.code, grid.name)]
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        with files.atomic():  # the report's photos are deleted again if this rolls back
            case = submit_report(request, form, channel=Channel.GRID_PATROL,
                                 extra={"urgency": form.cleaned_data["urgency"]})
            if case is not None:
                registry_services.record_patrol(
                    actor=request.user, grid=grid, started_at=timezone.now(), ended_at=timezone.now(),
                    notes=_("Reported as case #%(id)s") % {"id": case.pk},
                    problems=[{"description": values["title"], "category": case.category.name,
                               "longitude": case.lon, "latitude": case.lat}])
        if case is not None:
            messages.success(request, _("Patrol report saved as work order %(number)s.") % {"number": case.number})
            return redirect("grid_case", case_id=case.pk)
    return render(request, "web/grid/patrol.html", {"form": form, "grids": mapdata.grid_features([grid])})


@page(is_grid_worker)
def visit(request):
    grid = request.user.region
    form = VisitForm(request.POST or None, actor=request.user, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            registry_services.record_visit(actor=request.user, **form.service_values())
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect("grid_tasks")
    return render(request, "web/grid/visit.html", {"form": form, "grid": grid})


def _lookup(request, template):
    """The form posts (with CSRF), so an ID or phone number never travels in a URL, where it would
    end up in access logs and the browser's history. A GET with a name or an address still works
    (a link, a bookmark); a GET with a personal-looking query is not searched: it is sent back to
    the bare page (so the number leaves the address bar and is not echoed anywhere) with a word why."""
    if request.method == "POST":
        form = LookupForm(request.POST)
    elif registry_selectors.looks_personal(request.GET.get("q", "")):
        messages.error(request, _("ID and phone numbers are not searched from a link or the address bar, where "
                                  "they would be recorded. Type the number in the search box."))
        return redirect(request.path)
    else:
        form = LookupForm(request.GET or None)
    persons = dwellings = None
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        persons = list(registry_selectors.search_persons(request.user, q=q).select_related("dwelling")[:50])
        dwellings = list(registry_selectors.search_dwellings(request.user, q=q)[:50])
    return render(request, template, {"form": form, "persons": persons, "dwellings": dwellings})


@page(is_grid_worker)
def grid_lookup(request):
    return _lookup(request, "web/grid/lookup.html")


@page(looks_up)
def lookup(request):
    return _lookup(request, "web/grid/lookup.html")


"""The grid worker's mobile pages: my tasks, my grid on a map, patrol report
(creates a case), household visit, look-up with masked personal data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
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
        "grid": grid, "outlines": mapdata.outlines(mapdata.community_prefix(grid)), "map_focus": grid.code,
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
    return render(request, "web/grid/patrol.html", {
        "form": form, "outlines": mapdata.outlines(mapdata.community_prefix(grid)), "map_focus": grid.code})


def _household_to_visit(request, grid):
    """The household the visit is for: posted back by the form, or named by the link that opened it
    (``?person=`` from the list of visits due or the look-up, ``?household=``); None if it is not a
    household of the worker's grid."""
    source = request.POST if request.method == "POST" else request.GET
    households = registry_selectors.households(request.user).filter(grid=grid)
    for key, lookup in (("household", "pk"), ("person", "members__person_id")):
        value = source.get(key) or request.GET.get(key, "")
        if value:
            return households.filter(**{lookup: value}).first() if value.isdigit() else None
    return None


@page(is_grid_worker)
def visit(request):
    grid = request.user.region
    household = _household_to_visit(request, grid)
    if household is None:
        messages.info(request, _("Choose the household from the visits due, or find it with the look-up."))
        return redirect(reverse("grid_tasks") + "#visits-due")
    form = VisitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            registry_services.record_visit(actor=request.user, **form.service_values())
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The visit to %(household)s was recorded.") % {
                "household": household.dwelling or household})
            return redirect("grid_tasks")
    members = household.members.select_related("person").order_by("id")
    return render(request, "web/grid/visit.html", {"form": form, "grid": grid, "household": household,
                                                   "members": members})


def _lookup(request, template, *, visits=False):
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
    return render(request, template, {"form": form, "persons": persons, "dwellings": dwellings, "visits": visits})


@page(is_grid_worker)
def grid_lookup(request):
    return _lookup(request, "web/grid/lookup.html", visits=True)


@page(looks_up)
def lookup(request):
    return _lookup(request, "web/grid/lookup.html")


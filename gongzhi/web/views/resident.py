"""The resident's pages (H5): report a problem, follow my requests, rate the reply."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.cases import deadlines as case_deadlines
from gongzhi.cases import duplicates, machine, selectors, services
from gongzhi.cases.errors import CaseConflict
from gongzhi.cases.models import Case, Channel
from gongzhi.noticeboard import selectors as notice_selectors
from gongzhi.core import files

from .. import mapdata, timeline
from ..access import page
from ..forms import apply_service_error
from ..forms.rating import RateForm, WithdrawForm
from ..forms.reporting import ResidentReportForm
from ..navigation import is_resident

MY_CASES_MAX = 1000
HOME_NOTICES = 3
# Where the intake service names a location problem, the form shows it at the place fields.
LOCATION_ALIASES = {"lon": "region", "lat": "region", "location": "region", "crs": "region", "file": "photos"}


def submit_report(request, form, *, channel: str, extra: dict | None = None):
    """Create the case and attach its photos in one transaction; the new case, or None with errors on the form."""
    try:
        with files.atomic():  # photos stored here are deleted again if this rolls back
            case = services.create_case(actor=request.user, channel=channel, **form.service_values(),
                                        **(extra or {}))
            for photo in form.cleaned_data.get("photos") or []:
                services.add_attachment(case=case, actor=request.user, content=photo, name=photo.name)
    except ValidationError as exc:
        apply_service_error(form, exc, LOCATION_ALIASES)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None
    return case


def already_reported(request, form) -> list | None:
    """Open cases like the one about to be filed (已有人反映), or None with the place's error on the form."""
    values = form.service_values()
    try:
        return duplicates.already_reported(title=values["title"], description=values["description"],
                                           lon=values["lon"], lat=values["lat"], region=values["region"],
                                           exclude_reporter=request.user)
    except ValidationError as exc:
        apply_service_error(form, exc, LOCATION_ALIASES)
        return None


@page(is_resident)
def report(request):
    """Report a problem. Before filing, open cases like it nearby are shown ("already reported"): the
    resident adds their voice to one (附议) or sends theirs anyway (``file_anyway``)."""
    form = ResidentReportForm(request.POST or None, request.FILES or None)
    reported = []
    if request.method == "POST" and form.is_valid():
        reported = [] if request.POST.get("file_anyway") else already_reported(request, form)
        if reported == []:
            case = submit_report(request, form, channel=Channel.WEB,
                                 extra={"is_anonymous": form.cleaned_data.get("is_anonymous", False)})
            if case is not None:
                messages.success(request, _("Thank you. Your request was received as %(number)s.") % {"number": case.number})
                return redirect("resident_case", case_id=case.pk)
    return render(request, "web/resident/report.html", {
        "form": form, "outlines": mapdata.outlines(), "map_focus": mapdata.focus(request.user), "reported": reported or [],
        "had_photos": bool(request.FILES)})


@page(is_resident)
def support(request):
    """Add my voice (附议) to a case shown as already reported, instead of filing it again."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        supporter = services.support_case(case=request.POST.get("case", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you. Your voice was added to request %(number)s; %(n)d people have "
                                    "reported it so far.") % {"number": supporter.case.number,
                                                              "n": supporter.case.supporter_count + 1})
    return redirect("resident_cases")


@page(is_resident)
def my_cases(request):
    # The ids first, through the reporter index (a resident has few requests); ordering the
    # whole table by date to find them would scan every case.
    ids = list(selectors.visible_cases(request.user).filter(reporter=request.user).order_by()
               .values_list("pk", flat=True)[:MY_CASES_MAX])
    cases = Case.objects.filter(pk__in=ids).select_related("category", "lead_unit").order_by("-created_at", "-id")
    page_obj = Paginator(cases, 20).get_page(request.GET.get("page"))
    notices = list(notice_selectors.for_residents(request.user)[:HOME_NOTICES])
    return render(request, "web/resident/cases.html", {"page": page_obj, "notices": notices,
                                                       "supported": duplicates.supported_by(request.user)})


def _own_case(request, case_id):
    case = selectors.case_for(request.user, case_id)
    if case is None or case.reporter_id != request.user.pk:
        raise Http404
    return case


@page(is_resident)
def case_detail(request, case_id):
    case = _own_case(request, case_id)
    rate_form = withdraw_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        form_class, service = {"rate": (RateForm, services.record_callback),
                               "withdraw": (WithdrawForm, services.cancel_case)}.get(action, (None, None))
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        if form.is_valid():
            values = form.service_values() if action == "rate" else {"reason": form.cleaned_data["reason"]}
            try:
                service(case=case, actor=request.user, expected_version=_version(request), **values)
            except ValidationError as exc:
                apply_service_error(form, exc)
            except (CaseConflict, PermissionDenied) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you for your rating.") if action == "rate"
                                 else _("Your request was withdrawn."))
                return redirect("resident_case", case_id=case.pk)
        if action == "rate":
            rate_form = form
        else:
            withdraw_form = form
    if rate_form is None and machine.may(case, machine.Action.CALLBACK, request.user):
        rate_form = RateForm()
    if withdraw_form is None and machine.may(case, machine.Action.CANCEL, request.user):
        withdraw_form = WithdrawForm()
    return render(request, "web/resident/case.html", {
        "case": case, "steps": timeline.steps(case, for_resident=True), "stages": timeline.stages(case),
        "expected_reply": case_deadlines.expected_reply(case),
        "expected_is_estimate": case.state in case_deadlines.WAITING_FOR_DISPATCH,
        "attachments": case.attachments.all(), "rate_form": rate_form, "withdraw_form": withdraw_form,
        "callbacks": case.callbacks.all(),
    })


def _version(request):
    try:
        return int(request.POST.get("version"))
    except (TypeError, ValueError):
        return None

"""The desk (受理台): registering a call or a visit, the caller's earlier cases, a unit's reply
templates, the printable work order and the case list as a file.

Thin over the services: :func:`~gongzhi.cases.services.hotline.register_desk_case`,
:func:`~gongzhi.cases.services.contacts.look_up_caller` (the blind index; the number is
never searched in clear), :mod:`gongzhi.cases.services.reply_templates` and
:func:`gongzhi.cases.exporting.export_cases`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases import exporting, selectors
from gongzhi.cases.services.contacts import contact_of, look_up_caller
from gongzhi.cases.services.hotline import register_desk_case
from gongzhi.cases.services.reply_templates import save_reply_template
from gongzhi.core import exports

from .. import boards, mapdata, names
from ..access import page
from ..forms import apply_service_error
from ..forms.desk import DeskForm, ReplyTemplateForm
from ..forms.filters import CaseFilterForm
from ..forms.saved_views import filters_of
from ..navigation import keeps_reply_templates, sees_cases, takes_calls
from .resident import LOCATION_ALIASES

DESCRIPTION_PRINTED = 700  # what fits on one printed page with everything else


def _area_prefix(user) -> str:
    return user.region.prefix if getattr(user, "region_id", None) else ""


@page(takes_calls)
def desk(request):
    prefix = _area_prefix(request.user)
    earlier, looked_up, lookup_error = [], False, ""
    if request.method == "POST" and "find" in request.POST:
        # Looking up needs only the phone: the rest of the form is kept as typed, not checked yet.
        form = DeskForm(initial=request.POST.dict(), region_prefix=prefix)
        try:
            earlier = look_up_caller(actor=request.user, phone=request.POST.get("caller_phone", ""))
            looked_up = True
        except ValidationError as exc:
            lookup_error = " ".join(exc.messages)
        except PermissionDenied as exc:
            lookup_error = str(exc)
    else:
        form = DeskForm(request.POST or None, region_prefix=prefix)
        if request.method == "POST" and form.is_valid():
            try:
                case = register_desk_case(actor=request.user, **form.service_values())
            except ValidationError as exc:
                apply_service_error(form, exc, LOCATION_ALIASES)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Registered as work order %(number)s: read it out to the caller.")
                                 % {"number": case.number})
                return redirect("console_case", case_id=case.pk)
    return render(request, "web/console/desk.html", {
        "form": form, "earlier": earlier, "looked_up": looked_up, "lookup_error": lookup_error,
        "outlines": mapdata.outlines(prefix), "map_focus": mapdata.focus(request.user), "now": timezone.now()})


@page(keeps_reply_templates)
def reply_templates(request):
    """The unit's templates; ``?edit=<id>`` opens one to change, a POST saves (new or changed)."""
    editing = None
    if request.GET.get("edit") or request.POST.get("template"):
        editing = selectors.reply_template_for(request.user, request.POST.get("template") or request.GET.get("edit"))
        if editing is None:
            raise Http404
    initial = ({"category": editing.category.code, "name": editing.name, "text": editing.text,
                "is_active": editing.is_active} if editing else None)
    form = ReplyTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_reply_template(actor=request.user, category=data["category"], name=data["name"],
                                        text=data["text"], is_active=data["is_active"], template=editing)
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reply template “%(name)s” was saved.") % {"name": saved.name})
            return redirect("console_reply_templates")
    return render(request, "web/console/reply_templates.html", {
        "form": form, "editing": editing, "templates": selectors.reply_templates(request.user)})


@page(sees_cases)
def case_print(request, case_id):
    """The work order on one printed page (print stylesheet): what a unit or a visitor takes away."""
    case = selectors.case_for(request.user, case_id)
    if case is None:
        raise Http404
    description = case.description
    cut = len(description) > DESCRIPTION_PRINTED
    place = names.place_of(case) or "—"  # a place by name, never its division code
    return render(request, "web/console/case_print.html", {
        "case": case, "description": description[:DESCRIPTION_PRINTED] + ("…" if cut else ""), "cut": cut,
        "caller": contact_of(case), "place": place, "printed_at": timezone.now(),
        "show_reporter": selectors.reporter_visible(case, request.user)})


@page(sees_cases)
def case_export(request, fmt):
    """The case list with the filters it has now (its query string), as XLSX or CSV, masked and audited."""
    form = CaseFilterForm(request.GET or None, user=request.user)
    back = redirect(f"{reverse('console_cases')}?{request.GET.urlencode()}")
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        return back
    now = timezone.now()
    try:
        queryset = selectors.list_cases(request.user, form.case_filters() if form.is_bound
                                        else selectors.CaseFilters(), now=now)
        if form.is_bound and form.cleaned_data.get("due"):
            queryset = boards.due_filter(queryset, form.cleaned_data["due"], now)
        content, _count = exporting.export_cases(actor=request.user, queryset=queryset, fmt=fmt,
                                                 filters=filters_of(request.GET))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    return exports.attachment(content, exporting.filename(fmt))

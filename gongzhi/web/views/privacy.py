"""Personal-data protection pages: for data administrators (``privacy.manage``) retention rules and sweeps and
the data-subject requests (list with deadlines, register, detail with what is held, erasure, answer); for a
resident, filing a request about their own data and reading its answer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core import crypto
from gongzhi.privacy import export_log as privacy_export_log
from gongzhi.privacy import retention_services, services

from ..access import page
from ..forms.privacy import AnswerForm, FileRequestForm, RegisterRequestForm, RequestSearchForm
from ..navigation import is_resident, manages_personal_data

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


# --- data-subject requests (PIPL) -------------------------------------------------------------------


def _service_errors(form, exc):
    from ..forms import apply_service_error

    apply_service_error(form, exc)


@page(manages_personal_data)
def requests(request):
    search = RequestSearchForm(request.GET or None)
    q = state = ""
    if search.is_valid():
        q, state = search.cleaned_data["q"], search.cleaned_data["state"]
    rows = services.list_requests(actor=request.user, state=state, q=q)
    found = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", q), ("state", state)) if v})
    return render(request, "web/privacy/requests.html", {"page": found, "search": search, "query": query,
                                                         "filtered": bool(q or state)})


@page(manages_personal_data)
def request_new(request):
    form = RegisterRequestForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.open_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Request #%(id)s was registered.") % {"id": made.pk})
            return redirect("privacy_request", made.pk)
    return render(request, "web/privacy/request_new.html", {"form": form})


@page(manages_personal_data)
def request_detail(request, subject_request_id):
    found = services.request_for(actor=request.user, pk=subject_request_id)
    if found is None:
        raise Http404
    held = None
    form = AnswerForm(request.POST if request.POST.get("action") == "answer" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "held":
                held = services.held_data(actor=request.user, request=found)
            elif action == "erase":
                services.erase_for_request(actor=request.user, request=found)
                messages.success(request, _("The person's data was erased where the law allows; see below."))
                return redirect("privacy_request", found.pk)
            elif action == "answer" and form.is_valid():
                services.answer_request(actor=request.user, request=found, answer=form.cleaned_data["answer"],
                                        refused=form.cleaned_data["refused"])
                messages.success(request, _("The answer was recorded."))
                return redirect("privacy_request", found.pk)
        except ValidationError as exc:
            if action == "answer":
                _service_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return render(request, "web/privacy/request_detail.html", {
        "req": found, "held": held, "form": form,
        "id_number": crypto.mask_id_number(found.subject_id_number), "phone": crypto.mask_phone(found.subject_phone)})


@page(is_resident)
def resident_requests(request):
    form = FileRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.file_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Your request was received; the answer is due by %(day)s.")
                             % {"day": made.due_on.isoformat()})
            return redirect("resident_privacy")
    mine = Paginator(services.my_requests(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/privacy/mine.html", {"page": mine, "form": form,
                                                     "days": settings.PRIVACY_REQUEST_WORKING_DAYS})


@page(manages_personal_data)
def export_log(request):
    """Who exported what, when and why (every watermarked file), newest first, searchable."""
    q = (request.GET.get("q") or "").strip()[:100]
    found = Paginator(privacy_export_log.export_log(actor=request.user, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "web/privacy/exports.html", {"page": found, "q": q,
                                                        "query": urlencode({"q": q}) if q else ""})

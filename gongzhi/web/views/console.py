"""The staff console: work queue, case list with filters and search, bulk
dispatch, case detail with its action forms, deadline board."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.cases import deadlines as case_deadlines
from gongzhi.cases import duplicates, machine, selectors, services
from gongzhi.cases.errors import CaseConflict, ConflictError
from gongzhi.cases.models import OPEN_STATES, AttachmentPurpose, CaseState
from gongzhi.cases.services.supervision import callback_attempts
from gongzhi.cases.routing import route, suggestion_for
from gongzhi.core import files

from .. import boards, contact, mapdata, timeline
from ..access import page
from ..forms import apply_service_error
from ..forms.actions import ACTIONS, is_redispatch, units_serving
from ..forms.filters import CaseFilterForm
from ..forms.saved_views import SavedViewForm, filters_of, query_of
from ..navigation import handles_cases, sees_cases, sees_deadlines

A = machine.Action
PAGE_SIZE = 25
QUEUE_LIMIT = 20
MAX_PAGE = 100_000  # beyond it a page is past the end of any list


def page_number(raw) -> int:
    """The page asked for in the query string; 1 when it is not a page number."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@page(handles_cases)
def queue(request):
    now = timezone.now()
    sections = boards.work_queue(request.user, limit=QUEUE_LIMIT, now=now)
    more = {}
    for name, cases in sections.items():
        more[name] = len(cases) > QUEUE_LIMIT
        sections[name] = cases[:QUEUE_LIMIT]
    bulk_units = []
    if sections.get("to_dispatch"):
        first = sections["to_dispatch"][0]
        bulk_units = [(u.code, u.name) for u in units_serving(first)]
    return render(request, "web/console/queue.html", {
        "sections": sections, "more": more, "now": now, "bulk_units": bulk_units,
        "unit_code": request.user.unit.code if request.user.unit_id else "",
        "supervisions": selectors.supervisions_for(request.user, limit=QUEUE_LIMIT),
    })


def _save_view(request, form):
    """POST to the list's own URL: save its filters (the query string) as a view; the form, or a redirect."""
    save_form = SavedViewForm(request.POST, prefix="view")
    if form.is_bound and not form.is_valid():
        save_form.add_error(None, _("Correct the filters before saving them as a view."))
    elif save_form.is_valid():
        try:
            view = services.save_view(actor=request.user, name=save_form.cleaned_data["name"],
                                      filters=filters_of(request.GET), shared=save_form.cleaned_data["shared"])
        except ValidationError as exc:
            apply_service_error(save_form, exc)
        except PermissionDenied as exc:
            save_form.add_error(None, str(exc))
        else:
            messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
            return None
    return save_form


@page(sees_cases)
def case_list(request):
    form = CaseFilterForm(request.GET or None, user=request.user)
    save_form = SavedViewForm(prefix="view")
    if request.method == "POST":
        save_form = _save_view(request, form)
        if save_form is None:
            return redirect(request.get_full_path())
    result, now = None, timezone.now()
    if not form.is_bound or form.is_valid():
        filters = form.case_filters() if form.is_bound else selectors.CaseFilters()
        due = form.cleaned_data.get("due") if form.is_bound else None
        try:
            result = selectors.case_page(
                request.user, filters, number=page_number(request.GET.get("page")), size=PAGE_SIZE, now=now,
                narrow=(lambda queryset: boards.due_filter(queryset, due, now)) if due else None)
        except ValidationError as exc:
            apply_service_error(form, exc)
    query = request.GET.copy()
    query.pop("page", None)
    current = filters_of(request.GET)
    views = [{"view": v, "query": query_of(v), "current": v.filters == current}
             for v in selectors.saved_views(request.user)]
    return render(request, "web/console/cases.html", {
        "form": form, "result": result, "now": now, "query": query.urlencode(), "save_form": save_form,
        "views": views, "has_filters": bool(current),
    })


@page(handles_cases)
def bulk_dispatch(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    unit = request.POST.get("unit") or None
    done, failed = [], []
    for raw in request.POST.getlist("case")[:200]:
        case = selectors.case_for(request.user, raw)
        if case is None:
            failed.append(_("#%(id)s: not found in your area") % {"id": raw})
            continue
        try:
            services.dispatch_case(case=case, actor=request.user, unit=unit)
        except ValidationError as exc:
            failed.append(f"#{case.pk}: " + " ".join(exc.messages))
        except (PermissionDenied, CaseConflict) as exc:
            failed.append(f"#{case.pk}: {exc}")
        else:
            done.append(case)
    if done:
        messages.success(request, _("Dispatched %(n)d cases: %(ids)s.") % {
            "n": len(done), "ids": "; ".join(f"#{c.pk} " + confirmation(c, A.DISPATCH) for c in done)})
    if failed:
        messages.error(request, _("Not dispatched: %(list)s") % {"list": "; ".join(failed)})
    if not done and not failed:
        messages.error(request, _("Choose at least one case to dispatch."))
    return redirect("console_queue")


def available_actions(case, user) -> list[str]:
    """Actions of the machine's table this user may do to this case now, that have a form."""
    actions = [a for a in machine.allowed_actions(case.state) if a in ACTIONS and machine.may(case, a, user)]
    if A.ANSWER in actions and not case.category.is_consultation:
        actions.remove(A.ANSWER)
    return actions


def _posted_version(request):
    try:
        return int(request.POST.get("version"))
    except (TypeError, ValueError):
        return None


def run_action(request, case, action, form):
    """Call the action's service; True when done, else the refusal is on the form."""
    spec = ACTIONS[action]
    posted = _posted_version(request)
    try:
        if posted is not None and posted != case.version:
            raise ConflictError(case_id=case.pk, expected=posted, current=case.version)
        with files.atomic():  # photos stored here are deleted again if this rolls back
            photos = form.cleaned_data.get("photos") or []
            purpose = AttachmentPurpose.REPLY if action == A.REPLY else AttachmentPurpose.REPORT
            for photo in photos:
                services.add_attachment(case=case, actor=request.user, content=photo, name=photo.name,
                                        purpose=purpose)
            if action != A.ATTACH:
                spec.service(case=case, actor=request.user, **form.service_values())
    except ValidationError as exc:
        apply_service_error(form, exc, {"file": "photos", "units": "units", "parent": "parent"})
    except (CaseConflict, PermissionDenied) as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


def _short(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else "—"


def confirmation(case, action) -> str:
    """What the page says after an action: for a dispatch, the unit and both deadlines."""
    if action in (A.DISPATCH, A.DECIDE):
        return _("Dispatched to %(unit)s, response due %(response)s, resolution due %(resolution)s.") % {
            "unit": case.lead_unit.name, "response": _short(case.response_due),
            "resolution": _short(case.resolution_due)}
    return _("Done: %(action)s.") % {"action": A(action).label}


def action_names(case, action) -> tuple[str, str]:
    """The heading and button of an action's form; dispatching a dispatched case is a re-dispatch (改派)."""
    if action == A.DISPATCH and is_redispatch(case):
        return _("Re-dispatch"), _("Re-dispatch")
    return A(action).label, ACTIONS[action].button


def _mediation_link(user, case) -> dict | None:
    """The dispute a case became (矛盾纠纷), or the way to refer it to mediation while it may be."""
    from gongzhi.mediation import selectors as mediation_selectors
    from gongzhi.mediation.models import Dispute

    from ..navigation import registers_disputes, sees_mediation

    if not sees_mediation(user):
        return None
    dispute_id = Dispute.objects.filter(case=case).values_list("pk", flat=True).first()
    if dispute_id is not None:
        found = mediation_selectors.dispute_for(user, dispute_id)
        return {"dispute": found, "url": reverse("mediation_dispute", args=[found.pk])} if found else None
    if registers_disputes(user) and case.state in (CaseState.RECEIVED, CaseState.IN_PROGRESS):
        return {"dispute": None, "url": reverse("mediation_new") + f"?case={case.pk}"}
    return None


def case_page(request, case_id, template="web/console/case.html", back="console_cases"):
    case = selectors.case_for(request.user, case_id)
    if case is None:
        raise Http404
    actions = available_actions(case, request.user)
    caller = contact.panel(request, case)
    bound_action, bound_form = None, None
    if request.method == "POST" and not contact.is_reveal(request):
        bound_action = request.POST.get("action")
        if bound_action not in actions:
            messages.error(request, _("This action is not possible for you on this case now."))
            return redirect(request.path)
        bound_form = ACTIONS[bound_action].form(request.POST, request.FILES, case=case, prefix=bound_action)
        if bound_form.is_valid() and run_action(request, case, bound_action, bound_form):
            messages.success(request, confirmation(case, bound_action))
            return redirect(request.path)
    forms = []
    for action in actions:
        form = bound_form if action == bound_action else ACTIONS[action].form(case=case, prefix=action)
        label, button = action_names(case, action)
        forms.append({"action": action, "label": label, "button": button, "form": form, "spec": ACTIONS[action],
                      "open": action == bound_action or (ACTIONS[action].primary and bound_action is None)})
    routing = suggestion = None
    if A.DISPATCH in actions or A.DECIDE in actions:
        routing, suggestion = route(case), suggestion_for(case)
    response = render(request, template, {
        "case": case, "forms": forms, "routing": routing, "suggestion": suggestion, "now": timezone.now(), "caller": caller,
        "overdue": selectors.is_overdue(case), "back": back,
        "steps": timeline.steps(case, for_resident=False, viewer=request.user),
        "attachments": case.attachments.all(), "show_reporter": selectors.reporter_visible(case, request.user),
        "assisting": case.assisting_units.all(), "whistles": case.whistles.prefetch_related("responses__unit"),
        "extensions": case.extension_requests.all(), "callbacks": case.callbacks.all(),
        "can_dispatch": can(request.user, "cases.dispatch"),
        "accept_suggestion": A.DISPATCH in actions and case.state != CaseState.DISPATCHED,
        "supervisions": selectors.supervisions_of(case),
        "dispatch_due": case_deadlines.dispatch_due(case) if case.state == CaseState.RECEIVED else None,
        "callback_due": case_deadlines.callback_due(case) if case.state == CaseState.REPLIED else None,
        "callback_attempts": callback_attempts(case) if case.state == CaseState.REPLIED else 0,
        "calendar_unscheduled": selectors.has_unscheduled_deadline(case),
        "place": mapdata.case_place(case),
        "similar": duplicates.similar_for(request.user, case) if case.state in OPEN_STATES else None,
        "can_merge": A.MERGE in actions,
        "mediation": _mediation_link(request.user, case),
    })
    if caller and caller["revealed"]:
        add_never_cache_headers(response)  # the phone in clear: this answer only
    return response


@page(sees_cases)
def case_detail(request, case_id):
    return case_page(request, case_id)


@page(sees_deadlines)
def deadlines(request):
    now = timezone.now()
    rows = boards.deadline_board(request.user, now)
    totals = {k: sum(r[k] for r in rows) for k in ("overdue", "today", "week", "total")}
    return render(request, "web/console/deadlines.html", {"rows": rows, "totals": totals, "now": now})

"""Dispute mediation (矛盾纠纷多元化解) in the console: the disputes of one's area and committee (the
mediator's own and what is due first), registering one with its parties (from the registry, or entered
and protected), the dispute's page with every action of ``mediation.machine`` the user may take now,
the agreement's PDF, screening reports with the list of missing ones, and early warnings.

Thin: the services and selectors of ``gongzhi.mediation`` do the work and the checks (the same ones
the API calls); their refusals are shown as messages, nothing changed. The templates live with the
app (``mediation/templates/mediation/``), their strings in its catalogue; so do the messages
(``gongzhi.mediation.texts``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from gongzhi.accounts.roles import can
from gongzhi.audit.reveal import RevealRefused
from gongzhi.cases.errors import CaseConflict
from gongzhi.core import crypto
from gongzhi.mediation import documents, machine, selectors, services, texts
from gongzhi.mediation.models import (
    Action,
    Agreement,
    AgreementForm,
    ConfirmationStatus,
    DisputeState,
    EarlyWarning,
    PartyKind,
    PartyRole,
    Performance,
    RiskLevel,
    Routes,
    Sign,
    Source,
)
from gongzhi.regions.models import Region

from ..access import page
from ..navigation import registers_disputes, sees_mediation

PAGE_SIZE = 20
PARTY_ROWS = 3  # rows of the party form at first; "another party" adds one
PARTY_ROWS_MAX = 12
PARTY_FIELDS = ("role", "kind", "pick", "q", "name", "id_number", "phone", "address")
REGISTRY_MATCHES = 10


def _refused(request, exc) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    elif isinstance(exc, CaseConflict):
        messages.error(request, exc.message)
    else:
        messages.error(request, str(exc) or texts.not_allowed())


def _run(request, action, success: str = "") -> bool:
    """Call ``action()``; show its refusal as a message. True when it went through."""
    try:
        action()
    except (ValidationError, PermissionDenied, CaseConflict) as exc:
        _refused(request, exc)
        return False
    if success:
        messages.success(request, success)
    return True


def _render(request, template: str, context: dict, status: int = 200):
    """Every mediation page shows the same sub-menu; registering is offered to those who may."""
    return render(request, template, {"registers": registers_disputes(request.user), **context}, status=status)


def _query(**values) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v})


# --- the list: the mediator's home --------------------------------------------------------------------


@page(sees_mediation)
def disputes(request):
    user = request.user
    filters = {name: request.GET.get(name, "")[:100] for name in ("q", "state", "type", "risk")}
    open_only = request.GET.get("open") == "1"
    found = selectors.disputes(user, q=filters["q"], state=filters["state"], dispute_type=filters["type"],
                               risk_level=filters["risk"], open_only=open_only)
    listing = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    mediates = can(user, "mediation.mediate")
    return _render(request, "mediation/disputes.html", {
        "page": listing, **filters, "open_only": open_only, "states": DisputeState.choices,
        "types": selectors.dispute_types(), "risks": RiskLevel.choices,
        "filtered": any(filters.values()) or open_only,
        "query": _query(**filters, open="1" if open_only else ""),
        "mine": list(selectors.my_disputes(user)[:50]) if mediates else [],
        "follow_ups": list(selectors.due_follow_ups(user)[:20]) if mediates else [],
        "confirmations": list(selectors.due_confirmations(user)[:20]) if mediates else [],
        "counts": selectors.open_counts(user), "mediates": mediates,
        "registers": registers_disputes(user), "now": timezone.now()})


# --- registering ---------------------------------------------------------------------------------------


def _party_rows(post) -> int:
    try:
        rows = int(post.get("rows") or PARTY_ROWS)
    except ValueError:
        rows = PARTY_ROWS
    return min(max(rows, 2), PARTY_ROWS_MAX)


def _posted_parties(post, rows: int) -> list[dict]:
    return [{name: post.get(f"parties-{i}-{name}", "")[:200] for name in PARTY_FIELDS} for i in range(rows)]


def _as_party(row: dict) -> dict | None:
    """The service's party dict of a form row (``None`` for an empty row)."""
    pick = row.get("pick", "")
    base = {"role": row["role"], "kind": row["kind"] or PartyKind.PERSON}
    if pick.startswith("person:"):
        return {**base, "kind": PartyKind.PERSON, "person_id": pick.split(":", 1)[1]}
    if pick.startswith("organisation:"):
        return {**base, "kind": PartyKind.ORGANISATION, "organisation_id": pick.split(":", 1)[1]}
    if not any(row.get(name) for name in ("name", "id_number", "phone", "address")):
        return None
    return {**base, **{name: row[name] for name in ("name", "id_number", "phone", "address")}}


def _registry_matches(user, row: dict) -> list[dict]:
    """Persons or organisations of the registry of the user's area matching what was typed (masked)."""
    from gongzhi.registry import selectors as registry

    q = row.get("q", "").strip()
    if row.get("kind") == PartyKind.ORGANISATION:
        return [{"value": f"organisation:{o.pk}", "label": f"{o.name} · {o.grid.name}"}
                for o in registry.organisations(user, q=q).order_by("name", "id")[:REGISTRY_MATCHES]]
    return [{"value": f"person:{p.pk}",
             "label": " · ".join(x for x in (crypto.mask_name(p.name), p.id_number_masked, p.grid.name) if x)}
            for p in registry.search_persons(user, q=q)[:REGISTRY_MATCHES]]


def _picked_label(user, pick: str) -> str:
    """What a kept registry choice shows when the form is shown again."""
    from gongzhi.core.scoping import scope_queryset
    from gongzhi.registry.models import Organisation, Person

    kind, _sep, pk = pick.partition(":")
    if not pk.isdigit():
        return ""
    if kind == "person":
        person = scope_queryset(Person.objects.select_related("grid"), user).filter(pk=pk).first()
        return f"{crypto.mask_name(person.name)} · {person.id_number_masked}" if person else ""
    organisation = scope_queryset(Organisation.objects.all(), user).filter(pk=pk).first()
    return organisation.name if organisation else ""


def _case_of(user, case_id):
    if not str(case_id or "").isdigit():
        return None
    from gongzhi.cases.selectors import case_for

    return case_for(user, case_id)


@page(registers_disputes)
def new(request):
    user = request.user
    post = request.POST if request.method == "POST" else {}
    case = _case_of(user, post.get("case") if post else request.GET.get("case"))
    rows = _party_rows(post)
    parties = _posted_parties(post, rows) if post else [
        {**dict.fromkeys(PARTY_FIELDS, ""), "role": role} for role in (PartyRole.APPLICANT, PartyRole.RESPONDENT,
                                                                       "")][:rows]
    values = {name: post.get(name, "")[:10000] for name in (
        "dispute_type", "title", "facts", "claims", "amount", "grid", "place", "risk_level", "risk_reasons",
        "source", "requested_mediator")} if post else {
        "title": case.title[:100] if case else "", "facts": case.description if case else "",
        "source": Source.CASE if case else Source.WALK_IN, "risk_level": RiskLevel.GENERAL}
    signs = post.getlist("signs") if post else []
    action = post.get("action", "") if post else ""
    status = 200
    if action.startswith("find-") and action[5:].isdigit() and int(action[5:]) < rows:
        row = parties[int(action[5:])]
        if not row["q"].strip():
            messages.info(request, texts.nothing_to_search())
        elif not can(user, "registry.view"):
            messages.error(request, texts.search_needs_registry())
        else:
            row["matches"] = _registry_matches(user, row)
            messages.info(request, texts.found_in_registry(len(row["matches"])))
    elif action == "more":
        rows = min(rows + 1, PARTY_ROWS_MAX)
        parties += [dict.fromkeys(PARTY_FIELDS, "")] * (rows - len(parties))
    elif action == "register":
        chosen = [p for p in (_as_party(row) for row in parties) if p is not None]
        made = {}

        def register():
            made["dispute"] = services.register_dispute(
                actor=user, dispute_type=values["dispute_type"], title=values["title"], facts=values["facts"],
                claims=values["claims"], amount=values["amount"] or None, grid=values["grid"] or None,
                place=values["place"], risk_level=values["risk_level"], risk_reasons=values["risk_reasons"],
                signs=signs, source=values["source"] or Source.WALK_IN, case=case,
                requested_mediator=values["requested_mediator"] or None, parties=chosen)
        if _run(request, register):
            dispute = made["dispute"]
            messages.success(request, texts.registered(dispute.number))
            return redirect("mediation_dispute", dispute_id=dispute.pk)
        status = 400
    for row in parties:
        if row.get("pick") and "matches" not in row:
            row["picked"] = _picked_label(user, row["pick"])
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role

    return _render(request, "mediation/new.html", {
        "case": case, "values": values, "signs": signs, "parties": parties, "rows": rows,
        "types": selectors.dispute_types(), "risks": RiskLevel.choices, "sign_choices": Sign.choices,
        "roles": PartyRole.choices, "kinds": PartyKind.choices,
        "sources": [(v, label) for v, label in Source.choices if v in (Source.WALK_IN, Source.SCREENING)],
        "places": selectors.screening_places(user).values("code", "name", "level")[:500],
        "mediators": User.objects.filter(role=Role.MEDIATOR, is_active=True).order_by("display_name", "id")[:200],
        "searches": can(user, "registry.view")}, status=status)


# --- one dispute ---------------------------------------------------------------------------------------


def _dispute(request, dispute_id):
    found = selectors.dispute_for(request.user, dispute_id)
    if found is None:
        raise Http404
    return found


def _when(value: str):
    parsed = parse_datetime((value or "").strip())
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _to_the_minute(held_at, dispute):
    """The form gives the time to the minute: a session in the minute the dispute was registered is not
    "before" it (the service refuses a session before registration)."""
    if held_at is not None and dispute.created_at - dt.timedelta(minutes=1) < held_at < dispute.created_at:
        return dispute.created_at
    return held_at


def _version(post) -> int | None:
    value = post.get("version", "")
    return int(value) if value.isdigit() else None


def _party_data(post) -> dict:
    row = {name: post.get(f"party-{name}", "")[:200] for name in PARTY_FIELDS}
    return _as_party(row) or {"role": row["role"], "kind": row["kind"]}


def _act(request, dispute, action: str) -> dict | None:
    """Do ``action`` with the posted values; returns what the page shows at once (a reveal), if anything."""
    user, post = request.user, request.POST
    version = _version(post)
    reason, note = post.get("reason", ""), post.get("note", "")
    saved = texts.saved()
    if action == "assign":
        _run(request, lambda: services.assign_dispute(
            actor=user, dispute=dispute, committee=post.get("committee"), mediators=post.getlist("mediators"),
            expected_version=version), saved)
    elif action == "escalate":
        _run(request, lambda: services.escalate_dispute(
            actor=user, dispute=dispute, committee=post.get("committee"), mediators=post.getlist("mediators"),
            reason=reason, expected_version=version), saved)
    elif action == "consent":
        _run(request, lambda: services.record_consent(
            actor=user, dispute=dispute, party=post.get("party"), consents=post.get("consents") == "1",
            expected_version=version), saved)
    elif action == "session":
        _run(request, lambda: services.record_session(
            actor=user, dispute=dispute, held_at=_to_the_minute(_when(post.get("held_at", "")), dispute),
            place=post.get("place", ""),
            attendees=post.get("attendees", ""), statements=post.get("statements", ""),
            proposal=post.get("proposal", ""), expected_version=version), saved)
    elif action == "agree":
        _run(request, lambda: services.record_agreement(
            actor=user, dispute=dispute, form=post.get("form", ""), facts=post.get("facts", ""),
            matters=post.get("matters", ""), responsibilities=post.get("responsibilities", ""),
            content=post.get("content", ""), performance_manner=post.get("performance_manner", ""),
            performance_due=post.get("performance_due", ""), effective_on=post.get("effective_on") or None,
            expected_version=version), saved)
    elif action == "fail":
        _run(request, lambda: services.record_failure(
            actor=user, dispute=dispute, reason=reason, routes_told=post.getlist("routes"),
            expected_version=version), saved)
    elif action == "withdraw":
        _run(request, lambda: services.withdraw_dispute(actor=user, dispute=dispute, reason=reason,
                                                        expected_version=version), saved)
    elif action == "warn":
        _run(request, lambda: services.raise_warning(actor=user, dispute=dispute, signs=post.getlist("signs"),
                                                     note=note), saved)
    elif action == "criminal":
        _run(request, lambda: services.mark_criminal(actor=user, dispute=dispute, note=note), saved)
    elif action == "add_party":
        _run(request, lambda: services.add_party(actor=user, dispute=dispute, data=_party_data(post),
                                                 expected_version=version), saved)
    elif action == "confirm":
        _run(request, lambda: services.apply_for_confirmation(
            actor=user, dispute=dispute, court=post.get("court", ""), applied_on=post.get("applied_on", ""),
            joint=post.get("joint") == "1"), saved)
    elif action == "confirmation_result":
        from gongzhi.mediation.models import JudicialConfirmation

        row = JudicialConfirmation.objects.filter(pk=post.get("confirmation") or 0 if str(
            post.get("confirmation", "")).isdigit() else 0, agreement__dispute=dispute).first()
        if row is None:
            messages.error(request, texts.no_such_confirmation())
        else:
            _run(request, lambda: services.record_confirmation_result(
                actor=user, confirmation=row, status=post.get("status", ""), decided_on=post.get("decided_on", ""),
                note=note), saved)
    elif action == "court_report":
        _run(request, lambda: services.report_to_court(actor=user, dispute=dispute,
                                                       reported_on=post.get("reported_on", "")), saved)
    elif action == "follow_up":
        _run(request, lambda: services.record_follow_up(
            actor=user, dispute=dispute, result=post.get("result", ""), checked_on=post.get("checked_on", ""),
            note=note), saved)
    elif action == "reveal":
        party = selectors.party_for(user, post.get("party"))
        if party is None or party.dispute_id != dispute.pk:
            messages.error(request, texts.no_such_party())
            return None
        try:
            return {"party": party.pk, **services.reveal_party(actor=user, party=party, reason=reason)}
        except (ValidationError, PermissionDenied, RevealRefused) as exc:
            _refused(request, exc)
    else:
        messages.error(request, texts.unknown_action())
    return None


ACTIONS = (Action.ASSIGN, Action.ESCALATE, Action.CONSENT, Action.SESSION, Action.AGREE, Action.FAIL,
           Action.WITHDRAW, Action.WARN, Action.CRIMINAL, Action.ADD_PARTY, Action.APPLY_CONFIRMATION,
           Action.CONFIRMATION_RESULT, Action.REFERRAL_RESULT, Action.FOLLOW_UP)


@page(sees_mediation)
def dispute(request, dispute_id):
    found = _dispute(request, dispute_id)
    user = request.user
    revealed = None
    if request.method == "POST":
        revealed = _act(request, found, request.POST.get("action", ""))
        if revealed is None:
            return redirect("mediation_dispute", dispute_id=found.pk)
        found = _dispute(request, dispute_id)
    may = {str(a): machine.may(found, a, user) for a in ACTIONS}
    found.sign_labels = sign_labels(found.signs)
    agreement = Agreement.objects.filter(dispute=found).first()
    committees = selectors.committees_for(found)
    place = found.grid or Region.objects.filter(code=found.region_code).first()
    return _render(request, "mediation/dispute.html", {
        "dispute": found, "may": may, "revealed": revealed, "place": place,
        "parties": selectors.parties(found), "events": selectors.events(found),
        "sessions": found.sessions.select_related("recorded_by").order_by("held_at", "id"),
        "warnings": [setattr(w, "sign_labels", sign_labels(w.signs)) or w for w in
                     found.warnings.prefetch_related("notices__unit").order_by("-raised_at", "-id")],
        "agreement": agreement,
        "confirmations": agreement.confirmations.order_by("-applied_on", "-id") if agreement else [],
        "follow_ups": agreement.follow_ups.order_by("-checked_on", "-id") if agreement else [],
        "referral": getattr(found, "court_referral", None) if hasattr(found, "court_referral") else None,
        "mediators": found.mediators.order_by("id"),
        "committees": committees,
        "candidates": [(c, list(selectors.all_mediators(c))) for c in committees],
        "higher": [c for c in committees if found.committee_id and c.rank > found.committee.rank],
        "same_tier": [c for c in committees if not found.committee_id or c.rank == found.committee.rank],
        "reveal": can(user, "mediation.reveal"), "sign_choices": Sign.choices, "routes": Routes.choices,
        "forms": AgreementForm.choices, "roles": PartyRole.choices, "kinds": PartyKind.choices,
        "results": [(v, label) for v, label in Performance.choices if v != Performance.PENDING],
        "statuses": [(v, label) for v, label in ConfirmationStatus.choices if v != ConfirmationStatus.APPLIED],
        "today": timezone.localdate(), "now": timezone.localtime(),
        "written": agreement is not None and agreement.form == AgreementForm.WRITTEN,
        # one application at a time: another only after the court did not confirm (the service's rule)
        "confirmation_pending": agreement is not None and agreement.confirmations.exclude(
            status=ConfirmationStatus.REJECTED).exists()})


@page(sees_mediation)
@require_POST
def agreement_pdf(request, dispute_id):
    """The written agreement as a PDF: a reveal of the parties' data, so it is asked with a reason."""
    found = _dispute(request, dispute_id)
    agreement = Agreement.objects.filter(dispute=found).first()
    if agreement is None:
        messages.error(request, texts.no_agreement())
        return redirect("mediation_dispute", dispute_id=found.pk)
    try:
        pdf = documents.agreement_pdf(actor=request.user, agreement=agreement, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied, RevealRefused) as exc:
        _refused(request, exc)
        return redirect("mediation_dispute", dispute_id=found.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{found.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- screening and early warnings ---------------------------------------------------------------------


def _period(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = timezone.localdate()
    return services.period_of(min(day, timezone.localdate()))


@page(sees_mediation)
def screening(request):
    user = request.user
    period = _period(request.POST.get("period", "") if request.method == "POST" else request.GET.get("period", ""))
    values = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "")[:10000] for k in ("region", "findings", "found_count")}
        values["is_zero"] = request.POST.get("is_zero") == "1"
        if _run(request, lambda: services.file_screening_report(
                actor=user, region=values["region"], period=period, is_zero=values["is_zero"],
                findings=values["findings"], found_count=values["found_count"] or 0), texts.saved()):
            return redirect(f"{request.path}?period={period.isoformat()}")
    reports = Paginator(selectors.screening_reports(user, period=period), PAGE_SIZE).get_page(request.GET.get("page"))
    previous = services.period_of(period - dt.timedelta(days=1))
    following = services.period_of(period + dt.timedelta(days=40 if period.day == 1 else 7))
    return _render(request, "mediation/screening.html", {
        "period": period, "page": reports, "missing": selectors.missing_reports(user, period),
        "places": selectors.screening_places(user).values("code", "name", "level")[:500], "values": values,
        "files": can(user, "mediation.screen"), "query": _query(period=period.isoformat()),
        "previous": previous, "following": following if following <= timezone.localdate() else None},
        status=400 if request.method == "POST" else 200)


@page(sees_mediation)
def warnings(request):
    from gongzhi.core.scoping import scope_queryset

    rows = scope_queryset(EarlyWarning.objects.select_related("dispute", "raised_by")
                          .prefetch_related("notices__unit"), request.user).order_by("-raised_at", "-id")
    listing = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in listing.object_list:
        row.sign_labels = sign_labels(row.signs)
    return _render(request, "mediation/warnings.html", {"page": listing, "query": ""})


def sign_labels(signs) -> str:
    labels = dict(Sign.choices)
    return "、".join(str(labels.get(s, s)) for s in signs or ())

"""The cases API at /api/v1/cases/: thin over the selectors and services.

Every write is ``POST /cases/{id}/<action>`` with an optional ``version`` (the
version the client saw). Errors: 404 for a case that does not exist or lies
outside the caller's area (indistinguishable on purpose), 403 for an action
the caller may not do, 409 (``code``: ``version_conflict`` or
``transition_not_allowed``) when the case has moved on or is in a state where
the action does not exist, 422 for invalid input, naming the field.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from gongzhi.accounts.actors import actor_of

from . import deadlines, machine, selectors, services
from .models import Attachment, AttachmentPurpose, Case, CaseState
from .routing import route
from .schemas import (
    AnswerIn,
    AttachmentOut,
    CallbackIn,
    CaseCreatedOut,
    CaseDetailOut,
    CaseFilterIn,
    CaseIn,
    CasePage,
    CategoryOut,
    DecideIn,
    DispatchIn,
    ErrorOut,
    ExtensionIn,
    AcknowledgeInstructionIn,
    MergeIn,
    MessageIn,
    NoteIn,
    ReasonIn,
    ReplyIn,
    RoutingOut,
    VerificationRequestIn,
    Versioned,
    VerifyIn,
    WhistleIn,
)
from .services.contacts import contact_of
from .services.reveal import may_reveal_contact

router = Router(tags=["cases"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- rendering -------------------------------------------------------------------

def _case_out(case: Case, now) -> dict:
    return {
        "id": case.pk, "number": case.number, "hotline_id": case.hotline_id, "title": case.title,
        "state": case.state, "state_label": str(case.get_state_display()),
        "channel": case.channel, "category": case.category.code, "category_name": case.category.name,
        "urgency": case.urgency, "region_code": case.region_code, "grid": case.grid.code if case.grid_id else None,
        "address": case.address, "lead_unit": case.lead_unit.code if case.lead_unit_id else None,
        "lead_unit_name": case.lead_unit.name if case.lead_unit_id else None, "created_at": case.created_at,
        "response_due": case.response_due, "resolution_due": case.resolution_due,
        "overdue": selectors.is_overdue(case, now), "version": case.version,
    }


def _action_label(action: str) -> str:
    try:
        return str(machine.Action(action).label)
    except ValueError:
        return action


def _detail(case: Case, actor) -> dict:
    case = Case.objects.select_related("category", "lead_unit", "grid", "reporter").get(pk=case.pk)
    now = timezone.now()
    show_reporter = selectors.reporter_visible(case, actor)
    events = []
    for event in selectors.timeline(case):
        who = event.actor_label
        if not show_reporter and event.actor_id is not None and event.actor_id == case.reporter_id:
            who = _("anonymous reporter")
        events.append({
            "id": event.pk, "at": event.at, "action": event.action, "action_label": _action_label(event.action),
            "from_state": event.from_state, "to_state": event.to_state, "actor": who,
            "unit": event.unit.code if event.unit_id else None, "reason": event.reason,
            "payload": {k: v for k, v in event.payload.items() if show_reporter or k != "reporter_id"},
        })
    whistles = []
    for whistle in case.whistles.prefetch_related("responses__unit"):
        whistles.append({
            "id": whistle.pk, "report_by": whistle.report_by, "note": whistle.note, "created_at": whistle.created_at,
            "responses": [{"unit": r.unit.code, "unit_name": r.unit.name, "reported_at": r.reported_at,
                           "late": (r.reported_at or now) > whistle.report_by, "note": r.note}
                          for r in whistle.responses.all()],
        })
    reporter = None
    if case.reporter_id and show_reporter:
        reporter = case.reporter.display_name or case.reporter.username
    contact = contact_of(case)  # masked; in clear only through POST .../contact/reveal
    if contact is not None:
        contact["may_reveal"] = may_reveal_contact(actor, case)
    return {
        **_case_out(case, now),
        "description": case.description, "lon": case.lon, "lat": case.lat, "crs": case.crs,
        "input_lon": case.input_lon, "input_lat": case.input_lat, "reporter": reporter,
        "is_anonymous": case.is_anonymous, "hotline_id": case.hotline_id, "contact": contact,
        "assisting_units": list(case.assisting_units.order_by("code").values_list("code", flat=True)),
        "is_binding": case.is_binding, "return_count": case.return_count, "reopen_count": case.reopen_count,
        "parent": case.parent_id, "reply": case.reply, "dispatched_at": case.dispatched_at,
        "acknowledged_at": case.acknowledged_at, "replied_at": case.replied_at, "closed_at": case.closed_at,
        "actions": [a for a in machine.allowed_actions(case.state) if machine.may(case, a, actor)],
        "timeline": events,
        "attachments": [_attachment_out(a) for a in case.attachments.all()],
        "whistles": whistles,
        "extensions": list(case.extension_requests.values(
            "id", "days", "reason", "state", "requested_at", "decided_at", "decision_reason", "old_due", "new_due")),
        "callbacks": list(case.callbacks.values("id", "solved", "satisfaction", "comment", "by_resident", "at")),
        "verifications": [
            {"id": v.pk, "kind": v.kind, "grid": v.grid.code, "requested_at": v.requested_at, "due_at": v.due_at,
             "request_note": v.request_note, "finding": v.finding, "note": v.note, "found_at": v.found_at,
             "lon": v.lon, "lat": v.lat, "photo": v.photo_id}
            for v in case.verifications.select_related("grid")],
        "supervisions": [supervision_out(row) for row in selectors.supervisions_of(case)],
        "dispatch_due": deadlines.dispatch_due(case) if case.state == CaseState.RECEIVED else None,
        "callback_due": deadlines.callback_due(case) if case.state == CaseState.REPLIED else None,
    }


def supervision_out(row) -> dict:
    return {
        "id": row.pk, "kind": row.kind, "kind_label": str(row.get_kind_display()), "unit": row.unit.code,
        "unit_name": row.unit.name, "message": row.message, "rule": row.rule, "due": row.due,
        "given_by": (row.given_by.display_name or row.given_by.username) if row.given_by_id else None,
        "given_at": row.given_at, "acknowledged_at": row.acknowledged_at, "acknowledgement": row.acknowledgement,
    }


def _attachment_out(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk, "purpose": attachment.purpose, "content_type": attachment.content_type,
        "size": attachment.size, "width": attachment.width, "height": attachment.height,
        "location_shared": attachment.location_shared, "created_at": attachment.created_at,
        "url": f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.pk}",
    }


def _visible(request, case_id: int):
    actor = actor_of(request)
    case = selectors.case_for(actor, case_id)
    if case is None:
        raise HttpError(404, _("Case #%(id)s does not exist or is outside your area.") % {"id": case_id})
    return actor, case


def _act(request, case_id: int, service, payload: Versioned, **values):
    actor, case = _visible(request, case_id)
    case = service(case=case, actor=actor, expected_version=payload.version, **values)
    return Status(200, _detail(case, actor))


# --- reads ---------------------------------------------------------------------

@router.get("/categories", response=list[CategoryOut], summary="The category tree (flat, parents first)")
def category_list(request):
    return [{
        "code": c.code, "name": c.name, "parent": c.parent.code if c.parent_id else None,
        "is_consultation": c.is_consultation, "default_unit_kind": c.default_unit_kind,
        "response_hours_urgent": c.response_hours_urgent, "response_hours_normal": c.response_hours_normal,
        "resolution_days_urgent": c.resolution_days_urgent, "resolution_days_normal": c.resolution_days_normal,
    } for c in selectors.categories()]


@router.get("/", response={200: CasePage, 422: ErrorOut}, summary="Cases in my area, filtered, newest first")
def case_list(request, filters: Query[CaseFilterIn]):
    actor = actor_of(request)
    qs = selectors.list_cases(actor, selectors.CaseFilters(
        state=filters.state, category=filters.category, region=filters.region, unit=filters.unit,
        created_from=filters.created_from, created_to=filters.created_to, overdue=filters.overdue, q=filters.q))
    start = (filters.page - 1) * filters.page_size
    now = timezone.now()
    return Status(200, {"count": qs.count(), "page": filters.page, "page_size": filters.page_size,
                        "items": [_case_out(c, now) for c in qs[start:start + filters.page_size]]})


@router.get("/{int:case_id}", response={200: CaseDetailOut, **ERRORS}, summary="One case with its timeline")
def case_detail(request, case_id: int):
    actor, case = _visible(request, case_id)
    return Status(200, _detail(case, actor))


@router.get("/{int:case_id}/routing", response={200: RoutingOut, **ERRORS},
            summary="Which unit the routing rules choose, and why")
def case_routing(request, case_id: int):
    actor, case = _visible(request, case_id)
    if not machine.may(case, machine.Action.DISPATCH, actor) and not machine.may(case, machine.Action.DECIDE, actor):
        raise HttpError(403, _("Only a dispatcher can see the routing of this case now."))
    return Status(200, route(case).as_dict())


@router.get("/{int:case_id}/attachments/{int:attachment_id}", response={**ERRORS}, summary="Download a photo")
def attachment_file(request, case_id: int, attachment_id: int):
    actor, case = _visible(request, case_id)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise HttpError(404, _("Attachment #%(id)s does not exist.") % {"id": attachment_id})
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


# --- writes --------------------------------------------------------------------

def _created(case: Case, actor) -> dict:
    """The answer to intake, from the case object just saved: nothing is read again.

    A new case has one event (its intake), no photos, no unit and no deadlines
    yet; its timeline and the actions the caller may do next are one GET away
    (``links.self``), which is where a client that needs them reads them.
    """
    reporter = None
    if case.reporter_id and selectors.reporter_visible(case, actor):
        reporter = case.reporter.display_name or case.reporter.username
    url = f"/api/v1/cases/{case.pk}"
    return {
        "id": case.pk, "number": case.number, "title": case.title, "state": case.state,
        "state_label": str(case.get_state_display()),
        "channel": case.channel, "category": case.category.code, "category_name": case.category.name,
        "urgency": case.urgency, "region_code": case.region_code,
        "grid": case.region_code if case.grid_id else None,  # a located case's region is its grid
        "address": case.address, "lead_unit": None, "lead_unit_name": None, "created_at": case.created_at,
        "response_due": case.response_due, "resolution_due": case.resolution_due,
        "overdue": selectors.is_overdue(case),
        "version": case.version, "description": case.description, "lon": case.lon, "lat": case.lat,
        "crs": case.crs, "input_lon": case.input_lon, "input_lat": case.input_lat, "reporter": reporter,
        "is_anonymous": case.is_anonymous, "hotline_id": case.hotline_id,
        "links": {"self": url, "attachments": f"{url}/attachments"},
    }


@router.post("/", response={201: CaseCreatedOut, **ERRORS}, summary="Report or register a case",
             description="Answers the case as stored (its number is `id`); its timeline, photos and the actions "
                         "you may do next are at `links.self`.")
def case_create(request, payload: CaseIn):
    actor = actor_of(request)
    case = services.create_case(
        actor=actor, channel=payload.channel, category=payload.category, title=payload.title,
        description=payload.description, urgency=payload.urgency, lon=payload.lon, lat=payload.lat,
        crs=payload.crs, region=payload.region, address=payload.address, is_anonymous=payload.is_anonymous,
        hotline_id=payload.hotline_id)
    return Status(201, _created(case, actor))


@router.post("/{int:case_id}/attachments", response={201: AttachmentOut, **ERRORS}, summary="Attach a photo")
def case_attach(request, case_id: int, file: File[UploadedFile], purpose: Form[str] = AttachmentPurpose.REPORT,
                share_location: Form[bool] = False):
    actor, case = _visible(request, case_id)
    attachment = services.add_attachment(case=case, actor=actor, content=file, name=file.name or "",
                                         purpose=purpose, share_location=share_location)
    return Status(201, _attachment_out(attachment))


@router.post("/{int:case_id}/answer", response={200: CaseDetailOut, **ERRORS},
             summary="Answer a consultation at intake and close it")
def case_answer(request, case_id: int, payload: AnswerIn):
    return _act(request, case_id, services.answer_consultation, payload, answer=payload.answer)


@router.post("/{int:case_id}/dispatch", response={200: CaseDetailOut, **ERRORS},
             summary="Dispatch to a lead unit (and assisting units); without a unit the routing rules choose")
def case_dispatch(request, case_id: int, payload: DispatchIn):
    return _act(request, case_id, services.dispatch_case, payload, unit=payload.unit,
                assisting_units=payload.assisting_units, reason=payload.reason)


@router.post("/{int:case_id}/decide", response={200: CaseDetailOut, **ERRORS},
             summary="Binding assignment by the subdistrict after too many returns")
def case_decide(request, case_id: int, payload: DecideIn):
    return _act(request, case_id, services.decide_case, payload, unit=payload.unit,
                assisting_units=payload.assisting_units, reason=payload.reason)


@router.post("/{int:case_id}/acknowledge", response={200: CaseDetailOut, **ERRORS},
             summary="The lead unit acknowledges (签收)")
def case_acknowledge(request, case_id: int, payload: Versioned):
    return _act(request, case_id, services.acknowledge_case, payload)


@router.post("/{int:case_id}/return", response={200: CaseDetailOut, **ERRORS},
             summary="The lead unit returns the case (退单), with a reason")
def case_return(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.return_case, payload, reason=payload.reason)


@router.post("/{int:case_id}/whistle", response={200: CaseDetailOut, **ERRORS},
             summary="Summon units to the case (街道吹哨)")
def case_whistle(request, case_id: int, payload: WhistleIn):
    return _act(request, case_id, services.whistle_case, payload, units=payload.units, report_by=payload.report_by,
                report_within_hours=payload.report_within_hours, note=payload.note)


@router.post("/{int:case_id}/report-in", response={200: CaseDetailOut, **ERRORS},
             summary="A summoned unit reports in (报到)")
def case_report_in(request, case_id: int, payload: NoteIn):
    return _act(request, case_id, services.report_in, payload, note=payload.note)


@router.post("/{int:case_id}/request-verification", response={200: CaseDetailOut, **ERRORS},
             summary="Ask the grid worker of the case's grid to verify on site (核实 / 核查)")
def case_request_verification(request, case_id: int, payload: VerificationRequestIn):
    return _act(request, case_id, services.request_verification, payload, note=payload.note,
                within_hours=payload.within_hours)


@router.post("/{int:case_id}/verify", response={200: CaseDetailOut, **ERRORS},
             summary="The grid worker records the on-site finding")
def case_verify(request, case_id: int, payload: VerifyIn):
    return _act(request, case_id, services.verify_case, payload, finding=payload.finding, note=payload.note,
                lon=payload.lon, lat=payload.lat)


@router.post("/{int:case_id}/extension", response={200: CaseDetailOut, **ERRORS},
             summary="The lead unit requests more working days (延期)")
def case_request_extension(request, case_id: int, payload: ExtensionIn):
    return _act(request, case_id, services.request_extension, payload, days=payload.days, reason=payload.reason)


@router.post("/{int:case_id}/extension/approve", response={200: CaseDetailOut, **ERRORS},
             summary="Approve the pending extension request")
def case_approve_extension(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.approve_extension, payload, reason=payload.reason)


@router.post("/{int:case_id}/extension/refuse", response={200: CaseDetailOut, **ERRORS},
             summary="Refuse the pending extension request, with a reason")
def case_refuse_extension(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.refuse_extension, payload, reason=payload.reason)


@router.post("/{int:case_id}/reply", response={200: CaseDetailOut, **ERRORS},
             summary="The lead unit replies (办结 / 答复)")
def case_reply(request, case_id: int, payload: ReplyIn):
    return _act(request, case_id, services.reply_case, payload, content=payload.content)


@router.post("/{int:case_id}/callback", response={200: CaseDetailOut, **ERRORS},
             summary="Record the resident's verdict (回访); unsatisfied reopens the case")
def case_callback(request, case_id: int, payload: CallbackIn):
    return _act(request, case_id, services.record_callback, payload, solved=payload.solved,
                satisfaction=payload.satisfaction, comment=payload.comment)


@router.post("/{int:case_id}/merge", response={200: CaseDetailOut, **ERRORS},
             summary="Merge a duplicate into another case; it follows that case's outcome")
def case_merge(request, case_id: int, payload: MergeIn):
    return _act(request, case_id, services.merge_case, payload, parent=payload.parent, reason=payload.reason)


@router.post("/{int:case_id}/cancel", response={200: CaseDetailOut, **ERRORS}, summary="Cancel, with a reason")
def case_cancel(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.cancel_case, payload, reason=payload.reason)


@router.post("/{int:case_id}/invalidate", response={200: CaseDetailOut, **ERRORS},
             summary="Mark as invalid, with a reason")
def case_invalidate(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.invalidate_case, payload, reason=payload.reason)


# --- supervision (督办) and leaders' instructions (领导批示) ---------------------------

@router.post("/{int:case_id}/urge", response={200: CaseDetailOut, **ERRORS},
             summary="Urge the lead unit (催办), with a message")
def case_urge(request, case_id: int, payload: MessageIn):
    return _act(request, case_id, services.urge_case, payload, message=payload.message)


@router.post("/{int:case_id}/yellow-card", response={200: CaseDetailOut, **ERRORS},
             summary="Give the lead unit a yellow card (黄牌), with a reason")
def case_yellow_card(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.yellow_card, payload, reason=payload.reason)


@router.post("/{int:case_id}/red-card", response={200: CaseDetailOut, **ERRORS},
             summary="Give the lead unit a red card (红牌), with a reason")
def case_red_card(request, case_id: int, payload: ReasonIn):
    return _act(request, case_id, services.red_card, payload, reason=payload.reason)


@router.post("/{int:case_id}/instruct", response={200: CaseDetailOut, **ERRORS},
             summary="A leader's instruction (批示) that the lead unit must acknowledge")
def case_instruct(request, case_id: int, payload: MessageIn):
    return _act(request, case_id, services.instruct_case, payload, message=payload.message)


@router.post("/{int:case_id}/acknowledge-instruction", response={200: CaseDetailOut, **ERRORS},
             summary="The unit acknowledges a leader's instruction")
def case_acknowledge_instruction(request, case_id: int, payload: AcknowledgeInstructionIn):
    return _act(request, case_id, services.acknowledge_instruction, payload, note=payload.note,
                instruction=payload.instruction)


@router.post("/{int:case_id}/callback-attempt", response={200: CaseDetailOut, **ERRORS},
             summary="Record a callback attempt that did not reach the resident; the last one allowed closes "
                     "the case as unreachable")
def case_callback_attempt(request, case_id: int, payload: NoteIn):
    return _act(request, case_id, services.record_callback_attempt, payload, note=payload.note)


# --- rates and rankings (gongzhi.cases.metrics_api) -----------------------------

from .metrics_api import router as metrics_router  # noqa: E402

router.add_router("/metrics", metrics_router)

# --- the caller's contact (gongzhi.cases.contacts_api) ---------------------------

from .contacts_api import router as contacts_router  # noqa: E402

router.add_router("/", contacts_router)

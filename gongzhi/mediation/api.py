"""/api/v1/mediation/: disputes, their mediation, court referrals, screening reports and figures.

Thin: parse, call a selector or service with the actor, render. A dispute outside the caller's area
(and committee) answers 404 like one that does not exist; parties' personal data leaves masked, and
``POST /parties/{id}/reveal`` returns it in clear with a reason (audited, 429 over the limits).
Conflicting transitions (a stale version, an action the state does not allow) answer 409 through the
API's handler of :class:`~gongzhi.cases.errors.CaseConflict`.
"""


import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.roles import require
from gongzhi.core import exports
from gongzhi.core.schemas import In, Pages

from . import documents, metrics, selectors, services
from .models import Agreement, Dispute, JudicialConfirmation

router = Router(tags=["mediation"])


class MediationErrorOut(Schema):
    detail: str


class MediationPartyIn(In):
    role: str = Field(..., description="applicant, respondent or third_party")
    kind: str = Field("person", description="person or organisation")
    person_id: int | None = Field(None, description="a person of the registry (then nothing else is needed)")
    organisation_id: int | None = Field(None, description="an organisation of the registry")
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""


class MediationPartyOut(Schema):
    id: int
    role: str
    kind: str
    name: str = Field(..., description="masked")
    id_number: str = Field(..., description="masked")
    phone: str = Field(..., description="masked")
    address: str = Field(..., description="masked")
    from_registry: bool
    consent: bool | None


class MediationDisputeIn(In):
    dispute_type: str = Field(..., description="code of a dispute type (GET /mediation/types)")
    title: str
    facts: str
    claims: str = ""
    amount: Decimal | None = Field(None, ge=0, lt=10**12, decimal_places=2)
    grid: str = Field("", description="code of the grid (or community) where it arose; not with case_id")
    place: str = ""
    risk_level: str = "general"
    risk_reasons: str = ""
    signs: list[str] = Field(default_factory=list, max_length=10)
    source: str = "walk_in"
    case_id: int | None = Field(None, description="a case that becomes this dispute; it waits for the outcome")
    requested_mediator_id: int | None = None
    parties: list[MediationPartyIn] = Field(..., max_length=50)


class MediationCourtReferralIn(MediationDisputeIn):
    court: str
    court_number: str
    referred_on: dt.date


class MediationDisputeOut(Schema):
    id: int
    number: str
    dispute_type: str
    source: str
    title: str
    state: str
    risk_level: str
    signs: list[str]
    region_code: str
    committee_id: int | None
    tier: str
    due_at: dt.datetime | None
    created_at: dt.datetime
    ended_at: dt.datetime | None
    criminal_at: dt.datetime | None
    case_id: int | None
    version: int


class MediationDisputeDetailOut(MediationDisputeOut):
    facts: str
    claims: str
    amount: Decimal | None
    place: str
    risk_reasons: str
    outcome_note: str
    routes_told: list[str]
    mediator_ids: list[int]
    parties: list[MediationPartyOut]
    agreement_number: str | None
    court_referral: dict | None


class MediationVersioned(In):
    version: int | None = Field(None, description="the version you saw; a newer one answers 409")


class MediationAssignIn(MediationVersioned):
    committee_id: int
    mediator_ids: list[int] = Field(..., max_length=20)


class MediationEscalateIn(MediationAssignIn):
    reason: str


class MediationConsentIn(MediationVersioned):
    party_id: int
    consents: bool


class MediationSessionIn(MediationVersioned):
    held_at: dt.datetime
    place: str
    attendees: str
    statements: str
    proposal: str = ""


class MediationAgreementIn(MediationVersioned):
    form: str = Field(..., description="written or oral")
    facts: str
    matters: str
    responsibilities: str
    content: str
    performance_manner: str
    performance_due: dt.date | None = None
    effective_on: dt.date | None = None


class MediationAgreementOut(Schema):
    number: str
    form: str
    performance_due: dt.date
    effective_on: dt.date
    confirmation_due: dt.date
    performance: str


class MediationFailureIn(MediationVersioned):
    reason: str
    routes_told: list[str] = Field(..., max_length=3)


class MediationReasonIn(MediationVersioned):
    reason: str


class MediationWarningIn(In):
    signs: list[str] = Field(..., max_length=10)
    note: str = ""


class MediationWarningOut(Schema):
    id: int
    signs: list[str]
    told: list[dict]


class MediationNoteIn(In):
    note: str


class MediationConfirmationIn(In):
    court: str
    applied_on: dt.date
    joint: bool = True


class MediationConfirmationResultIn(In):
    status: str = Field(..., description="confirmed or rejected")
    decided_on: dt.date
    note: str = ""


class MediationConfirmationOut(Schema):
    id: int
    court: str
    applied_on: dt.date
    status: str
    decided_on: dt.date | None


class MediationCourtReportIn(In):
    reported_on: dt.date


class MediationReferralOut(Schema):
    court: str
    court_number: str
    referred_on: dt.date
    result: str
    reported_on: dt.date | None


class MediationFollowUpIn(In):
    result: str = Field(..., description="performed, partly or not_performed")
    checked_on: dt.date
    note: str = ""


class MediationRevealIn(In):
    reason: str


class MediationRevealOut(Schema):
    name: str
    id_number: str
    phone: str
    address: str


class MediationScreeningIn(In):
    region: str = Field(..., description="code of a grid or community")
    period: dt.date = Field(..., description="any day of the period")
    is_zero: bool = Field(False, description="零报告: nothing found")
    findings: str = ""
    found_count: int = Field(0, ge=0, le=100000)


class MediationScreeningOut(Schema):
    id: int
    region_code: str
    region_name: str
    period_start: dt.date
    is_zero: bool
    found_count: int
    findings: str


class MediationRegionOut(Schema):
    code: str
    name: str
    level: str


class MediationTypeOut(Schema):
    code: str
    name: str


class MediationCommitteeOut(Schema):
    id: int
    name: str
    tier: str
    trade: str
    region_code: str


class MediationRowOut(Schema):
    key: str
    label: str
    ended: int
    agreed: int
    failed: int
    withdrawn: int
    escalations: int
    success_rate: float | None


class MediationFiguresOut(Schema):
    start: dt.date
    end: dt.date
    registered: int
    ended: int
    agreed: int
    failed: int
    withdrawn: int
    success_rate: float | None
    escalations: int
    criminal: int
    followed_up: int
    performed: int
    performance_rate: float | None
    by_type: list[MediationRowOut]
    by_tier: list[MediationRowOut]
    by_committee: list[MediationRowOut]
    by_mediator: list[MediationRowOut]


class MediationPeriodIn(In):
    start: dt.date
    end: dt.date


# --- helpers ------------------------------------------------------------------------------

def _dispute(request, dispute_id: int) -> Dispute:
    dispute = selectors.dispute_for(actor_of(request), dispute_id)
    if dispute is None:
        raise HttpError(404, _("There is no such dispute in your area."))
    return dispute


def party_out(party) -> dict:
    return {"id": party.pk, "role": party.role, "kind": party.kind, "name": party.name_masked,
            "id_number": party.id_number_masked, "phone": party.phone_masked, "address": party.address_masked,
            "from_registry": bool(party.person_id or party.organisation_id), "consent": party.consent}


def dispute_out(dispute: Dispute) -> dict:
    return {"id": dispute.pk, "number": dispute.number, "dispute_type": dispute.dispute_type.code,
            "source": dispute.source, "title": dispute.title, "state": dispute.state,
            "risk_level": dispute.risk_level, "signs": dispute.signs, "region_code": dispute.region_code,
            "committee_id": dispute.committee_id, "tier": dispute.tier, "due_at": dispute.due_at,
            "created_at": dispute.created_at, "ended_at": dispute.ended_at, "criminal_at": dispute.criminal_at,
            "case_id": dispute.case_id, "version": dispute.version}


def detail_out(dispute: Dispute) -> dict:
    dispute = Dispute.objects.select_related("dispute_type", "committee").get(pk=dispute.pk)
    agreement = Agreement.objects.filter(dispute=dispute).first()
    referral = getattr(dispute, "court_referral", None) if hasattr(dispute, "court_referral") else None
    return {**dispute_out(dispute), "facts": dispute.facts, "claims": dispute.claims, "amount": dispute.amount,
            "place": dispute.place, "risk_reasons": dispute.risk_reasons, "outcome_note": dispute.outcome_note,
            "routes_told": dispute.routes_told,
            "mediator_ids": sorted(dispute.mediators.values_list("pk", flat=True)),
            "parties": [party_out(p) for p in selectors.parties(dispute)],
            "agreement_number": agreement.number if agreement else None,
            "court_referral": referral_out(referral) if referral else None}


def referral_out(referral) -> dict:
    return {"court": referral.court, "court_number": referral.court_number, "referred_on": referral.referred_on,
            "result": referral.result, "reported_on": referral.reported_on}


def _register_values(request, payload: MediationDisputeIn) -> dict:
    # The capability first, like every write of the API (403), before the case is looked up in the caller's
    # area: a caller who may not register at all learns nothing of which cases exist (not 404).
    require(actor_of(request), "mediation.register")
    case = None
    if payload.case_id is not None:
        from gongzhi.cases.selectors import case_for

        case = case_for(actor_of(request), payload.case_id)
        if case is None:
            raise HttpError(404, _("There is no such case in your area."))
    return dict(dispute_type=payload.dispute_type, title=payload.title, facts=payload.facts, claims=payload.claims,
                amount=payload.amount, grid=payload.grid or None, place=payload.place,
                risk_level=payload.risk_level, risk_reasons=payload.risk_reasons, signs=payload.signs,
                source=payload.source, case=case, requested_mediator=payload.requested_mediator_id,
                parties=[p.dict() for p in payload.parties])


# --- catalogues -----------------------------------------------------------------------------

@router.get("/types", response=list[MediationTypeOut], summary="The dispute types")
def list_types(request):
    return [{"code": t.code, "name": t.label} for t in selectors.dispute_types()]


@router.get("/committees", response=list[MediationCommitteeOut], summary="The mediation committees of your area")
def list_committees(request):
    return [{"id": c.pk, "name": c.unit.name, "tier": c.tier, "trade": c.trade, "region_code": c.region_code}
            for c in selectors.committees(actor_of(request))]


# --- disputes -------------------------------------------------------------------------------

@router.get("/disputes", response=list[MediationDisputeOut], summary="Disputes of your area, newest first")
@paginate(Pages, page_size=50)
def list_disputes(request, q: str = "", state: str = "", dispute_type: str = "", risk_level: str = "",
                  mine: bool = False):
    actor = actor_of(request)
    queryset = selectors.my_disputes(actor) if mine else selectors.disputes(
        actor, q=q, state=state, dispute_type=dispute_type, risk_level=risk_level)
    return [dispute_out(d) for d in queryset]


@router.post("/disputes", response={201: MediationDisputeDetailOut, 403: MediationErrorOut, 404: MediationErrorOut},
             summary="Register a dispute (from a case: the case waits for its outcome)")
def register_dispute(request, payload: MediationDisputeIn):
    dispute = services.register_dispute(actor=actor_of(request), **_register_values(request, payload))
    return Status(201, detail_out(dispute))


@router.post("/court-referrals", response={201: MediationDisputeDetailOut, 403: MediationErrorOut,
                                           404: MediationErrorOut},
             summary="A court's referral for pre-litigation mediation (诉调对接): registers the dispute")
def refer_from_court(request, payload: MediationCourtReferralIn):
    values = _register_values(request, payload)
    values.pop("source")
    dispute = services.refer_from_court(actor=actor_of(request), court=payload.court,
                                        court_number=payload.court_number, referred_on=payload.referred_on, **values)
    return Status(201, detail_out(dispute))


@router.get("/disputes/{dispute_id}", response={200: MediationDisputeDetailOut, 404: MediationErrorOut}, summary="One dispute")
def get_dispute(request, dispute_id: int):
    return detail_out(_dispute(request, dispute_id))


@router.post("/disputes/{dispute_id}/parties", response={201: MediationPartyOut, 404: MediationErrorOut}, summary="Add a party")
def add_party(request, dispute_id: int, payload: MediationPartyIn):
    party = services.add_party(actor=actor_of(request), dispute=_dispute(request, dispute_id), data=payload.dict())
    return Status(201, party_out(party))


@router.post("/disputes/{dispute_id}/assign", response={200: MediationDisputeDetailOut, 404: MediationErrorOut},
             summary="Assign to a committee covering the place and mediators of it")
def assign(request, dispute_id: int, payload: MediationAssignIn):
    dispute = services.assign_dispute(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                      committee=payload.committee_id, mediators=payload.mediator_ids,
                                      expected_version=payload.version)
    return detail_out(dispute)


@router.post("/disputes/{dispute_id}/escalate", response={200: MediationDisputeDetailOut, 404: MediationErrorOut},
             summary="Escalate to a committee of a higher tier, with the reason")
def escalate(request, dispute_id: int, payload: MediationEscalateIn):
    dispute = services.escalate_dispute(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                        committee=payload.committee_id, mediators=payload.mediator_ids,
                                        reason=payload.reason, expected_version=payload.version)
    return detail_out(dispute)


@router.post("/disputes/{dispute_id}/consent", response={200: MediationPartyOut, 404: MediationErrorOut},
             summary="Record whether a party agrees to mediation")
def consent(request, dispute_id: int, payload: MediationConsentIn):
    party = services.record_consent(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                    party=payload.party_id, consents=payload.consents,
                                    expected_version=payload.version)
    return party_out(party)


@router.post("/disputes/{dispute_id}/sessions", response={201: dict, 404: MediationErrorOut},
             summary="Record a mediation session (every applicant and respondent must have consented)")
def session(request, dispute_id: int, payload: MediationSessionIn):
    row = services.record_session(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                  held_at=payload.held_at, place=payload.place, attendees=payload.attendees,
                                  statements=payload.statements, proposal=payload.proposal,
                                  expected_version=payload.version)
    return Status(201, {"id": row.pk, "held_at": row.held_at.isoformat()})


@router.post("/disputes/{dispute_id}/agreement", response={201: MediationAgreementOut, 404: MediationErrorOut},
             summary="Record the agreement (written or oral); a linked case gets it as its reply")
def agreement(request, dispute_id: int, payload: MediationAgreementIn):
    row = services.record_agreement(
        actor=actor_of(request), dispute=_dispute(request, dispute_id), form=payload.form, facts=payload.facts,
        matters=payload.matters, responsibilities=payload.responsibilities, content=payload.content,
        performance_manner=payload.performance_manner, performance_due=payload.performance_due,
        effective_on=payload.effective_on, expected_version=payload.version)
    return Status(201, row)


@router.post("/disputes/{dispute_id}/agreement.pdf", response={200: None, 404: MediationErrorOut, 429: MediationErrorOut},
             summary="The written agreement as a PDF, a copy per party and one for the file (a reveal: reason, "
                     "audited)")
def agreement_pdf(request, dispute_id: int, payload: MediationRevealIn):
    dispute = _dispute(request, dispute_id)
    row = Agreement.objects.filter(dispute=dispute).first()
    if row is None:
        raise HttpError(404, _("This dispute has no agreement."))
    pdf = documents.agreement_pdf(actor=actor_of(request), agreement=row, reason=payload.reason)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{dispute.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/disputes/{dispute_id}/failure", response={200: MediationDisputeDetailOut, 404: MediationErrorOut},
             summary="End the mediation without agreement, with the routes the parties were told of")
def failure(request, dispute_id: int, payload: MediationFailureIn):
    dispute = services.record_failure(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                      reason=payload.reason, routes_told=payload.routes_told,
                                      expected_version=payload.version)
    return detail_out(dispute)


@router.post("/disputes/{dispute_id}/withdrawal", response={200: MediationDisputeDetailOut, 404: MediationErrorOut},
             summary="Record the withdrawal")
def withdrawal(request, dispute_id: int, payload: MediationReasonIn):
    dispute = services.withdraw_dispute(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                        reason=payload.reason, expected_version=payload.version)
    return detail_out(dispute)


@router.post("/disputes/{dispute_id}/warnings", response={201: MediationWarningOut, 404: MediationErrorOut},
             summary="Raise an early warning: the community and the police station are told")
def warning(request, dispute_id: int, payload: MediationWarningIn):
    row = services.raise_warning(actor=actor_of(request), dispute=_dispute(request, dispute_id), signs=payload.signs,
                                 note=payload.note)
    return Status(201, {"id": row.pk, "signs": row.signs,
                        "told": [{"unit": n.unit.name, "kind": n.unit.kind, "people": n.people,
                                  "at": n.told_at.isoformat()} for n in row.notices.select_related("unit")]})


@router.post("/disputes/{dispute_id}/criminal", response={200: MediationDisputeDetailOut, 404: MediationErrorOut},
             summary="Record that the dispute turned into a criminal case (民转刑)")
def criminal(request, dispute_id: int, payload: MediationNoteIn):
    return detail_out(services.mark_criminal(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                             note=payload.note))


@router.post("/disputes/{dispute_id}/confirmations", response={201: MediationConfirmationOut, 404: MediationErrorOut},
             summary="The parties' joint application for judicial confirmation (within 30 days)")
def confirmation(request, dispute_id: int, payload: MediationConfirmationIn):
    row = services.apply_for_confirmation(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                          court=payload.court, applied_on=payload.applied_on, joint=payload.joint)
    return Status(201, row)


@router.post("/disputes/{dispute_id}/confirmations/{confirmation_id}/result",
             response={200: MediationConfirmationOut, 404: MediationErrorOut}, summary="The court's decision on confirmation")
def confirmation_result(request, dispute_id: int, confirmation_id: int, payload: MediationConfirmationResultIn):
    dispute = _dispute(request, dispute_id)
    row = JudicialConfirmation.objects.filter(pk=confirmation_id, agreement__dispute=dispute).first()
    if row is None:
        raise HttpError(404, _("There is no such application for judicial confirmation."))
    return services.record_confirmation_result(actor=actor_of(request), confirmation=row, status=payload.status,
                                               decided_on=payload.decided_on, note=payload.note)


@router.get("/court-referrals", response=list[MediationReferralOut], summary="Court referrals of your area and their results")
@paginate(Pages, page_size=50)
def list_referrals(request):
    from .models import CourtReferral
    from gongzhi.core.scoping import scope_queryset

    rows = scope_queryset(CourtReferral.objects.all(), actor_of(request)).order_by("-referred_on", "-id")
    return [referral_out(r) for r in rows]


@router.post("/disputes/{dispute_id}/court-report", response={200: MediationReferralOut, 404: MediationErrorOut},
             summary="Record that the result was reported back to the referring court")
def court_report(request, dispute_id: int, payload: MediationCourtReportIn):
    row = services.report_to_court(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                   reported_on=payload.reported_on)
    return referral_out(row)


@router.post("/disputes/{dispute_id}/follow-ups", response={201: dict, 404: MediationErrorOut},
             summary="Record the follow-up of the agreement's performance")
def follow_up(request, dispute_id: int, payload: MediationFollowUpIn):
    row = services.record_follow_up(actor=actor_of(request), dispute=_dispute(request, dispute_id),
                                    result=payload.result, checked_on=payload.checked_on, note=payload.note)
    return Status(201, {"id": row.pk, "result": row.result, "checked_on": row.checked_on.isoformat()})


@router.post("/parties/{party_id}/reveal", response={200: MediationRevealOut, 404: MediationErrorOut, 429: MediationErrorOut},
             summary="A party's name, ID number, phone and address in clear (needs a reason; audited)")
def reveal(request, party_id: int, payload: MediationRevealIn):
    party = selectors.party_for(actor_of(request), party_id)
    if party is None:
        raise HttpError(404, _("There is no such party in your area."))
    return services.reveal_party(actor=actor_of(request), party=party, reason=payload.reason)


# --- screening ------------------------------------------------------------------------------

@router.get("/screening-reports", response=list[MediationScreeningOut], summary="Screening reports of your area")
@paginate(Pages, page_size=50)
def list_screening(request, period: dt.date | None = None):
    return [screening_out(r) for r in selectors.screening_reports(actor_of(request), period=period)]


def screening_out(report) -> dict:
    return {"id": report.pk, "region_code": report.region.code, "region_name": report.region.name,
            "period_start": report.period_start, "is_zero": report.is_zero, "found_count": report.found_count,
            "findings": report.findings}


@router.post("/screening-reports", response={201: MediationScreeningOut, 404: MediationErrorOut},
             summary="File (or correct) a screening report; is_zero for a nothing-found report (零报告)")
def file_screening(request, payload: MediationScreeningIn):
    report = services.file_screening_report(actor=actor_of(request), region=payload.region, period=payload.period,
                                            is_zero=payload.is_zero, findings=payload.findings,
                                            found_count=payload.found_count)
    return Status(201, screening_out(report))


@router.get("/screening-reports/missing", response=list[MediationRegionOut],
            summary="Grids and communities of your area that have not filed for the period holding the day")
def missing_screening(request, period: dt.date):
    return [{"code": r.code, "name": r.name, "level": r.level} for r in selectors.missing_reports(actor_of(request),
                                                                                                  period)]


# --- figures ---------------------------------------------------------------------------------

def _rows(rows) -> list[dict]:
    return [{"key": str(r.key), "label": r.label, "ended": r.ended, "agreed": r.agreed, "failed": r.failed,
             "withdrawn": r.withdrawn, "escalations": r.escalations, "success_rate": r.success_rate} for r in rows]


@router.get("/figures", response=MediationFiguresOut, summary="Disputes by type, tier and outcome; success and performance "
                                                     "rates; escalations; 民转刑 (from the events)")
def figures(request, period: Query[MediationPeriodIn]):
    f = metrics.figures(actor_of(request), period.start, period.end)
    return {"start": f.start, "end": f.end, "registered": f.registered, "ended": f.total.ended,
            "agreed": f.total.agreed, "failed": f.total.failed, "withdrawn": f.total.withdrawn,
            "success_rate": f.success_rate, "escalations": f.escalations, "criminal": f.criminal,
            "followed_up": f.followed_up, "performed": f.performed, "performance_rate": f.performance_rate,
            "by_type": _rows(f.by_type), "by_tier": _rows(f.by_tier), "by_committee": _rows(f.by_committee),
            "by_mediator": _rows(f.by_mediator)}


@router.get("/figures.xlsx", response={200: None}, summary="The figures as a workbook")
def figures_xlsx(request, period: Query[MediationPeriodIn]):
    f = metrics.figures(actor_of(request), period.start, period.end)
    mark = exports.Watermark.of(actor_of(request), _("mediation figures"))
    return exports.attachment(metrics.xlsx(f, watermark=mark), f"mediation-{f.start.isoformat()}-{f.end.isoformat()}.xlsx")

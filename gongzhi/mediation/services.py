"""Every write of mediation: one keyword-only function per action, taking ``actor=``.

Each validates its input first (ValidationError naming the field, nothing changed), then
moves the dispute through :func:`gongzhi.mediation.machine.transition` (capability, area or
committee membership, row lock, version, event, audit, all in one transaction), and tells
the people concerned (:func:`gongzhi.notifications.services.notify`) inside it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role, require
from gongzhi.audit import reveal as audit_reveal
from gongzhi.audit.services import record
from gongzhi.cases import machine as case_machine
from gongzhi.cases.models import Action as CaseAction
from gongzhi.cases.models import Case, CaseState
from gongzhi.core import crypto, workcal
from gongzhi.core.ids import normalize_id_number, parse_id_number
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope, scope_queryset
from gongzhi.core.text import problem
from gongzhi.notifications.services import notify
from gongzhi.regions.models import Level, Region
from gongzhi.registry.models import Organisation, Person

from . import machine
from .models import (
    Action,
    Agreement,
    AgreementForm,
    Committee,
    ConfirmationStatus,
    Counter,
    CourtReferral,
    Dispute,
    DisputeState,
    DisputeType,
    EarlyWarning,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
    Party,
    PartyKind,
    PartyRole,
    Performance,
    ReferralResult,
    RiskLevel,
    Routes,
    ScreeningReport,
    Sign,
    Source,
    Tier,
    Trade,
    WarningNotice,
)

CONFIRMATION_DAYS = 30  # 司法确认: the joint application within 30 days of the agreement taking effect


# --- small validators ------------------------------------------------------------------

def _text(errors: dict, field: str, value, label: str, max_length: int, *, required: bool = True,
          multiline: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    message = problem(value, multiline=multiline)
    if message:
        errors[field] = [message]
    elif required and not value:
        errors[field] = [_("%(field)s is required.") % {"field": label}]
    elif len(value) > max_length:
        errors[field] = [_("%(field)s is too long: %(n)d characters, at most %(max)d.")
                         % {"field": label, "n": len(value), "max": max_length}]
    return value


def _date(errors: dict, field: str, value, label: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors[field] = [_("%(field)s is required.") % {"field": label}]
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("%(field)s is not a date (write it as 2026-12-31).") % {"field": label}]
        return None


def _choice(errors: dict, field: str, value, choices, label: str) -> str:
    value = "" if value is None else str(value)
    if value not in choices.values:
        errors[field] = [_("Choose one of the listed values for %(field)s.") % {"field": label}]
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _next(name: str) -> int:
    """The next value of the sequence ``name``, in the caller's transaction (the row stays locked)."""
    for _attempt in range(3):
        if Counter.objects.filter(name=name).update(value=F("value") + 1):
            return Counter.objects.get(name=name).value
        try:
            with transaction.atomic():
                Counter.objects.create(name=name, value=1)
            return 1
        except IntegrityError:
            continue  # created by someone else meanwhile: increment theirs
    raise RuntimeError(f"counter {name} could not be incremented")


def _covers(region_code: str, code: str) -> bool:
    """Whether the region with ``region_code`` contains the place ``code`` (codes carry the tree)."""
    region = Region.objects.filter(code=region_code).first()
    return region is not None and code.startswith(region.prefix)


def _dispute_type(value) -> DisputeType | None:
    if isinstance(value, DisputeType):
        return value
    return DisputeType.objects.filter(code=str(value or ""), is_active=True).first()


# --- parties ---------------------------------------------------------------------------

def _clean_party(actor, data: dict, prefix: str, errors: dict) -> Party:
    party = Party(role=str(data.get("role") or ""), kind=str(data.get("kind") or PartyKind.PERSON))
    if party.role not in PartyRole.values:
        errors[f"{prefix}role"] = [_("Choose whether the party is an applicant, a respondent or a third party.")]
    if party.kind not in PartyKind.values:
        errors[f"{prefix}kind"] = [_("Choose whether the party is a person or an organisation.")]
    person_id, organisation_id = data.get("person_id") or data.get("person"), data.get("organisation_id") or \
        data.get("organisation")
    if isinstance(person_id, Person):
        person_id = person_id.pk
    if isinstance(organisation_id, Organisation):
        organisation_id = organisation_id.pk
    if person_id:
        person = scope_queryset(Person.objects.all(), actor).filter(pk=person_id).first() if str(
            person_id).isdigit() else None
        if person is None:
            errors[f"{prefix}person_id"] = [_("No such person in the registry of your area.")]
        party.person, party.kind = person, PartyKind.PERSON
        return party
    if organisation_id:
        organisation = scope_queryset(Organisation.objects.all(), actor).filter(pk=organisation_id).first() if str(
            organisation_id).isdigit() else None
        if organisation is None:
            errors[f"{prefix}organisation_id"] = [_("No such organisation in the registry of your area.")]
        party.organisation, party.kind = organisation, PartyKind.ORGANISATION
        return party
    name = _text(errors, f"{prefix}name", data.get("name"), _("The party's name"), 100, multiline=False)
    if party.kind == PartyKind.ORGANISATION:
        party.organisation_name = name
    else:
        party.name = name
    id_number = normalize_id_number(data.get("id_number") or "")
    if id_number:
        try:
            parse_id_number(id_number)
        except ValidationError as exc:
            errors[f"{prefix}id_number"] = exc.messages
        party.id_number = id_number
        party.id_number_index = crypto.blind_index("id_number", id_number)
    phone = crypto.normalize_phone(data.get("phone") or "")
    if data.get("phone") and not 7 <= len(phone) <= 12:
        errors[f"{prefix}phone"] = [_("A phone number has 7 to 12 digits.")]
    party.phone = phone
    party.phone_index = crypto.blind_index("phone", phone) if phone else ""
    party.address = _text(errors, f"{prefix}address", data.get("address"), _("The address"), 200,
                          required=False, multiline=False)
    return party


def _check_roles(parties: list[Party], errors: dict) -> None:
    roles = {party.role for party in parties}
    if PartyRole.APPLICANT not in roles or PartyRole.RESPONDENT not in roles:
        errors.setdefault("parties", []).append(
            _("A dispute needs at least one applicant and one respondent."))


# --- registering -----------------------------------------------------------------------

def _place(actor, errors: dict, *, grid, region, case) -> tuple[Region | None, str]:
    if case is not None:
        return case.grid, case.region_code
    code = grid.code if isinstance(grid, Region) else str(grid or region or "").strip()
    if isinstance(region, Region) and not grid:
        code = region.code
    place = Region.objects.filter(code=code).first() if code else None
    if place is None:
        errors["grid"] = [_("Choose the grid (or community) where the dispute arose.")]
        return None, ""
    ensure_code_in_scope(place.code, actor)
    return (place if place.level == Level.GRID else None), place.code


def register_dispute(*, actor, dispute_type, title: str, facts: str, parties: list[dict], claims: str = "",
                     amount=None, grid=None, region=None, place: str = "", risk_level: str = RiskLevel.GENERAL,
                     risk_reasons: str = "", signs=(), source: str = Source.WALK_IN, case: Case | None = None,
                     requested_mediator=None, court_referral: dict | None = None,
                     at: dt.datetime | None = None) -> Dispute:
    """Register a dispute with its parties; from a case, the case then waits for the dispute's outcome.

    ``parties``: dicts of ``role``, ``kind`` and either ``person_id`` / ``organisation_id``
    (from the registry, in the actor's area) or ``name``, ``id_number``, ``phone``, ``address``.
    Signs of escalation raise an early warning at once (:func:`raise_warning`).
    """
    require(actor, "mediation.register")
    errors: dict = {}
    at = at or timezone.now()
    kind = _dispute_type(dispute_type)
    if kind is None:
        errors["dispute_type"] = [_("Choose the type of the dispute.")]
    title = _text(errors, "title", title, _("The title"), 100, multiline=False)
    facts = _text(errors, "facts", facts, _("The facts"), 10000)
    claims = _text(errors, "claims", claims, _("The claims"), 5000, required=False)
    place = _text(errors, "place", place, _("The place"), 200, required=False, multiline=False)
    risk_reasons = _text(errors, "risk_reasons", risk_reasons, _("The reasons for the risk level"), 2000,
                         required=False)
    risk_level = _choice(errors, "risk_level", risk_level or RiskLevel.GENERAL, RiskLevel, _("the risk level"))
    if risk_level in (RiskLevel.MAJOR, RiskLevel.SERIOUS) and not risk_reasons and "risk_reasons" not in errors:
        errors["risk_reasons"] = [_("Say why the risk is higher than general.")]
    source = _choice(errors, "source", source, Source, _("the source"))
    signs = list(dict.fromkeys(str(s) for s in (signs or ())))
    if any(s not in Sign.values for s in signs):
        errors["signs"] = [_("Choose the signs of escalation from the list.")]
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("The amount in dispute is a number of yuan, not negative.")]
            amount = None
    else:
        amount = None
    if case is not None:
        case = scope_queryset(Case.objects.all(), actor).filter(pk=case.pk).first()
        if case is None:
            raise PermissionDenied(_("You are not allowed to do this to this case."))
        if Dispute.objects.filter(case=case).exists():
            errors["case"] = [_("This case is already a dispute in mediation.")]
        elif case.state not in (CaseState.RECEIVED, CaseState.IN_PROGRESS):
            errors["case"] = [_("Only a case just received or being handled can be referred to mediation.")]
        source = Source.CASE
    grid_region, region_code = _place(actor, errors, grid=grid, region=region, case=case)
    mediator = None
    if requested_mediator:
        mediator_id = getattr(requested_mediator, "pk", requested_mediator)
        mediator = User.objects.filter(pk=mediator_id, role=Role.MEDIATOR, is_active=True).first() if str(
            mediator_id).isdigit() else None
        if mediator is None:
            errors["requested_mediator"] = [_("No such mediator.")]
    party_rows = []
    if not isinstance(parties, (list, tuple)):
        parties = []
    for index, data in enumerate(parties):
        party_rows.append(_clean_party(actor, dict(data or {}), f"parties.{index}.", errors))
    _check_roles(party_rows, errors)
    referral = None
    if court_referral is not None:
        referral = CourtReferral(
            court=_text(errors, "court", court_referral.get("court"), _("The court"), 100, multiline=False),
            court_number=_text(errors, "court_number", court_referral.get("court_number"),
                               _("The court's case number"), 64, multiline=False),
            referred_on=_date(errors, "referred_on", court_referral.get("referred_on"), _("The date of referral")))
        if referral.referred_on and referral.referred_on > timezone.localdate(at):
            errors["referred_on"] = [_("The date of referral cannot be in the future.")]
        if referral.court and CourtReferral.objects.filter(court=referral.court,
                                                           court_number=referral.court_number).exists():
            errors["court_number"] = [_("This court's case was already referred.")]
        source = Source.COURT
    _raise(errors)

    dispute = Dispute(dispute_type=kind, source=source, case=case, title=title, facts=facts, claims=claims,
                      amount=amount, grid=grid_region, region_code=region_code, place=place, risk_level=risk_level,
                      risk_reasons=risk_reasons, signs=signs, requested_mediator=mediator,
                      created_by=user_of(actor))

    def add_parties(saved: Dispute) -> dict:
        for party in party_rows:
            party.dispute = saved
            party.save()
        if referral is not None:
            referral.dispute = saved
            referral.save()
        return {"parties": len(party_rows), "source": source}

    with transaction.atomic():
        dispute.number = f"TJ{timezone.localdate(at).year}{_next(f'dispute:{timezone.localdate(at).year}'):05d}"
        dispute = machine.transition(dispute, Action.REGISTER, actor=actor, change=add_parties, at=at)
        if case is not None:
            _refer_case(case, dispute, actor=actor, at=at)
        if signs:
            _warn(dispute, signs=signs, note=risk_reasons, actor=actor, at=at)
    return dispute


def _refer_case(case: Case, dispute: Dispute, *, actor, at) -> None:
    """The case waits for the dispute: its deadlines are cleared (off the unit's clock) and kept in the event."""

    def stop_clock(current: Case) -> dict:
        before = {"response_due": current.response_due, "resolution_due": current.resolution_due}
        current.response_due = None
        current.resolution_due = None
        return {"cleared_deadlines": before}

    case_machine.transition(case, CaseAction.REFER_MEDIATION, actor=actor, payload={"dispute": dispute.number},
                            change=stop_clock, at=at, expected_version=case_machine.ANY_VERSION)


def _end_case(dispute: Dispute, text: str, *, at) -> None:
    """The case linked to the dispute gets its outcome as the reply (then the callback, as for any reply)."""
    if not dispute.case_id:
        return
    case = Case.objects.get(pk=dispute.case_id)
    if case.state != CaseState.MEDIATING:
        return  # merged, cancelled or closed meanwhile: nothing to answer

    def reply(current: Case) -> dict:
        current.reply = text[:20000]
        current.replied_at = at
        return {}

    case_machine.transition(case, CaseAction.MEDIATION_ENDED, actor=None,
                            payload={"dispute": dispute.number, "outcome": dispute.state, "reply": text[:20000]},
                            change=reply, at=at,
                            expected_version=case_machine.ANY_VERSION)


def add_party(*, actor, dispute: Dispute, data: dict, expected_version: int | None = None) -> Party:
    machine.check(dispute, Action.ADD_PARTY, actor)
    errors: dict = {}
    party = _clean_party(actor, dict(data or {}), "", errors)
    _raise(errors)

    def save(current: Dispute) -> dict:
        party.dispute = current
        party.save()
        return {"party": party.pk, "role": party.role}

    machine.transition(dispute, Action.ADD_PARTY, actor=actor, change=save, expected_version=expected_version)
    return party


# --- committees, tiers ------------------------------------------------------------------

def mediators_of(committee: Committee):
    return User.objects.filter(unit_id=committee.unit_id, role=Role.MEDIATOR, is_active=True).order_by("id")


def _committee(errors: dict, committee, dispute: Dispute) -> Committee | None:
    if not isinstance(committee, Committee):
        committee = Committee.objects.select_related("unit__region").filter(
            pk=committee).first() if str(committee or "").isdigit() else None
    if committee is None or not committee.is_active or not committee.unit.is_active:
        errors["committee"] = [_("Choose an active mediation committee.")]
        return None
    if not dispute.region_code.startswith(committee.unit.region.prefix):
        errors["committee"] = [_("%(committee)s does not cover the place of this dispute.")
                               % {"committee": committee}]
    return committee


def _mediators(errors: dict, committee: Committee | None, mediators) -> list[User]:
    ids = [getattr(m, "pk", m) for m in (mediators or ())]
    if committee is None:
        return []
    found = list(mediators_of(committee).filter(pk__in=[i for i in ids if str(i).isdigit()]))
    if not ids:
        errors["mediators"] = [_("Choose at least one mediator of the committee.")]
    elif len(found) != len(set(ids)):
        errors["mediators"] = [_("Every mediator must be an active mediator of %(committee)s.")
                               % {"committee": committee}]
    return found


def _assignment(current: Dispute, committee: Committee, mediators: list[User], at) -> dict:
    current.committee = committee
    current.due_at = workcal.add_working_days(at, settings.MEDIATION_WORKING_DAYS, region=current.region_code)
    current.save(update_fields=["committee", "due_at"])  # before the M2M, which needs nothing else
    current.mediators.set(mediators)
    Reminder = current.reminders.model
    Reminder.objects.filter(dispute=current, kind__in=("due_alert", "overdue")).delete()  # a new clock
    return {"committee": committee.pk, "tier": committee.tier, "mediators": [m.pk for m in mediators],
            "due_at": current.due_at}


def assign_dispute(*, actor, dispute: Dispute, committee, mediators, expected_version: int | None = None,
                   at: dt.datetime | None = None) -> Dispute:
    """Assign the dispute to a committee covering its place and to mediators of it; the clock starts.

    A dispute already assigned may be given to another committee of the same tier (or other
    mediators) before mediation started; a higher tier is an escalation (:func:`escalate_dispute`).
    """
    machine.check(dispute, Action.ASSIGN, actor)
    at = at or timezone.now()
    errors: dict = {}
    committee = _committee(errors, committee, dispute)
    chosen = _mediators(errors, committee, mediators)
    if committee is not None and dispute.committee_id and committee.rank != dispute.committee.rank:
        errors["committee"] = [_("A committee of another tier: escalate the dispute instead, with a reason.")]
    _raise(errors)

    def assign(current: Dispute) -> dict:
        details = _assignment(current, committee, chosen, at)
        if current.requested_mediator_id:
            details["requested_mediator_assigned"] = current.requested_mediator_id in details["mediators"]
        return details

    with transaction.atomic():
        dispute = machine.transition(dispute, Action.ASSIGN, actor=actor, change=assign,
                                     expected_version=expected_version, at=at)
        notify(recipients=chosen, kind="mediation.assigned", actor=actor, obj=dispute,
               title=_("Dispute %(number)s is yours to mediate: %(title)s") % {"number": dispute.number,
                                                                               "title": dispute.title},
               link=f"/console/mediation/{dispute.pk}/")
    return dispute


def escalate_dispute(*, actor, dispute: Dispute, committee, mediators, reason: str,
                     expected_version: int | None = None, at: dt.datetime | None = None) -> Dispute:
    """Hand the dispute to a committee of a higher tier, with the reason; its clock starts again."""
    machine.check(dispute, Action.ESCALATE, actor)
    at = at or timezone.now()
    errors: dict = {}
    reason = _text(errors, "reason", reason, _("The reason"), 2000)
    committee = _committee(errors, committee, dispute)
    chosen = _mediators(errors, committee, mediators)
    if committee is not None and dispute.committee_id and committee.rank <= dispute.committee.rank:
        errors["committee"] = [_("Escalation goes to a committee of a higher tier than %(tier)s.")
                               % {"tier": dispute.committee.get_tier_display()}]
    _raise(errors)
    from_tier, from_committee = dispute.tier, dispute.committee_id

    def escalate(current: Dispute) -> dict:
        for party in current.parties.all():  # consent is given to a committee: asked again at the new one
            party.consent, party.consent_at = None, None
            party.save(update_fields=["consent", "consent_at"])
        return {"from_tier": from_tier, "from_committee": from_committee,
                **_assignment(current, committee, chosen, at)}

    with transaction.atomic():
        dispute = machine.transition(dispute, Action.ESCALATE, actor=actor, change=escalate, reason=reason,
                                     expected_version=expected_version, at=at)
        notify(recipients=chosen, kind="mediation.escalated", actor=actor, obj=dispute,
               title=_("Dispute %(number)s was escalated to your committee: %(title)s")
               % {"number": dispute.number, "title": dispute.title}, body=reason,
               link=f"/console/mediation/{dispute.pk}/")
    return dispute


# --- consent and sessions ---------------------------------------------------------------

def record_consent(*, actor, dispute: Dispute, party, consents: bool, at: dt.datetime | None = None,
                   expected_version: int | None = None) -> Party:
    """Record whether a party agrees to mediation (voluntary and free: 人民调解法 第三条)."""
    machine.check(dispute, Action.CONSENT, actor)
    at = at or timezone.now()
    party_id = getattr(party, "pk", party)
    if not Party.objects.filter(pk=party_id, dispute=dispute).exists():
        raise ValidationError({"party": [_("This person is not a party to the dispute.")]})

    def consent(current: Dispute) -> dict:
        row = Party.objects.get(pk=party_id)
        row.consent, row.consent_at = bool(consents), at
        row.save(update_fields=["consent", "consent_at"])
        return {"party": row.pk, "consents": bool(consents)}

    machine.transition(dispute, Action.CONSENT, actor=actor, change=consent, expected_version=expected_version, at=at)
    return Party.objects.get(pk=party_id)


def record_session(*, actor, dispute: Dispute, held_at: dt.datetime, place: str, attendees: str, statements: str,
                   proposal: str = "", expected_version: int | None = None,
                   at: dt.datetime | None = None) -> MediationSession:
    """Record a session. Every applicant and respondent must have consented first."""
    machine.check(dispute, Action.SESSION, actor)
    errors: dict = {}
    place = _text(errors, "place", place, _("The place"), 200, multiline=False)
    attendees = _text(errors, "attendees", attendees, _("The attendees"), 2000)
    statements = _text(errors, "statements", statements, _("What was said"), 20000)
    proposal = _text(errors, "proposal", proposal, _("What was proposed"), 5000, required=False)
    now = timezone.now()
    if not isinstance(held_at, dt.datetime):
        errors["held_at"] = [_("%(field)s is required.") % {"field": _("The time of the session")}]
    elif held_at < dispute.created_at:
        errors["held_at"] = [_("A session cannot be held before the dispute was registered (%(at)s).")
                             % {"at": timezone.localtime(dispute.created_at).strftime("%Y-%m-%d %H:%M")}]
    elif held_at > now + dt.timedelta(minutes=5):
        errors["held_at"] = [_("A session is recorded once it was held, not in advance.")]
    missing = [p.name_masked for p in dispute.parties.all() if p.must_consent and p.consent is not True]
    if missing:
        errors["__all__"] = [_("Every party must consent to mediation before a session is recorded; not yet: "
                               "%(parties)s.") % {"parties": "、".join(missing)}]
    _raise(errors)
    created = {}

    def session(current: Dispute) -> dict:
        created["row"] = MediationSession.objects.create(
            dispute=current, held_at=held_at, place=place, attendees=attendees, statements=statements,
            proposal=proposal, recorded_by=user_of(actor))
        return {"session": created["row"].pk, "held_at": held_at}

    machine.transition(dispute, Action.SESSION, actor=actor, change=session, expected_version=expected_version,
                       at=at)
    return created["row"]


# --- outcomes ---------------------------------------------------------------------------

def agreement_number(committee: Committee, year: int, sequence: int) -> str:
    """``110105001000-TWH〔2026〕调字第0007号``: the committee's code, the year and the year's sequence."""
    return f"{committee.unit.code}〔{year}〕调字第{sequence:04d}号"


def record_agreement(*, actor, dispute: Dispute, form: str, facts: str, matters: str, responsibilities: str,
                     content: str, performance_manner: str, performance_due, effective_on=None,
                     expected_version: int | None = None, at: dt.datetime | None = None) -> Agreement:
    """Record the agreement (written, or oral for simple matters); the case, if any, gets it as its reply."""
    machine.check(dispute, Action.AGREE, actor)
    at = at or timezone.now()
    errors: dict = {}
    form = _choice(errors, "form", form, AgreementForm, _("the form of the agreement"))
    facts = _text(errors, "facts", facts, _("The main facts"), 10000)
    matters = _text(errors, "matters", matters, _("The matters in dispute"), 5000)
    responsibilities = _text(errors, "responsibilities", responsibilities, _("Each party's responsibility"), 5000)
    content = _text(errors, "content", content, _("The agreed content"), 10000)
    performance_manner = _text(errors, "performance_manner", performance_manner, _("The manner of performance"),
                               2000)
    today = timezone.localdate(at)
    effective_on = _date(errors, "effective_on", effective_on or today, _("The date it takes effect"))
    if "performance_due" not in errors and performance_due in (None, ""):
        errors["performance_due"] = [_("An agreement needs a deadline for its performance.")]
    else:
        performance_due = _date(errors, "performance_due", performance_due, _("The performance deadline"))
    if effective_on and performance_due and performance_due < effective_on:
        errors["performance_due"] = [_("The performance deadline cannot be before the agreement takes effect.")]
    if effective_on and effective_on > today + dt.timedelta(days=30):
        errors["effective_on"] = [_("An agreement takes effect when the parties sign it, not months ahead.")]
    _raise(errors)
    created = {}

    def agree(current: Dispute) -> dict:
        year = effective_on.year
        agreement = Agreement.objects.create(
            dispute=current, number=agreement_number(current.committee, year,
                                                     _next(f"agreement:{current.committee_id}:{year}")),
            form=form, facts=facts, matters=matters, responsibilities=responsibilities, content=content,
            performance_manner=performance_manner, performance_due=performance_due, effective_on=effective_on,
            confirmation_due=workcal.period_end(effective_on, CONFIRMATION_DAYS, region=current.region_code),
            created_by=user_of(actor), created_at=at)
        created["row"] = agreement
        current.ended_at = at
        current.outcome_note = content
        _close_referral(current, ReferralResult.SETTLED)
        return {"agreement": agreement.number, "form": form, **_end_details(current)}

    with transaction.atomic():
        dispute = machine.transition(dispute, Action.AGREE, actor=actor, change=agree,
                                     expected_version=expected_version, at=at)
        _end_case(dispute, _("Settled by mediation (agreement %(number)s): %(content)s")
                  % {"number": created["row"].number, "content": content}, at=at)
    return created["row"]


def _end_details(current: Dispute) -> dict:
    return {"mediators": sorted(current.mediators.values_list("pk", flat=True)),
            "committee": current.committee_id, "tier": current.tier}


def _close_referral(current: Dispute, result: str) -> None:
    CourtReferral.objects.filter(dispute=current).update(result=result)


def record_failure(*, actor, dispute: Dispute, reason: str, routes_told, expected_version: int | None = None,
                   at: dt.datetime | None = None) -> Dispute:
    """End the mediation without agreement; the parties were told of the arbitration, administrative and court
    routes (人民调解法 第二十六条), which is recorded."""
    machine.check(dispute, Action.FAIL, actor)
    at = at or timezone.now()
    errors: dict = {}
    reason = _text(errors, "reason", reason, _("The reason"), 2000)
    routes = list(dict.fromkeys(str(r) for r in (routes_told or ())))
    if not routes or any(r not in Routes.values for r in routes):
        errors["routes_told"] = [_("Record which routes (arbitration, administrative, court) the parties were "
                                   "told of.")]
    _raise(errors)

    def fail(current: Dispute) -> dict:
        current.ended_at, current.outcome_note, current.routes_told = at, reason, routes
        _close_referral(current, ReferralResult.NOT_SETTLED)
        return {"routes_told": routes, **_end_details(current)}

    with transaction.atomic():
        dispute = machine.transition(dispute, Action.FAIL, actor=actor, change=fail, reason=reason,
                                     expected_version=expected_version, at=at)
        routes_text = "、".join(str(Routes(r).label) for r in routes)
        _end_case(dispute, _("Mediation ended without agreement: %(reason)s. The parties were told of: "
                             "%(routes)s.") % {"reason": reason, "routes": routes_text}, at=at)
    return dispute


def withdraw_dispute(*, actor, dispute: Dispute, reason: str, expected_version: int | None = None,
                     at: dt.datetime | None = None) -> Dispute:
    machine.check(dispute, Action.WITHDRAW, actor)
    at = at or timezone.now()
    errors: dict = {}
    reason = _text(errors, "reason", reason, _("The reason"), 2000)
    _raise(errors)

    def withdraw(current: Dispute) -> dict:
        current.ended_at, current.outcome_note = at, reason
        _close_referral(current, ReferralResult.WITHDRAWN)
        return _end_details(current)

    with transaction.atomic():
        dispute = machine.transition(dispute, Action.WITHDRAW, actor=actor, change=withdraw, reason=reason,
                                     expected_version=expected_version, at=at)
        _end_case(dispute, _("The dispute was withdrawn from mediation: %(reason)s") % {"reason": reason}, at=at)
    return dispute


# --- early warning and 民转刑 -------------------------------------------------------------

def _units_told(dispute: Dispute) -> list[Unit]:
    """The community committee(s) and police station(s) whose jurisdiction holds the dispute's place."""
    units = Unit.objects.filter(kind__in=(UnitKind.COMMUNITY_COMMITTEE, UnitKind.POLICE_STATION),
                                is_active=True).select_related("region")
    return [u for u in units if dispute.region_code.startswith(u.region.prefix)]


def _warn(dispute: Dispute, *, signs: list[str], note: str, actor, at) -> EarlyWarning:
    created = {}

    def warn(current: Dispute) -> dict:
        merged = list(dict.fromkeys([*current.signs, *signs]))
        Dispute.objects.filter(pk=current.pk).update(signs=merged)
        warning = EarlyWarning.objects.create(dispute=current, signs=signs, note=note, raised_by=user_of(actor),
                                              raised_at=at)
        told = []
        for unit in _units_told(current):
            people = list(User.objects.filter(unit=unit, is_active=True))
            WarningNotice.objects.create(warning=warning, unit=unit, people=len(people), told_at=at)
            notify(recipients=people, kind="mediation.warning", actor=actor, obj=current,
                   title=_("Early warning: dispute %(number)s may escalate (%(signs)s)")
                   % {"number": current.number, "signs": "、".join(str(Sign(s).label) for s in signs)},
                   body=note, link=f"/console/mediation/{current.pk}/")
            told.append({"unit": unit.pk, "kind": unit.kind, "people": len(people)})
        created["row"] = warning
        return {"warning": warning.pk, "signs": signs, "told": told,
                "police_told": any(t["kind"] == UnitKind.POLICE_STATION for t in told)}

    machine.transition(dispute, Action.WARN, actor=actor, change=warn, reason=note, at=at)
    return created["row"]


def raise_warning(*, actor, dispute: Dispute, signs, note: str = "", at: dt.datetime | None = None) -> EarlyWarning:
    """Flag the dispute as likely to escalate: the community and the local police station are told, recorded."""
    machine.check(dispute, Action.WARN, actor)
    errors: dict = {}
    signs = list(dict.fromkeys(str(s) for s in (signs or ())))
    if not signs or any(s not in Sign.values for s in signs):
        errors["signs"] = [_("Choose at least one sign of escalation from the list.")]
    note = _text(errors, "note", note, _("The note"), 2000, required=False)
    _raise(errors)
    return _warn(dispute, signs=signs, note=note, actor=actor, at=at or timezone.now())


def mark_criminal(*, actor, dispute: Dispute, note: str, at: dt.datetime | None = None) -> Dispute:
    """Record that the dispute turned into a criminal case (民转刑): counted in the figures."""
    machine.check(dispute, Action.CRIMINAL, actor)
    at = at or timezone.now()
    errors: dict = {}
    note = _text(errors, "note", note, _("What happened"), 2000)
    if dispute.criminal_at is not None:
        errors["__all__"] = [_("This was already recorded.")]
    _raise(errors)

    def criminal(current: Dispute) -> dict:
        Dispute.objects.filter(pk=current.pk).update(criminal_at=at)
        return {"committee": current.committee_id}

    machine.transition(dispute, Action.CRIMINAL, actor=actor, change=criminal, reason=note, at=at)
    dispute.refresh_from_db()
    return dispute


# --- judicial confirmation, court referrals ---------------------------------------------

def apply_for_confirmation(*, actor, dispute: Dispute, court: str, applied_on,
                           joint: bool = True) -> JudicialConfirmation:
    """The parties' joint application for judicial confirmation, within 30 days of the agreement taking effect."""
    machine.check(dispute, Action.APPLY_CONFIRMATION, actor)
    errors: dict = {}
    court = _text(errors, "court", court, _("The court"), 100, multiline=False)
    applied_on = _date(errors, "applied_on", applied_on, _("The date of application"))
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        errors["__all__"] = [_("Only an agreement can be confirmed by a court.")]
    elif agreement.form != AgreementForm.WRITTEN:
        errors["__all__"] = [_("Only a written agreement can be confirmed by a court.")]
    elif not joint:
        errors["joint"] = [_("Judicial confirmation is applied for by both parties together.")]
    elif applied_on:
        if applied_on < agreement.effective_on:
            errors["applied_on"] = [_("The application cannot be before the agreement took effect.")]
        elif applied_on > agreement.confirmation_due:
            errors["applied_on"] = [_("Too late: the 30 days to apply ended on %(day)s.")
                                    % {"day": agreement.confirmation_due.isoformat()}]
        elif applied_on > timezone.localdate():
            errors["applied_on"] = [_("The date of application cannot be in the future.")]
        elif agreement.confirmations.exclude(status=ConfirmationStatus.REJECTED).exists():
            errors["__all__"] = [_("Judicial confirmation was already applied for.")]
    _raise(errors)
    created = {}

    def apply(current: Dispute) -> dict:
        created["row"] = JudicialConfirmation.objects.create(agreement=agreement, court=court, applied_on=applied_on)
        return {"confirmation": created["row"].pk, "court": court, "applied_on": applied_on.isoformat()}

    machine.transition(dispute, Action.APPLY_CONFIRMATION, actor=actor, change=apply)
    return created["row"]


def record_confirmation_result(*, actor, confirmation: JudicialConfirmation, status: str, decided_on,
                               note: str = "") -> JudicialConfirmation:
    machine.check(confirmation.agreement.dispute, Action.CONFIRMATION_RESULT, actor)
    errors: dict = {}
    if status not in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.REJECTED):
        errors["status"] = [_("Record whether the court confirmed the agreement.")]
    decided_on = _date(errors, "decided_on", decided_on, _("The date of the decision"))
    note = _text(errors, "note", note, _("The note"), 2000, required=False)
    if decided_on and decided_on < confirmation.applied_on:
        errors["decided_on"] = [_("The decision cannot be before the application.")]
    if confirmation.status != ConfirmationStatus.APPLIED:
        errors["__all__"] = [_("The court's decision was already recorded.")]
    _raise(errors)

    def decide(current: Dispute) -> dict:
        JudicialConfirmation.objects.filter(pk=confirmation.pk).update(status=status, decided_on=decided_on, note=note)
        return {"confirmation": confirmation.pk, "status": status}

    machine.transition(confirmation.agreement.dispute, Action.CONFIRMATION_RESULT, actor=actor, change=decide)
    confirmation.refresh_from_db()
    return confirmation


def refer_from_court(*, actor, court: str, court_number: str, referred_on, **dispute) -> Dispute:
    """A court's referral for pre-litigation mediation (诉前调解): a dispute with its :class:`CourtReferral`."""
    return register_dispute(actor=actor, court_referral={"court": court, "court_number": court_number,
                                                         "referred_on": referred_on}, **dispute)


def report_to_court(*, actor, dispute: Dispute, reported_on) -> CourtReferral:
    """Record that the referral's result was reported back to the court (诉调对接)."""
    machine.check(dispute, Action.REFERRAL_RESULT, actor)
    errors: dict = {}
    reported_on = _date(errors, "reported_on", reported_on, _("The date of the report"))
    referral = CourtReferral.objects.filter(dispute=dispute).first()
    if referral is None:
        errors["__all__"] = [_("This dispute was not referred by a court.")]
    elif reported_on and reported_on < referral.referred_on:
        errors["reported_on"] = [_("The report cannot be before the referral.")]
    _raise(errors)

    def report(current: Dispute) -> dict:
        CourtReferral.objects.filter(pk=referral.pk).update(reported_on=reported_on)
        return {"referral": referral.pk, "result": referral.result, "reported_on": reported_on.isoformat()}

    machine.transition(dispute, Action.REFERRAL_RESULT, actor=actor, change=report)
    referral.refresh_from_db()
    return referral


# --- follow-up ---------------------------------------------------------------------------

def record_follow_up(*, actor, dispute: Dispute, result: str, checked_on, note: str = "") -> FollowUp:
    """Record whether the agreement was performed (performed / partly / not performed, with notes)."""
    machine.check(dispute, Action.FOLLOW_UP, actor)
    errors: dict = {}
    if result not in (Performance.PERFORMED, Performance.PARTLY, Performance.NOT_PERFORMED):
        errors["result"] = [_("Record whether the agreement was performed, partly performed or not performed.")]
    checked_on = _date(errors, "checked_on", checked_on, _("The date of the check"))
    note = _text(errors, "note", note, _("The note"), 2000, required=result != Performance.PERFORMED)
    agreement = Agreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        errors["__all__"] = [_("Only an agreement's performance is followed up.")]
    elif checked_on and (checked_on < agreement.effective_on or checked_on > timezone.localdate()):
        errors["checked_on"] = [_("The check is between the agreement taking effect and today.")]
    _raise(errors)
    created = {}

    def follow(current: Dispute) -> dict:
        created["row"] = FollowUp.objects.create(agreement=agreement, checked_on=checked_on, result=result, note=note,
                                                 recorded_by=user_of(actor))
        Agreement.objects.filter(pk=agreement.pk).update(performance=result)
        return {"agreement": agreement.number, "result": result, "performance_due": agreement.performance_due,
                **_end_details(current)}

    machine.transition(dispute, Action.FOLLOW_UP, actor=actor, change=follow, reason=note)
    return created["row"]


# --- screening reports --------------------------------------------------------------------

def period_of(day: dt.date) -> dt.date:
    """The first day of the screening period holding ``day`` (a month, or a week from Monday)."""
    if settings.MEDIATION_SCREENING_PERIOD == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def file_screening_report(*, actor, region, period, is_zero: bool, findings: str = "",
                          found_count: int = 0) -> ScreeningReport:
    """File (or correct) the screening report of a grid or community for a period; 零报告 when nothing was found."""
    require(actor, "mediation.screen")
    errors: dict = {}
    code = region.code if isinstance(region, Region) else str(region or "")
    place = Region.objects.filter(code=code, level__in=(Level.GRID, Level.COMMUNITY)).first() if code else None
    if place is None:
        errors["region"] = [_("Choose the grid or community the report is for.")]
    else:
        ensure_code_in_scope(place.code, actor)
    period = _date(errors, "period", period, _("The period"))
    if period and period > timezone.localdate():
        errors["period"] = [_("A report is filed for a period that has begun.")]
    findings = _text(errors, "findings", findings, _("The findings"), 10000, required=not is_zero)
    try:
        found_count = int(found_count or 0)
    except (TypeError, ValueError):
        found_count = -1
    if found_count < 0 or found_count > 100000:
        errors["found_count"] = [_("The number of disputes found is a whole number, not negative.")]
    elif is_zero and found_count:
        errors["found_count"] = [_("A nothing-found report (零报告) finds no disputes.")]
    elif not is_zero and not found_count:
        errors["found_count"] = [_("Give the number of disputes found, or file a nothing-found report (零报告).")]
    _raise(errors)
    start = period_of(period)
    values = {"is_zero": bool(is_zero), "findings": findings, "found_count": found_count,
              "filed_by": user_of(actor), "filed_at": timezone.now()}
    with transaction.atomic():
        report, created = ScreeningReport.objects.select_for_update().get_or_create(
            region=place, period_start=start, defaults=values)
        if not created:
            before = {"is_zero": report.is_zero, "found_count": report.found_count}
            for name, value in values.items():
                setattr(report, name, value)
            report.save()
        record(actor=actor, action="mediation.screening.file" if created else "mediation.screening.change",
               obj=report, changes={"region": place.code, "period": start.isoformat(), "is_zero": bool(is_zero),
                                    "found_count": found_count, **({} if created else {"before": before})})
    return report


# --- configuration ----------------------------------------------------------------------

def save_committee(*, actor, unit, tier: str, trade: str = "", is_active: bool = True) -> Committee:
    """Make a mediation-committee unit a committee of a tier (and trade), or change it."""
    require(actor, "mediation.configure")
    errors: dict = {}
    if not isinstance(unit, Unit) or unit.kind != UnitKind.MEDIATION_COMMITTEE:
        errors["unit"] = [_("Choose a unit of kind mediation committee.")]
    else:
        ensure_in_scope(unit, actor)
    tier = _choice(errors, "tier", tier, Tier, _("the tier"))
    trade = _choice(errors, "trade", trade or "", Trade, _("the trade"))
    _raise(errors)
    with transaction.atomic():
        committee, created = Committee.objects.update_or_create(
            unit=unit, defaults={"tier": tier, "trade": trade, "is_active": bool(is_active)})
        record(actor=actor, action="mediation.committee.save", obj=committee,
               changes={"tier": tier, "trade": trade, "is_active": bool(is_active), "created": created})
    return committee


def save_dispute_type(*, actor, code: str, name: str, name_en: str = "", order=0,
                      is_active: bool = True) -> DisputeType:
    """Add a dispute type, or change one's names, order or whether it is offered. The code stays: the
    events and the figures refer to it; a type no longer used is retired (inactive), never deleted."""
    require(actor, "mediation.configure")
    errors: dict = {}
    code = _text(errors, "code", code, _("The code"), 32, multiline=False)
    if code and "code" not in errors and not re.fullmatch(r"[a-z0-9_]+", code):
        errors["code"] = [_("A code is made of lower-case letters, digits and underscores.")]
    name = _text(errors, "name", name, _("The name"), 50, multiline=False)
    name_en = _text(errors, "name_en", name_en, _("The English name"), 80, required=False, multiline=False)
    try:
        order = int(order or 0)
    except (TypeError, ValueError):
        order = -1
    if not 0 <= order <= 32767:
        errors["order"] = [_("The order is a whole number from 0 to 32767.")]
    _raise(errors)
    values = {"name": name, "name_en": name_en, "order": order, "is_active": bool(is_active)}
    with transaction.atomic():
        row = DisputeType.objects.select_for_update().filter(code=code).first()
        before = {k: getattr(row, k) for k in values} if row is not None else None
        if row is None:
            row = DisputeType.objects.create(code=code, **values)
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
        record(actor=actor, action="mediation.type.save", obj=row,
               changes={"code": code, **values, **({"before": before} if before else {"created": True})})
    return row


# --- the one audited reveal -------------------------------------------------------------

def reveal_party(*, actor, party: Party, reason: str) -> dict:
    """A party's name, ID number, phone and address in clear, with a reason: audited and rate-limited."""
    require(actor, "mediation.reveal")
    ensure_in_scope(party.dispute, actor)
    audit_reveal.reveal(actor=actor, action="mediation.party.reveal", reason=reason, obj=party,
                        object_repr=f"{party.dispute.number} {party.get_role_display()}",
                        region_code=party.dispute.region_code, changes={"party": party.pk})
    return {"name": party.clear_name(), "id_number": party.clear_id_number(), "phone": party.clear_phone(),
            "address": party.address}


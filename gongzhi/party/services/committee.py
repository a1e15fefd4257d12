"""Writes of the 大党委: part-time members, joint meetings (agenda, attendance, minutes) and their decisions.

A decision's deadline is counted in working days from the meeting on the
working-day calendar of the committee's community (``workcal.add_working_days``
with its region code), so a local holiday there moves it. A decision is tracked
until it is done (with its outcome) or dropped (with a reason); the deadline
sweep (:mod:`gongzhi.party.sweep`) alerts when it is due soon and when overdue.
Concurrent completions of one decision: the row is locked, the second is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.models import User
from gongzhi.audit.services import record
from gongzhi.core import crypto, workcal
from gongzhi.core.scoping import ensure_in_scope
from gongzhi.registry.models import Organisation

from ..models import (
    Attendance,
    Decision,
    DecisionState,
    JointMeeting,
    MeetingState,
    PartTimeMember,
    PartyOrganisation,
    UnitReport,
)
from .common import apply_changes, audit_diff, check, full_clean, take_snapshot
from .common import text as cleaned

MAX_WORKING_DAYS = 250


def _committee(org: PartyOrganisation) -> None:
    if not org.is_joint_committee:
        raise ValidationError({"committee": _("%(name)s is not a 大党委.") % {"name": org.name}})
    if org.dissolved_on is not None:
        raise ValidationError({"committee": _("%(name)s was dissolved.") % {"name": org.name}})


def _validate_part_time(member: PartTimeMember) -> None:
    member.name = cleaned(member.name, "name", _("The name"), max_length=50)
    member.position = cleaned(member.position, "position", _("The position"), max_length=100, required=False)
    member.phone = crypto.normalize_phone(member.phone)
    member.phone_index = crypto.blind_index("phone", member.phone)
    if member.term_start is None or member.term_end is None:
        raise ValidationError({"term_end": _("Give the term's first and last day.")})
    if member.term_end < member.term_start:
        raise ValidationError({"term_end": _("The term cannot end before it begins.")})
    full_clean(member)


def add_part_time_member(*, actor, committee: PartyOrganisation, name: str, unit: Organisation, term_start: date,
                         term_end: date, position: str = "", phone: str = "") -> PartTimeMember:
    """A part-time member (兼职委员) of a 大党委, from a unit of the area, for a term."""
    check(actor, "party.manage", committee, unit)
    _committee(committee)
    member = PartTimeMember(committee=committee, name=name, unit=unit, term_start=term_start, term_end=term_end,
                            position=position, phone=phone)
    with transaction.atomic():
        _validate_part_time(member)
        member.save()
        record(actor=actor, action="party.part_time.add", obj=member, changes=audit_diff(member, None))
    return member


def change_part_time_member(*, actor, member: PartTimeMember, reason: str = "", **changes) -> PartTimeMember:
    """Change a part-time member's details or term (end it early by moving ``term_end``)."""
    check(actor, "party.manage", member)
    with transaction.atomic():
        member = PartTimeMember.objects.select_for_update().get(pk=member.pk)
        before = take_snapshot(member)
        apply_changes(member, changes, {"name", "position", "phone", "term_start", "term_end", "unit"})
        check(actor, "party.manage", member.unit)
        _validate_part_time(member)
        member.save()
        diff = audit_diff(member, before)
        diff.pop("phone_index", None)
        record(actor=actor, action="party.part_time.change", obj=member, changes=diff, reason=reason)
    return member


def schedule_meeting(*, actor, committee: PartyOrganisation, title: str, starts_at: datetime, agenda: str,
                     place: str = "", invite_units=None) -> JointMeeting:
    """Call a joint meeting; the part-time members serving that day and the reporting units' leaders are invited.

    ``invite_units``: the units whose party leaders are asked; default every unit reporting to the community.
    """
    check(actor, "party.manage", committee)
    _committee(committee)
    if starts_at is None:
        raise ValidationError({"starts_at": _("Give the time of the meeting.")})
    meeting = JointMeeting(committee=committee, starts_at=starts_at, created_by=user_of(actor),
                           title=cleaned(title, "title", _("The title"), max_length=200),
                           agenda=cleaned(agenda, "agenda", _("The agenda"), max_length=5000, multiline=True),
                           place=cleaned(place, "place", _("The place"), max_length=200, required=False))
    day = timezone.localtime(starts_at).date()
    with transaction.atomic():
        full_clean(meeting)
        meeting.save()
        members = list(committee.part_time_members.filter(term_start__lte=day, term_end__gte=day)
                       .select_related("unit"))
        rows = [Attendance(meeting=meeting, member=m, unit=m.unit, name=m.name) for m in members]
        if invite_units is None:
            reports = UnitReport.objects.filter(community=committee.region, ended_on__isnull=True).select_related("unit")
            units = [(r.unit, r.party_leader) for r in reports]
        else:
            units = []
            for unit in invite_units:
                ensure_in_scope(unit, actor)
                report = UnitReport.objects.filter(unit=unit, ended_on__isnull=True).first()
                units.append((unit, report.party_leader if report else ""))
        represented = {m.unit_id for m in members}
        rows += [Attendance(meeting=meeting, unit=unit, name=leader or unit.name) for unit, leader in units
                 if unit.pk not in represented]
        Attendance.objects.bulk_create(rows)
        record(actor=actor, action="party.meeting.schedule", obj=meeting,
               changes={**audit_diff(meeting, None), "invited": len(rows)})
    return meeting


def record_meeting(*, actor, meeting: JointMeeting, minutes: str, present=(), absent_notes: dict | None = None,
                   guests=()) -> JointMeeting:
    """The meeting was held: its minutes, who came (attendance ids in ``present``; the rest were absent),
    and guests who were not invited (names)."""
    check(actor, "party.manage", meeting)
    minutes = cleaned(minutes, "minutes", _("The minutes"), max_length=20000, multiline=True)
    with transaction.atomic():
        meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state != MeetingState.PLANNED:
            raise ValidationError({"__all__": _("This meeting was already held or cancelled.")})
        if meeting.starts_at > timezone.now():
            raise ValidationError({"__all__": _("The meeting has not started yet.")})
        present = {int(pk) for pk in present}
        rows = list(meeting.attendance.all())
        unknown = present - {row.pk for row in rows}
        if unknown:
            raise ValidationError({"present": _("Someone marked present was not invited to this meeting.")})
        notes = absent_notes or {}
        for row in rows:
            row.present = row.pk in present
            row.note = cleaned(notes.get(row.pk, ""), "absent_notes", _("The note"), max_length=200, required=False)
        Attendance.objects.bulk_update(rows, ["present", "note"])
        for guest in guests:
            Attendance.objects.create(meeting=meeting, present=True,
                                      name=cleaned(guest, "guests", _("The name"), max_length=50))
        meeting.minutes = minutes
        meeting.state = MeetingState.HELD
        meeting.save(update_fields=["minutes", "state", "updated_at"])
        record(actor=actor, action="party.meeting.held", obj=meeting,
               changes={"present": sorted(present), "absent": sorted(r.pk for r in rows if r.pk not in present),
                        "guests": len(list(guests))})
    return meeting


def cancel_meeting(*, actor, meeting: JointMeeting, reason: str) -> JointMeeting:
    check(actor, "party.manage", meeting)
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    with transaction.atomic():
        meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state != MeetingState.PLANNED:
            raise ValidationError({"__all__": _("This meeting was already held or cancelled.")})
        meeting.state = MeetingState.CANCELLED
        meeting.save(update_fields=["state", "updated_at"])
        record(actor=actor, action="party.meeting.cancel", obj=meeting, reason=reason)
    return meeting


def _working_days(value) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"working_days": _("Enter the working days as a whole number.")}) from None
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ValidationError({"working_days": _("Between 1 and %(max)d working days.") % {"max": MAX_WORKING_DAYS}})
    return days


def decision_due(meeting: JointMeeting, working_days: int) -> datetime:
    """The deadline of a decision: ``working_days`` working days after the meeting, on its community's calendar."""
    return workcal.add_working_days(meeting.starts_at, working_days, region=meeting.committee.region.code)


def add_decision(*, actor, meeting: JointMeeting, text: str, owner_name: str, working_days: int,
                 owner_unit: Organisation | None = None, follow_up_by: User | None = None) -> Decision:
    """A decision of a held meeting, owned by a person (and unit), due in working days after the meeting."""
    check(actor, "party.manage", meeting, owner_unit)
    if meeting.state != MeetingState.HELD:
        raise ValidationError({"__all__": _("Decisions are recorded once the meeting was held.")})
    if follow_up_by is not None and not (follow_up_by.is_active and follow_up_by.scope.covers_code(
            meeting.committee.region.code)):
        raise ValidationError({"follow_up_by": _("Choose a staff member of the committee's area.")})
    days = _working_days(working_days)
    decision = Decision(meeting=meeting, owner_unit=owner_unit, follow_up_by=follow_up_by, working_days=days,
                        text=cleaned(text, "text", _("The decision"), max_length=2000, multiline=True),
                        owner_name=cleaned(owner_name, "owner_name", _("The owner"), max_length=50),
                        due_at=decision_due(meeting, days))
    with transaction.atomic():
        full_clean(decision)
        decision.save()
        record(actor=actor, action="party.decision.add", obj=decision, changes=audit_diff(decision, None))
    return decision


def _close(actor, decision: Decision, state: str, *, outcome: str = "", reason: str = "",
           version: int | None = None) -> Decision:
    check(actor, "party.manage", decision)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if version is not None and int(version) != decision.version:
            raise ValidationError({"__all__": _("Someone changed this decision meanwhile; look at it again.")})
        if decision.state != DecisionState.OPEN:
            raise ValidationError({"__all__": _("This decision is already %(state)s.")
                                   % {"state": decision.get_state_display().lower()}})
        decision.state = state
        decision.done_at = timezone.now()
        decision.outcome = outcome
        decision.version += 1
        decision.save(update_fields=["state", "done_at", "outcome", "version"])
        record(actor=actor, action=f"party.decision.{state}", obj=decision, reason=reason,
               changes={"state": [DecisionState.OPEN, state], "outcome": outcome,
                        "late": decision.done_at > decision.due_at})
    return decision


def complete_decision(*, actor, decision: Decision, outcome: str, version: int | None = None) -> Decision:
    """The decision was carried out: what was done."""
    outcome = cleaned(outcome, "outcome", _("The outcome"), max_length=2000, multiline=True)
    return _close(actor, decision, DecisionState.DONE, outcome=outcome, version=version)


def drop_decision(*, actor, decision: Decision, reason: str, version: int | None = None) -> Decision:
    """The decision will not be carried out (overtaken, withdrawn by a later meeting): why."""
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    return _close(actor, decision, DecisionState.DROPPED, reason=reason, version=version)


def extend_decision(*, actor, decision: Decision, working_days: int, reason: str) -> Decision:
    """Move an open decision's deadline: ``working_days`` more working days from its current deadline."""
    check(actor, "party.manage", decision)
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    days = _working_days(working_days)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().select_related("meeting__committee__region").get(
            pk=decision.pk)
        if decision.state != DecisionState.OPEN:
            raise ValidationError({"__all__": _("Only an open decision's deadline can be moved.")})
        before = decision.due_at
        decision.due_at = workcal.add_working_days(before, days, region=decision.meeting.committee.region.code)
        decision.working_days += days
        decision.version += 1
        decision.save(update_fields=["due_at", "working_days", "version"])
        record(actor=actor, action="party.decision.extend", obj=decision, reason=reason,
               changes={"due_at": [before.isoformat(), decision.due_at.isoformat()]})
    return decision

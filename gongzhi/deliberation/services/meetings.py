"""Meetings (多方会谈): the invited parties, the agenda, attendance and minutes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_in_scope

from ..models import TEXT_MAX, TITLE_MAX, Meeting, MeetingMode, MeetingParticipant, MeetingState, Party
from .common import manage, text


def create_meeting(*, actor, region, title: str, starts_at, mode: str = MeetingMode.IN_PERSON, place: str = "",
                   online_link: str = "", items=(), participants=()) -> Meeting:
    """``participants``: ``[(party, organisation or None, user or None), ...]``: who is invited."""
    manage(actor, region)
    errors = {}
    title = text(title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    place = text(place, "place", _("The place"), max_length=200, required=False, multiline=False)
    if mode not in MeetingMode.values:
        errors["mode"] = _("Choose in person, online or both.")
    if mode in (MeetingMode.IN_PERSON, MeetingMode.BOTH) and not place:
        errors["place"] = _("A meeting in person needs its place.")
    if mode in (MeetingMode.ONLINE, MeetingMode.BOTH) and not online_link:
        errors["online_link"] = _("An online meeting needs its link.")
    if starts_at is None:
        errors["starts_at"] = _("Give the time the meeting starts.")
    parts = list(participants)
    if not parts:
        errors["participants"] = _("Invite at least one party.")
    for party, _organisation, _user in parts:
        if party not in Party.values:
            errors["participants"] = _("Unknown party.")
    items = list(items)
    for item in items:
        if not item.region.code.startswith(region.prefix) and not region.code.startswith(item.region.prefix):
            errors["items"] = _("An agenda item of another area cannot be on this meeting's agenda.")
    if errors:
        raise ValidationError(errors)
    for _party, organisation, user in parts:
        if organisation is not None:
            ensure_in_scope(organisation, actor)
    with transaction.atomic():
        meeting = Meeting.objects.create(region=region, title=title, mode=mode, place=place,
                                         online_link=online_link or "", starts_at=starts_at,
                                         created_by=user_of(actor))
        meeting.items.set(items)
        MeetingParticipant.objects.bulk_create([MeetingParticipant(meeting=meeting, party=party,
                                                                   organisation=organisation, user=user)
                                                for party, organisation, user in parts])
        record(actor=actor, action="deliberation.meeting.create", obj=meeting,
               changes={"title": title, "starts_at": starts_at.isoformat(), "mode": mode,
                        "items": [i.pk for i in items], "parties": sorted({p for p, _o, _u in parts})})
    return meeting


def record_meeting(*, actor, meeting: Meeting, minutes: str, present: dict[int, bool]) -> Meeting:
    """The meeting was held: its minutes and who of the invited attended (``{participant id: bool}``)."""
    manage(actor, meeting.region)
    minutes = text(minutes, "minutes", _("The minutes"), max_length=TEXT_MAX)
    with transaction.atomic():
        current = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if current.state == MeetingState.CANCELLED:
            raise ValidationError(_("This meeting was cancelled."))
        if current.starts_at > timezone.now():
            raise ValidationError({"minutes": _("A meeting's minutes are recorded after it started.")})
        known = {p.pk: p for p in current.participants.all()}
        unknown = set(present) - set(known)
        if unknown:
            raise ValidationError({"present": _("Attendance names someone who was not invited.")})
        for pk, here in present.items():
            known[pk].present = bool(here)
            known[pk].save(update_fields=["present"])
        current.minutes, current.state = minutes, MeetingState.HELD
        current.save(update_fields=["minutes", "state"])
        record(actor=actor, action="deliberation.meeting.record", obj=current,
               changes={"present": sum(1 for v in present.values() if v), "invited": len(known)})
    return current


def invite_to_meeting(*, actor, meeting: Meeting, participants) -> list[MeetingParticipant]:
    """Invite more parties to a planned meeting (``[(party, organisation or None, user or None), ...]``)."""
    manage(actor, meeting.region)
    parts = list(participants)
    if not parts:
        raise ValidationError({"participants": _("Invite at least one party.")})
    if any(party not in Party.values for party, _o, _u in parts):
        raise ValidationError({"participants": _("Unknown party.")})
    for _party, organisation, _user in parts:
        if organisation is not None:
            ensure_in_scope(organisation, actor)
    with transaction.atomic():
        current = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if current.state != MeetingState.PLANNED:
            raise ValidationError(_("Parties are invited to a planned meeting only."))
        known = set(current.participants.values_list("party", "organisation_id", "user_id"))
        fresh = [(p, o, u) for p, o, u in parts
                 if (p, getattr(o, "pk", None), getattr(u, "pk", None)) not in known]
        if not fresh:
            raise ValidationError({"participants": _("These parties are already invited.")})
        made = MeetingParticipant.objects.bulk_create([MeetingParticipant(meeting=current, party=p, organisation=o,
                                                                          user=u) for p, o, u in fresh])
        record(actor=actor, action="deliberation.meeting.invite", obj=current,
               changes={"parties": sorted({p for p, _o, _u in fresh})})
    return made

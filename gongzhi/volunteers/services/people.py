"""Volunteers (apply, register, verify, reject, suspend, reinstate, reveal) and their teams."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.phone_signin import normalize_mobile
from gongzhi.accounts.roles import require
from gongzhi.audit.reveal import reveal
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.core.ids import is_valid_id_number, normalize_id_number
from gongzhi.core.scoping import ensure_in_scope

from ..models import Team, TeamMembership, TeamRole, Volunteer, VolunteerStatus
from ..models.people import NAME_MAX, SKILLS_MAX
from . import common

PERSONAL_FIELDS = ("phone", "id_number")


def _id_number(value, *, required: bool) -> str:
    value = normalize_id_number(str(value or "")) if str(value or "").strip() else ""
    if not value:
        if required:
            raise ValidationError({"id_number": _("Give your resident ID number: the community checks it against "
                                                  "its register.")})
        return ""
    if not is_valid_id_number(value):
        raise ValidationError({"id_number": _("This is not a valid resident ID number (18 characters, the last "
                                              "one a check digit).")})
    return value


def _skills(value) -> str:
    parts = [p.strip() for p in str(value or "").replace("，", ",").replace("、", ",").split(",") if p.strip()]
    return common.text(", ".join(dict.fromkeys(parts)), "skills", _("Skills"), SKILLS_MAX, required=False)


def _masked(volunteer: Volunteer) -> dict:
    return {"name": volunteer.name, "phone": volunteer.phone_masked, "id_number": volunteer.id_number_masked,
            "region": volunteer.region.code, "status": volunteer.status, "skills": volunteer.skills}


def apply(*, actor, region, name: str, phone: str, id_number: str, skills: str = "") -> Volunteer:
    """A signed-in person applies to volunteer in a community; the community verifies it."""
    require(actor, "volunteers.join")
    user = user_of(actor)
    if user is None:
        raise PermissionDenied(_("Sign in to apply as a volunteer."))
    place, name, phone, id_number, skills = common.merge_errors(
        lambda: common.place(region),
        lambda: common.text(name, "name", _("Your name"), NAME_MAX),
        lambda: normalize_mobile(phone),
        lambda: _id_number(id_number, required=True),
        lambda: _skills(skills),
    )
    if Volunteer.objects.filter(user=user).exists():
        raise ValidationError({"__all__": _("You have already applied as a volunteer.")})
    index = crypto.blind_index("id_number", id_number)
    if Volunteer.objects.filter(id_number_index=index).exists():
        raise ValidationError({"id_number": _("A volunteer with this ID number is already registered; ask the "
                                              "community to link your account.")})
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(region=place, user=user, name=name, phone=phone,
                                                 id_number=id_number, skills=skills)
            record(actor=actor, action="volunteers.volunteer.apply", obj=volunteer, changes=_masked(volunteer))
    except IntegrityError:  # applied twice at once
        raise ValidationError({"__all__": _("You have already applied as a volunteer.")}) from None
    return volunteer


def register(*, actor, person, skills: str = "", user=None) -> Volunteer:
    """Staff register a person of the registry as a volunteer, verified at once, placed in their grid."""
    require(actor, "volunteers.manage")
    ensure_in_scope(person, actor)
    place = common.place(person.grid, actor)
    skills = _skills(skills)
    if Volunteer.objects.filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s is already a volunteer.") % {"name": person.name}})
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This account already belongs to a volunteer.")})
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                region=place, person=person, user=user, name=person.name, phone=person.phone,
                id_number=person.id_number if person.id_type == "resident_id" else "", skills=skills,
                status=VolunteerStatus.VERIFIED, verified_by=user_of(actor), verified_at=timezone.now())
            record(actor=actor, action="volunteers.volunteer.register", obj=volunteer,
                   changes={**_masked(volunteer), "person": person.pk})
    except IntegrityError:
        raise ValidationError({"person": _("%(name)s is already a volunteer.") % {"name": person.name}}) from None
    return volunteer


def candidates_for(volunteer: Volunteer):
    """Registry persons an application may be linked to: the same ID number, else the same phone."""
    from gongzhi.registry.models import Person

    people = Person.objects.none()
    if volunteer.id_number_index:
        people = Person.objects.filter(id_number_index=volunteer.id_number_index)
    if not people.exists() and volunteer.phone_index:
        people = Person.objects.filter(phone_index=volunteer.phone_index)
    return people.select_related("grid")


def verify(*, actor, volunteer: Volunteer, person=None) -> Volunteer:
    """Verify an application, linking it to the registry's person (the one with the same ID number when
    ``person`` is not given). A person who is not in the community's register cannot be verified."""
    require(actor, "volunteers.manage")
    ensure_in_scope(volunteer, actor)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status == VolunteerStatus.VERIFIED:
            raise ValidationError({"__all__": _("This volunteer is already verified.")})
        if person is None:
            matches = list(candidates_for(volunteer)[:2])
            if len(matches) != 1:
                raise ValidationError({"person": _(
                    "No single person of the register matches this application; choose the person.")})
            person = matches[0]
        ensure_in_scope(person, actor)
        other = Volunteer.objects.filter(person=person).exclude(pk=volunteer.pk).first()
        if other is not None:
            raise ValidationError({"person": _("%(name)s is already a volunteer.") % {"name": person.name}})
        volunteer.person = person
        if person.grid.code.startswith(volunteer.community_code):
            volunteer.region = person.grid  # placed in their grid: its grid worker sees them too
        volunteer.status = VolunteerStatus.VERIFIED
        volunteer.status_reason = ""
        volunteer.verified_by = user_of(actor)
        volunteer.verified_at = timezone.now()
        volunteer.save()
        record(actor=actor, action="volunteers.volunteer.verify", obj=volunteer,
               changes={"person": person.pk, "region": volunteer.region.code})
    return volunteer


_STATUS_CHANGES = {
    # action: (from states, to state, needs a reason)
    "reject": ((VolunteerStatus.APPLIED,), VolunteerStatus.REJECTED, True),
    "suspend": ((VolunteerStatus.VERIFIED,), VolunteerStatus.SUSPENDED, True),
    "reinstate": ((VolunteerStatus.SUSPENDED,), VolunteerStatus.VERIFIED, False),
}


def change_status(*, actor, volunteer: Volunteer, action: str, reason: str = "") -> Volunteer:
    """Reject an application, suspend a volunteer or reinstate one, with a reason (audited)."""
    require(actor, "volunteers.manage")
    ensure_in_scope(volunteer, actor)
    if action not in _STATUS_CHANGES:
        raise ValidationError({"action": _("Unknown action.")})
    sources, target, needs_reason = _STATUS_CHANGES[action]
    reason = common.text(reason, "reason", _("The reason"), 200, required=needs_reason)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.status not in sources:
            raise ValidationError({"__all__": _("A volunteer who is “%(state)s” cannot be changed so.") % {
                "state": volunteer.get_status_display()}})
        before = volunteer.status
        volunteer.status, volunteer.status_reason = target, reason
        volunteer.save(update_fields=["status", "status_reason", "updated_at"])
        record(actor=actor, action=f"volunteers.volunteer.{action}", obj=volunteer, reason=reason,
               changes={"status": [before, target]})
    return volunteer


def reveal_personal_field(*, actor, volunteer: Volunteer, field: str, reason: str) -> str:
    """One volunteer's phone or ID number in clear, with a reason: audited and rate-limited."""
    if field not in PERSONAL_FIELDS:
        raise ValidationError({"field": _("Only the ID number or the phone number can be revealed.")})
    require(actor, "volunteers.reveal")
    ensure_in_scope(volunteer, actor)
    reveal(actor=actor, action="volunteers.volunteer.reveal", obj=volunteer, changes={"field": field},
           reason=reason)
    return getattr(volunteer, field)


# --- teams -----------------------------------------------------------------------


def create_team(*, actor, region, name: str, description: str = "", organisation=None) -> Team:
    require(actor, "volunteers.manage")
    place, name, description = common.merge_errors(
        lambda: common.place(region, actor),
        lambda: common.text(name, "name", _("The name"), 100),
        lambda: common.text(description, "description", _("The description"), 2000, required=False),
    )
    if organisation is not None:
        ensure_in_scope(organisation, actor)
    if Team.objects.filter(region=place, name=name).exists():
        raise ValidationError({"name": _("The community already has a team of this name.")})
    with transaction.atomic():
        team = Team.objects.create(region=place, name=name, description=description, organisation=organisation,
                                   created_by=user_of(actor))
        record(actor=actor, action="volunteers.team.create", obj=team,
               changes={"name": name, "region": place.code,
                        "organisation": organisation.pk if organisation is not None else None})
    return team


def change_team(*, actor, team: Team, name: str, description: str = "", active: bool = True) -> Team:
    require(actor, "volunteers.manage")
    ensure_in_scope(team, actor)
    name, description = common.merge_errors(
        lambda: common.text(name, "name", _("The name"), 100),
        lambda: common.text(description, "description", _("The description"), 2000, required=False),
    )
    if Team.objects.filter(region=team.region, name=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": _("The community already has a team of this name.")})
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = {"name": team.name, "active": team.active}
        team.name, team.description, team.active = name, description, bool(active)
        team.save()
        after = {"name": team.name, "active": team.active}
        record(actor=actor, action="volunteers.team.change", obj=team,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return team


def add_member(*, actor, team: Team, volunteer: Volunteer, role: str = TeamRole.MEMBER) -> TeamMembership:
    require(actor, "volunteers.manage")
    ensure_in_scope(team, actor)
    ensure_in_scope(volunteer, actor)
    if role not in TeamRole.values:
        raise ValidationError({"role": _("Choose leader or member.")})
    if volunteer.community_code != team.community_code:
        raise ValidationError({"volunteer": _("%(name)s volunteers in another community.") % {"name": volunteer.name}})
    if not volunteer.is_verified:
        raise ValidationError({"volunteer": _("%(name)s is not a verified volunteer.") % {"name": volunteer.name}})
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, volunteer=volunteer, role=role)
            record(actor=actor, action="volunteers.team.add_member", obj=team,
                   changes={"volunteer": volunteer.pk, "role": role})
    except IntegrityError:
        raise ValidationError({"volunteer": _("%(name)s is already in this team.") % {"name": volunteer.name}}) from None
    return membership


def remove_member(*, actor, membership: TeamMembership) -> None:
    require(actor, "volunteers.manage")
    ensure_in_scope(membership.team, actor)
    with transaction.atomic():
        record(actor=actor, action="volunteers.team.remove_member", obj=membership.team,
               changes={"volunteer": membership.volunteer_id, "role": membership.role})
        membership.delete()

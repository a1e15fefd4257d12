"""Writes of the party organisation tree and its members; the audited reveal of a member's name."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.reveal import reveal
from gongzhi.audit.services import record
from gongzhi.regions.models import PREFIX_LENGTH
from gongzhi.registry.models import Person

from ..models import MemberRole, MemberStatus, OrgLevel, PartyMember, PartyOrganisation
from ..models.tree import PARENT_LEVELS, REGION_LEVEL
from .common import apply_changes, audit_diff, check, full_clean, not_future, region_at, take_snapshot, text

_ORG_FIELDS = {"name", "parent", "building", "is_joint_committee", "founded_on", "external_id"}


def _validate_org(org: PartyOrganisation) -> None:
    org.name = text(org.name, "name", _("The name"), max_length=100)
    if org.level not in OrgLevel.values:
        raise ValidationError({"level": _("Choose the level of the organisation.")})
    wanted = REGION_LEVEL[org.level]
    if org.region.level != wanted:
        raise ValidationError({"region": _("A %(level)s sits on a %(region_level)s, not on %(name)s.") % {
            "level": OrgLevel(org.level).label, "region_level": wanted, "name": org.region.name}})
    allowed = PARENT_LEVELS[org.level]
    if org.parent_id is None:
        if allowed:
            raise ValidationError({"parent": _("Choose the organisation above this one.")})
    else:
        parent = org.parent
        if parent.level not in allowed:
            raise ValidationError({"parent": _("A %(level)s cannot be under a %(parent)s.") % {
                "level": OrgLevel(org.level).label, "parent": OrgLevel(parent.level).label}})
        prefix = parent.region.code[:PREFIX_LENGTH[parent.region.level]]
        if not org.region.code.startswith(prefix):
            raise ValidationError({"parent": _("The organisation above must be in an area that contains %(name)s.")
                                   % {"name": org.region.name}})
        if parent.dissolved_on is not None:
            raise ValidationError({"parent": _("%(name)s was dissolved.") % {"name": parent.name}})
    if org.level == OrgLevel.GROUP:
        if org.building_id is None:
            raise ValidationError({"building": _("A building party group needs its building.")})
        if org.building.grid_id != org.region_id:
            raise ValidationError({"building": _("The building is not in this grid.")})
    elif org.building_id is not None:
        raise ValidationError({"building": _("Only a building party group has a building.")})
    if org.is_joint_committee and org.level != OrgLevel.COMMUNITY_COMMITTEE:
        raise ValidationError({"is_joint_committee": _("Only a community party committee can be a 大党委.")})
    full_clean(org)


def create_organisation(*, actor, name: str, level: str, region, parent: PartyOrganisation | None = None,
                        building=None, is_joint_committee: bool = False, founded_on: date | None = None,
                        external_id: str = "") -> PartyOrganisation:
    """Add a party organisation to the tree, on the region of its level, under its parent."""
    check(actor, "party.manage")  # who may, before what is wrong with the input
    region = region_at(region)
    check(actor, "party.manage", region, parent, building)
    org = PartyOrganisation(name=name, level=level, region=region, parent=parent, building=building,
                            is_joint_committee=bool(is_joint_committee), founded_on=founded_on,
                            external_id=(external_id or "").strip())
    with transaction.atomic():
        _validate_org(org)
        org.save()
        record(actor=actor, action="party.organisation.create", obj=org, changes=audit_diff(org, None))
    return org


def update_organisation(*, actor, organisation: PartyOrganisation, reason: str = "", **changes) -> PartyOrganisation:
    check(actor, "party.manage", organisation)
    with transaction.atomic():
        org = PartyOrganisation.objects.select_for_update().get(pk=organisation.pk)
        before = take_snapshot(org)
        apply_changes(org, changes, _ORG_FIELDS)
        check(actor, "party.manage", org.parent, org.building)
        if org.parent_id == org.pk:
            raise ValidationError({"parent": _("An organisation cannot be under itself.")})
        _validate_org(org)
        org.save()
        record(actor=actor, action="party.organisation.update", obj=org, changes=audit_diff(org, before),
               reason=reason)
    return org


def dissolve_organisation(*, actor, organisation: PartyOrganisation, on: date | None = None,
                          reason: str = "") -> PartyOrganisation:
    """Dissolve an organisation with no current members and no active organisations under it."""
    check(actor, "party.manage", organisation)
    on = on or timezone.localdate()
    with transaction.atomic():
        org = PartyOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if org.dissolved_on is not None:
            raise ValidationError({"__all__": _("This organisation was already dissolved.")})
        if org.children.filter(dissolved_on__isnull=True).exists():
            raise ValidationError({"__all__": _("Dissolve or move the organisations under it first.")})
        if org.members.filter(left_on__isnull=True).exists():
            raise ValidationError({"__all__": _("Move its members to another organisation first.")})
        org.dissolved_on = on
        org.save(update_fields=["dissolved_on", "updated_at"])
        record(actor=actor, action="party.organisation.dissolve", obj=org, reason=reason,
               changes={"dissolved_on": on.isoformat()})
    return org


def _validate_member(member: PartyMember) -> None:
    if member.role not in MemberRole.values:
        raise ValidationError({"role": _("Choose the member's role.")})
    if member.status not in MemberStatus.values:
        raise ValidationError({"status": _("Choose full or probationary membership.")})
    if member.organisation.dissolved_on is not None:
        raise ValidationError({"organisation": _("%(name)s was dissolved.") % {"name": member.organisation.name}})
    member.joined_party_on = text(member.joined_party_on, "joined_party_on", _("The date of joining the party"),
                                  max_length=20, required=False)
    member.note = text(member.note, "note", _("The note"), max_length=1000, required=False, multiline=True)
    not_future(member.since, "since")
    full_clean(member)


def add_member(*, actor, person: Person, organisation: PartyOrganisation, role: str = MemberRole.MEMBER,
               status: str = MemberStatus.FULL, joined_party_on: str = "", note: str = "",
               since: date | None = None) -> PartyMember:
    """Record that a registry person's party relation is with ``organisation``."""
    check(actor, "party.manage", organisation, person)
    require_members(actor)
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
        organisation = PartyOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if PartyMember.objects.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": _("This person is already a member of a party organisation; "
                                               "transfer the membership instead.")})
        member = PartyMember(person=person, organisation=organisation, role=role, status=status,
                             joined_party_on=joined_party_on, note=note, since=since or timezone.localdate())
        _validate_member(member)
        member.save()
        record(actor=actor, action="party.member.add", obj=member, changes=audit_diff(member, None))
    return member


def require_members(actor) -> None:
    """Membership is sensitive: writing it needs ``party.members`` as well as ``party.manage``."""
    check(actor, "party.members")


def change_member(*, actor, member: PartyMember, reason: str = "", **changes) -> PartyMember:
    check(actor, "party.manage", member.organisation)
    require_members(actor)
    with transaction.atomic():
        member = PartyMember.objects.select_for_update().select_related("organisation").get(pk=member.pk)
        if member.left_on is not None:
            raise ValidationError({"__all__": _("This membership has ended.")})
        before = take_snapshot(member)
        apply_changes(member, changes, {"role", "status", "joined_party_on", "note"})
        _validate_member(member)
        member.save()
        record(actor=actor, action="party.member.change", obj=member, changes=audit_diff(member, before),
               reason=reason)
    return member


def end_membership(*, actor, member: PartyMember, on: date | None = None, reason: str = "") -> PartyMember:
    """End a membership here (moved away, relation transferred out); the row stays as history."""
    check(actor, "party.manage", member.organisation)
    require_members(actor)
    on = on or timezone.localdate()
    not_future(on, "on")
    with transaction.atomic():
        member = PartyMember.objects.select_for_update().get(pk=member.pk)
        if member.left_on is not None:
            raise ValidationError({"__all__": _("This membership has ended.")})
        if on < member.since:
            raise ValidationError({"on": _("The membership cannot end before it began.")})
        member.left_on = on
        member.save(update_fields=["left_on", "updated_at"])
        record(actor=actor, action="party.member.end", obj=member, reason=reason,
               changes={"left_on": on.isoformat()})
    return member


def transfer_member(*, actor, member: PartyMember, organisation: PartyOrganisation, on: date | None = None,
                    role: str = MemberRole.MEMBER, reason: str = "") -> PartyMember:
    """Move a membership to another organisation: the old one ends, a new one begins the same day."""
    check(actor, "party.manage", member.organisation, organisation)
    on = on or timezone.localdate()
    if organisation.pk == member.organisation_id:
        raise ValidationError({"organisation": _("The member is already in this organisation.")})
    with transaction.atomic():
        old = end_membership(actor=actor, member=member, on=on, reason=reason)
        organisation = PartyOrganisation.objects.select_for_update().get(pk=organisation.pk)
        new = PartyMember(person_id=old.person_id, organisation=organisation, role=role, status=old.status,
                          joined_party_on=old.joined_party_on, note=old.note, since=on)
        _validate_member(new)
        new.save()
        record(actor=actor, action="party.member.transfer", obj=new, reason=reason,
               changes={"from": old.organisation_id, "to": organisation.pk, "since": on.isoformat()})
    return new


def reveal_member(*, actor, member: PartyMember, reason: str) -> str:
    """The member's name in clear: ``party.reveal`` in the member's area, a reason, audited and rate-limited."""
    check(actor, "party.reveal")
    check(actor, "party.members", member)
    reveal(actor=actor, action="party.member.reveal", obj=member, changes={"field": "name"}, reason=reason)
    return member.person.name

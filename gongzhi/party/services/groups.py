"""Writes of the incubation (孵化) of community social organisations: members, activities, support, registration.

The organisation is the registry's (kind 社会组织); its type and registration are
changed through ``registry.services.update_organisation`` (``registry.change``),
so there is one write path for organisations.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.audit.services import record
from gongzhi.registry.models import Organisation, OrganisationKind, Person
from gongzhi.registry.models.organisations import Registration
from gongzhi.registry.services import update_organisation

from ..models import GroupActivity, GroupMember, Incubation, IncubationStage, PartyOrganisation, Support, SupportKind
from .common import audit_diff, check, full_clean, not_future
from .common import text as cleaned


def _social(org: Organisation) -> None:
    if org.kind != OrganisationKind.SOCIAL_ORGANISATION:
        raise ValidationError({"organisation": _("Only a social organisation (社会组织) is incubated.")})


def _open(incubation: Incubation) -> None:
    if incubation.stage != IncubationStage.INCUBATING:
        raise ValidationError({"__all__": _("This incubation has ended.")})


def start_incubation(*, actor, organisation: Organisation, plan: str = "", sponsor: PartyOrganisation | None = None,
                     started_on: date | None = None) -> Incubation:
    """The community starts incubating a social organisation (usually an informal group)."""
    check(actor, "party.manage", organisation, sponsor)
    _social(organisation)
    started_on = started_on or timezone.localdate()
    not_future(started_on, "started_on")
    if organisation.registration == Registration.REGISTERED:
        raise ValidationError({"organisation": _("%(name)s is registered already.") % {"name": organisation.name}})
    with transaction.atomic():
        if Incubation.objects.filter(organisation=organisation).exists():
            raise ValidationError({"organisation": _("%(name)s is incubated already.") % {"name": organisation.name}})
        incubation = Incubation(organisation=organisation, sponsor=sponsor, started_on=started_on,
                                created_by=user_of(actor),
                                plan=cleaned(plan, "plan", _("The plan"), max_length=5000, required=False,
                                             multiline=True))
        full_clean(incubation)
        incubation.save()
        record(actor=actor, action="party.incubation.start", obj=incubation, changes=audit_diff(incubation, None))
    return incubation


def add_group_member(*, actor, organisation: Organisation, person: Person, role: str = GroupMember.Role.MEMBER,
                     joined_on: date | None = None) -> GroupMember:
    check(actor, "party.manage", organisation, person)
    _social(organisation)
    if role not in GroupMember.Role.values:
        raise ValidationError({"role": _("Choose the member's role.")})
    joined_on = joined_on or timezone.localdate()
    not_future(joined_on, "joined_on")
    with transaction.atomic():
        if GroupMember.objects.filter(organisation=organisation, person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": _("This person is in the group already.")})
        row = GroupMember.objects.create(organisation=organisation, person=person, role=role, joined_on=joined_on)
        record(actor=actor, action="party.group_member.add", obj=row, changes={"role": role, "person": person.pk})
    return row


def remove_group_member(*, actor, member: GroupMember, on: date | None = None) -> GroupMember:
    check(actor, "party.manage", member)
    on = on or timezone.localdate()
    with transaction.atomic():
        member = GroupMember.objects.select_for_update().get(pk=member.pk)
        if member.left_on is not None:
            raise ValidationError({"__all__": _("This person has left the group already.")})
        if on < member.joined_on:
            raise ValidationError({"on": _("One cannot leave before joining.")})
        member.left_on = on
        member.save(update_fields=["left_on"])
        record(actor=actor, action="party.group_member.remove", obj=member, changes={"left_on": on.isoformat()})
    return member


def record_group_activity(*, actor, organisation: Organisation, title: str, on: date, place: str = "",
                          participants: int = 0, summary: str = "") -> GroupActivity:
    check(actor, "party.manage", organisation)
    _social(organisation)
    if on is None:
        raise ValidationError({"on": _("Give the date.")})
    not_future(on, "on")
    try:
        participants = int(participants or 0)
    except (TypeError, ValueError):
        raise ValidationError({"participants": _("Enter a whole number.")}) from None
    if participants < 0:
        raise ValidationError({"participants": _("The number cannot be negative.")})
    activity = GroupActivity(organisation=organisation, on=on, participants=participants,
                             title=cleaned(title, "title", _("The title"), max_length=200),
                             place=cleaned(place, "place", _("The place"), max_length=200, required=False),
                             summary=cleaned(summary, "summary", _("The summary"), max_length=5000, required=False,
                                             multiline=True))
    with transaction.atomic():
        full_clean(activity)
        activity.save()
        record(actor=actor, action="party.group_activity.record", obj=activity, changes=audit_diff(activity, None))
    return activity


def record_support(*, actor, incubation: Incubation, kind: str, provider: str, amount=None,
                   on: date | None = None, description: str = "") -> Support:
    """Support the incubated organisation received (a venue, funds, training …)."""
    check(actor, "party.manage", incubation)
    _open(incubation)
    if kind not in SupportKind.values:
        raise ValidationError({"kind": _("Choose the kind of support.")})
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            raise ValidationError({"amount": _("Enter the amount as a number.")}) from None
        if not amount.is_finite() or amount < 0:
            raise ValidationError({"amount": _("The amount cannot be negative.")})
    else:
        amount = None
    on = on or timezone.localdate()
    not_future(on, "on")
    support = Support(incubation=incubation, kind=kind, amount=amount, on=on,
                      provider=cleaned(provider, "provider", _("Who gave it"), max_length=200),
                      description=cleaned(description, "description", _("The description"), max_length=500,
                                          required=False))
    with transaction.atomic():
        full_clean(support)
        support.save()
        record(actor=actor, action="party.support.record", obj=support, changes=audit_diff(support, None))
    return support


def register_formally(*, actor, incubation: Incubation, registration: str, on: date,
                      credit_code: str = "") -> Incubation:
    """The step to formal registration: filed with the subdistrict (备案) or registered (登记, with its
    credit code), written to the registry's organisation; registering ends the incubation as graduated."""
    check(actor, "party.manage", incubation)
    if registration not in (Registration.FILED, Registration.REGISTERED):
        raise ValidationError({"registration": _("Choose filed or registered.")})
    if on is None:
        raise ValidationError({"on": _("Give the date.")})
    not_future(on, "on")
    if registration == Registration.REGISTERED and not (credit_code or "").strip():
        raise ValidationError({"credit_code": _("A registered organisation has a unified social credit code.")})
    with transaction.atomic():
        incubation = Incubation.objects.select_for_update().select_related("organisation").get(pk=incubation.pk)
        _open(incubation)
        changes = {"registration": registration, "registered_on": on}
        if credit_code:
            changes["credit_code"] = credit_code
        update_organisation(actor=actor, organisation=incubation.organisation, **changes)
        if registration == Registration.REGISTERED:
            incubation.stage = IncubationStage.REGISTERED
            incubation.ended_on = on
            incubation.save(update_fields=["stage", "ended_on"])
        record(actor=actor, action="party.incubation.register", obj=incubation,
               changes={"registration": registration, "on": on.isoformat(), "stage": incubation.stage})
    return incubation


def end_incubation(*, actor, incubation: Incubation, reason: str) -> Incubation:
    check(actor, "party.manage", incubation)
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    with transaction.atomic():
        incubation = Incubation.objects.select_for_update().get(pk=incubation.pk)
        _open(incubation)
        incubation.stage = IncubationStage.ENDED
        incubation.ended_on = timezone.localdate()
        incubation.save(update_fields=["stage", "ended_on"])
        record(actor=actor, action="party.incubation.end", obj=incubation, reason=reason)
    return incubation

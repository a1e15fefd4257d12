"""Writes of persons, residences, households and care tags, and revealing personal data."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can
from gongzhi.audit.reveal import reveal
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.core.ids import parse_id_number
from gongzhi.registry.models import (
    CareTag,
    Dwelling,
    DwellingRole,
    Household,
    HouseholdMember,
    IdType,
    Person,
    PersonCareTag,
    PersonStatus,
    Relation,
    Residence,
)

from .common import apply_changes, audit_diff, check, ensure_grid, full_clean, take_snapshot

PERSONAL_FIELDS = {"id_number", "phone"}


def apply_document(person: Person) -> None:
    """Validate the ID document and derive gender and birth date from a resident ID.

    Raises ValidationError naming the field (``id_number``), never the value.
    """
    person.id_number = crypto.normalize_id(person.id_number)
    if person.id_type == IdType.RESIDENT_ID and person.id_number:
        try:
            info = parse_id_number(person.id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        person.id_number, person.gender, person.birth_date = info.number, info.gender, info.birth_date
    if person.phone:
        digits = crypto.normalize_phone(person.phone)
        if not 7 <= len(digits) <= 12:
            raise ValidationError({"phone": _("A phone number has 7 to 12 digits.")})
        person.phone = digits


def _ensure_unique_document(person: Person) -> None:
    if not person.id_number_index:
        return
    clash = Person.objects.filter(id_number_index=person.id_number_index).exclude(pk=person.pk).exists()
    if clash:
        raise ValidationError({"id_number": _("A person with this ID number is already registered.")})


def _save_person(person: Person) -> None:
    apply_document(person)
    person.refresh_derived()
    _ensure_unique_document(person)
    full_clean(person)
    person.save()


@transaction.atomic
def create_person(*, actor, name: str, grid=None, id_type: str = IdType.RESIDENT_ID, id_number: str = "",
                  phone: str = "", residence_type: str = Person._meta.get_field("residence_type").default,
                  dwelling: Dwelling | None = None, dwelling_role: str = "", gender: str = "",
                  birth_date: dt.date | None = None, external_id: str = "", note: str = "",
                  since: dt.date | None = None, status: str = PersonStatus.ACTIVE) -> Person:
    grid = grid or (dwelling.grid if dwelling else None)
    check(actor, "registry.change", ensure_grid(grid), dwelling)
    if dwelling is not None and not dwelling_role:
        raise ValidationError({"dwelling_role": _("Say whether the person owns, rents or is family there.")})
    person = Person(name=name.strip(), grid=grid, id_type=id_type, id_number=id_number, phone=phone,
                    residence_type=residence_type, dwelling=dwelling, dwelling_role=dwelling_role if dwelling else "",
                    gender=gender, birth_date=birth_date, external_id=external_id.strip(), note=note, status=status)
    _save_person(person)
    if dwelling is not None:
        Residence.objects.create(person=person, dwelling=dwelling, role=dwelling_role,
                                 start_date=since or timezone.localdate())
    record(actor=actor, action="registry.person.create", obj=person, changes=audit_diff(person, None))
    return person


@transaction.atomic
def update_person(*, actor, person: Person, reason: str = "", **changes) -> Person:
    """Change a person's own fields. Moving home is :func:`move_person`."""
    check(actor, "registry.change", person)
    before = take_snapshot(person)
    apply_changes(person, changes, {"name", "id_type", "id_number", "phone", "residence_type", "status", "gender",
                                    "birth_date", "external_id", "note", "grid"})
    check(actor, "registry.change", ensure_grid(person.grid))
    _save_person(person)
    changes_made = audit_diff(person, before)
    if changes_made:
        record(actor=actor, action="registry.person.update", obj=person, changes=changes_made, reason=reason)
    return person


@transaction.atomic
def move_person(*, actor, person: Person, dwelling: Dwelling | None, role: str = "", since: dt.date | None = None,
                reason: str = "") -> Person:
    """Close the person's current residence(s) and, given a dwelling, open a new one there.

    ``dwelling=None`` means the person moved out of the area's dwellings.
    """
    check(actor, "registry.change", person, dwelling)
    since = since or timezone.localdate()
    if dwelling is not None and role not in DwellingRole.values:
        raise ValidationError({"role": _("Say whether the person owns, rents or is family there.")})
    before = take_snapshot(person)
    for residence in Residence.objects.filter(person=person, end_date__isnull=True).select_related("dwelling"):
        if residence.dwelling_id == (dwelling.pk if dwelling else None) and residence.role == role:
            continue
        if since < residence.start_date:
            raise ValidationError({"since": _("The move cannot be before the person moved into %(dwelling)s.")
                                   % {"dwelling": residence.dwelling}})
        residence.end_date = since
        residence.save(update_fields=["end_date"])
    if dwelling is not None:
        Residence.objects.get_or_create(person=person, dwelling=dwelling, end_date=None,
                                        defaults={"role": role, "start_date": since})
        person.grid = dwelling.grid
    person.dwelling, person.dwelling_role = dwelling, role if dwelling else ""
    person.save(update_fields=["dwelling", "dwelling_role", "grid", "updated_at"])
    record(actor=actor, action="registry.person.move", obj=person, changes=audit_diff(person, before), reason=reason)
    return person


def reveal_personal_field(*, actor, person: Person, field: str, reason: str) -> str:
    """Return one personal value in clear text, and log that it was looked at.

    Every reveal goes through :func:`gongzhi.audit.reveal.reveal`: a real
    reason, the per-user limits and an audit event (PIPL: every look at
    personal data is logged); the event names the field, never the value.
    """
    if field not in PERSONAL_FIELDS:
        raise ValidationError({"field": _("Only the ID number or the phone number can be revealed.")})
    check(actor, "registry.reveal", person)
    reveal(actor=actor, action="registry.person.reveal", obj=person, changes={"field": field}, reason=reason)
    return getattr(person, field)


# --- households -----------------------------------------------------------------


@transaction.atomic
def create_household(*, actor, head: Person | None, dwelling: Dwelling | None = None, grid=None,
                     external_id: str = "", members: list[tuple[Person, str]] = (), note: str = "",
                     villager_group=None) -> Household:
    """A household with its head and, optionally, further members ``[(person, relation), ...]``."""
    grid = grid or (dwelling.grid if dwelling else head.grid if head else None)
    check(actor, "registry.change", ensure_grid(grid), dwelling, head, villager_group, *(p for p, _r in members))
    household = Household(grid=grid, dwelling=dwelling, head=head, external_id=external_id.strip(), note=note,
                          villager_group=villager_group)
    full_clean(household)
    household.save()
    members = [*([(head, Relation.HEAD)] if head is not None else []), *members]
    for person, relation in members:
        _add_member(household, person, relation)
    record(actor=actor, action="registry.household.create", obj=household,
           changes={**audit_diff(household, None), "members": [[p.pk, str(r)] for p, r in members]})
    return household


@transaction.atomic
def update_household(*, actor, household: Household, reason: str = "", **changes) -> Household:
    """Change a household's own fields; a new head becomes its member with the relation "head"."""
    check(actor, "registry.change", household)
    before = take_snapshot(household)
    apply_changes(household, changes, {"grid", "dwelling", "head", "external_id", "note", "villager_group"})
    check(actor, "registry.change", ensure_grid(household.grid), household.dwelling, household.head,
          household.villager_group)
    household.external_id = (household.external_id or "").strip()
    full_clean(household)
    household.save()
    if "head" in changes and household.head is not None:
        household.members.filter(relation=Relation.HEAD).exclude(person=household.head).update(
            relation=Relation.OTHER)
        _add_member(household, household.head, Relation.HEAD)
    record(actor=actor, action="registry.household.update", obj=household, changes=audit_diff(household, before),
           reason=reason)
    return household


def _add_member(household: Household, person: Person, relation: str) -> HouseholdMember:
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation to the head of household.")})
    existing = HouseholdMember.objects.filter(person=person).select_related("household").first()
    if existing is not None and existing.household_id != household.pk:
        raise ValidationError({"person": _("%(name)s already belongs to another household.") % {"name": person.name}})
    if relation == Relation.HEAD and household.members.filter(relation=Relation.HEAD).exclude(person=person).exists():
        raise ValidationError({"relation": _("The household already has a head.")})
    member, _created = HouseholdMember.objects.update_or_create(person=person, defaults={
        "household": household, "relation": relation})
    return member


@transaction.atomic
def add_household_member(*, actor, household: Household, person: Person, relation: str) -> HouseholdMember:
    check(actor, "registry.change", household, person)
    member = _add_member(household, person, relation)
    if relation == Relation.HEAD:
        household.head = person
        household.save(update_fields=["head", "updated_at"])
    record(actor=actor, action="registry.household.add_member", obj=household,
           changes={"person": person.pk, "relation": relation})
    return member


@transaction.atomic
def remove_household_member(*, actor, household: Household, person: Person, reason: str = "") -> None:
    check(actor, "registry.change", household)
    deleted, _detail = HouseholdMember.objects.filter(household=household, person=person).delete()
    if not deleted:
        raise ValidationError({"person": _("%(name)s is not a member of this household.") % {"name": person.name}})
    if household.head_id == person.pk:
        household.head = None
        household.save(update_fields=["head", "updated_at"])
    record(actor=actor, action="registry.household.remove_member", obj=household, changes={"person": person.pk},
           reason=reason)


# --- care tags ------------------------------------------------------------------


def _check_tag(actor, tag: CareTag | None) -> None:
    if tag is None:
        raise ValidationError({"tag": _("Choose a care tag.")})
    if tag.is_sensitive and not can(actor, "registry.view_sensitive"):
        raise PermissionDenied(_("You are not allowed to do this."))


@transaction.atomic
def tag_person(*, actor, person: Person, tag: CareTag, since: dt.date | None = None, note: str = "") -> PersonCareTag:
    check(actor, "registry.change", person)
    _check_tag(actor, tag)
    link, created = PersonCareTag.objects.get_or_create(person=person, tag=tag, defaults={
        "since": since or timezone.localdate(), "note": note, "added_by": user_of(actor)})
    if created:
        record(actor=actor, action="registry.person.tag", obj=person, changes={"tag": tag.code},
               region_code=person.grid.code)
    return link


@transaction.atomic
def update_person_tag(*, actor, link: PersonCareTag, reason: str = "", **changes) -> PersonCareTag:
    """Change when a care tag applies from, or its note."""
    check(actor, "registry.change", link.person)
    _check_tag(actor, link.tag)
    before = take_snapshot(link)
    apply_changes(link, changes, {"since", "note"})
    full_clean(link)
    link.save()
    record(actor=actor, action="registry.person.tag_update", obj=link.person,
           changes={"tag": link.tag.code, **audit_diff(link, before)}, reason=reason)
    return link


@transaction.atomic
def untag_person(*, actor, person: Person, tag: CareTag, reason: str = "") -> None:
    check(actor, "registry.change", person)
    _check_tag(actor, tag)
    deleted, _detail = PersonCareTag.objects.filter(person=person, tag=tag).delete()
    if deleted:
        record(actor=actor, action="registry.person.untag", obj=person, changes={"tag": tag.code}, reason=reason)


@transaction.atomic
def save_care_tag(*, actor, code: str, name: str, sensitivity: str = "normal", visit_interval_days: int | None = None,
                  description: str = "", is_active: bool = True, position: int = 0) -> CareTag:
    """Create or change a care tag (configuration of visiting rules)."""
    check(actor, "registry.configure")
    tag = CareTag.objects.filter(code=code).first() or CareTag(code=code)
    before = take_snapshot(tag) if tag.pk else None
    tag.name, tag.sensitivity, tag.visit_interval_days = name.strip(), sensitivity, visit_interval_days
    tag.description, tag.is_active, tag.position = description, is_active, position
    full_clean(tag, exclude=["code"] if tag.pk else ())
    tag.save()
    record(actor=actor, action="registry.care_tag.save", obj=tag, changes=audit_diff(tag, before))
    return tag


def mark_status(*, actor, person: Person, status: str, reason: str = "") -> Person:
    if status not in PersonStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    return update_person(actor=actor, person=person, status=status, reason=reason)

"""Writes of organisations (驻区单位, 物业, 业委会, 社会组织, 商户)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.core.ids import validate_credit_code
from gongzhi.registry.models import Organisation
from gongzhi.registry.models.organisations import OrganisationKind, Registration

from .common import apply_changes, audit_diff, check, ensure_grid, full_clean, take_snapshot

_FIELDS = {"name", "kind", "credit_code", "legal_representative", "contact_name", "contact_phone", "address",
           "longitude", "latitude", "grid", "dwelling", "external_id", "note", "social_type", "registration", "registered_on"}


def _prepare(org: Organisation) -> None:
    if org.credit_code:
        try:
            org.credit_code = validate_credit_code(org.credit_code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}) from None
        clash = Organisation.objects.filter(credit_code=org.credit_code).exclude(pk=org.pk).exists()
        if clash:
            raise ValidationError({"credit_code": _("An organisation with this credit code is already registered.")})
    org.contact_phone = crypto.normalize_phone(org.contact_phone)
    if org.kind == OrganisationKind.SOCIAL_ORGANISATION:
        org.registration = org.registration or Registration.INFORMAL
        if org.registration == Registration.REGISTERED and not org.registered_on:
            raise ValidationError({"registered_on": _("Give the date the organisation was registered.")})
    elif org.social_type or org.registration or org.registered_on:
        raise ValidationError({"social_type": _("Only a social organisation has a type and a registration.")})
    if (org.longitude is None) != (org.latitude is None):
        raise ValidationError({"longitude": _("Give both longitude and latitude, or neither.")})
    full_clean(org, exclude=["credit_code"])


@transaction.atomic
def create_organisation(*, actor, name: str, kind: str, grid, **fields) -> Organisation:
    apply_changes(Organisation(), fields, _FIELDS)  # rejects unknown fields early
    org = Organisation(name=name.strip(), kind=kind, grid=grid, **fields)
    check(actor, "registry.change", ensure_grid(grid), org.dwelling)
    _prepare(org)
    org.save()
    record(actor=actor, action="registry.organisation.create", obj=org, changes=audit_diff(org, None))
    return org


@transaction.atomic
def update_organisation(*, actor, organisation: Organisation, reason: str = "", **changes) -> Organisation:
    check(actor, "registry.change", organisation)
    before = take_snapshot(organisation)
    apply_changes(organisation, changes, _FIELDS)
    check(actor, "registry.change", ensure_grid(organisation.grid), organisation.dwelling)
    _prepare(organisation)
    organisation.save()
    record(actor=actor, action="registry.organisation.update", obj=organisation,
           changes=audit_diff(organisation, before), reason=reason)
    return organisation

"""How to reach a caller without an account: checking, storing and showing the contact.

:class:`~gongzhi.cases.models.CaseContact` keeps the caller's name and phone
(encrypted) for hotline and Open311 cases. Handlers see it masked
(:func:`contact_of`); seeing it in clear is :mod:`.reveal`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core import crypto

from .. import selectors
from ..models import Case, CaseContact
from . import checks

NAME_MAX = 50
# Mainland mobile (11 digits from 1), landline with area code (10-12 digits
# from 0), or a local landline number of 7-8 digits; what a hotline records.
_PHONE = re.compile(r"^(1\d{10}|0\d{9,11}|[2-9]\d{6,7})$")
_PHONE_CHARACTERS = re.compile(r"^[\d\s()+\-]*$")


def normalized_phone(value, field: str = "contact_phone") -> str:
    """The phone number as digits, or ValidationError on ``field``; empty stays empty."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    digits = crypto.normalize_phone(text)
    if not _PHONE_CHARACTERS.match(text) or not _PHONE.match(digits):
        raise ValidationError({field: _("“%(value)s” is not a phone number (a mobile number has 11 digits, a "
                                        "landline its area code and number).") % {"value": crypto.mask_phone(text)
                                                                                 or "…"}})
    return digits


def add_contact(case: Case, *, actor, name: str, phone: str) -> CaseContact | None:
    if not name and not phone:
        return None
    contact = CaseContact.objects.create(case=case, name=name, phone=phone,
                                         phone_index=crypto.blind_index("phone", phone) if phone else "")
    record(actor=actor, action="cases.contact", obj=contact, object_repr=f"#{case.pk}",
           changes={"name": [None, crypto.mask_name(name)], "phone": [None, crypto.mask_phone(phone)]})
    return contact


def contact_fields(name, phone, errors: dict, *, name_field="contact_name", phone_field="contact_phone"):
    try:
        name = checks.text(name, name_field, max_length=NAME_MAX, required=False, label=_("The caller's name"))
    except ValidationError as exc:
        checks.merge(errors, exc)
        name = ""
    try:
        phone = normalized_phone(phone, phone_field)
    except ValidationError as exc:
        checks.merge(errors, exc)
        phone = ""
    return name, phone


def contact_of(case: Case) -> dict | None:
    """The caller's contact as handlers see it, masked (in clear only through :func:`.reveal.reveal_contact`)."""
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        return None
    return {"name": crypto.mask_name(contact.name), "phone": crypto.mask_phone(contact.phone)}


def look_up_caller(*, actor, phone: str, limit: int = 20) -> list[Case]:
    """The earlier cases of the caller with ``phone`` that ``actor`` may see, newest first.

    Found through the blind index (:func:`gongzhi.core.crypto.blind_index`), never by
    the number in clear: a case taken with this number as the caller's contact, or reported
    by a user with this number (unless anonymous to handlers). Staff who register cases
    (``cases.intake``) may ask; each look-up is in the audit trail, with the number masked.
    """
    require(actor, "cases.intake")
    digits = normalized_phone(phone, "caller_phone")
    if not digits:
        raise ValidationError({"caller_phone": _("Give the caller's phone number to look up earlier cases.")})
    found = selectors.cases_of_caller(actor, crypto.blind_index("phone", digits), limit=limit)
    with transaction.atomic():
        record(actor=actor, action="cases.caller_lookup", object_type="cases.case",
               changes={"phone": crypto.mask_phone(digits), "found": len(found)},
               region_code=getattr(getattr(actor, "region", None), "code", ""))
    return found

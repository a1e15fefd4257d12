"""Intake of cases whose reporter has no account: hotline hand-off and Open311.

Both go through :func:`gongzhi.cases.services.intake.create_case` (the one
intake path, with its checks, its state-machine event and its audit event)
and add, in the same transaction, how to reach the caller
(:class:`~gongzhi.cases.models.CaseContact`, phone encrypted) and, for
Open311, the client's submission record with its token.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can, require
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.regions.selectors import locate_grid_key

from ..machine import LEAD_UNIT, is_party
from ..models import Case, CaseContact, Category, Channel, Crs, Open311Submission, Urgency
from ..selectors import case_for
from . import checks
from .intake import create_case

NAME_MAX = 50
MEDIA_URL_MAX = 500
TITLE_LENGTH = 30
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


def mask_name(name: str) -> str:
    """``王**``: the surname kept, as lists and callback sheets show a caller."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _add_contact(case: Case, *, actor, name: str, phone: str) -> CaseContact | None:
    if not name and not phone:
        return None
    contact = CaseContact.objects.create(case=case, name=name, phone=phone,
                                         phone_index=crypto.blind_index("phone", phone) if phone else "")
    record(actor=actor, action="cases.contact", obj=contact, object_repr=f"#{case.pk}",
           changes={"name": [None, mask_name(name)], "phone": [None, crypto.mask_phone(phone)]})
    return contact


def _contact_fields(name, phone, errors: dict, *, name_field="contact_name", phone_field="contact_phone"):
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


def register_hotline_case(*, actor, hotline_id: str, category, title: str, description: str,
                          urgency: str = Urgency.NORMAL, lon=None, lat=None, crs: str = Crs.WGS84, region=None,
                          address: str = "", caller_name: str = "", caller_phone: str = "",
                          received_at: datetime | None = None) -> Case:
    """A work order handed off by the 12345 hotline, with how to reach the caller.

    ``received_at`` is the time of the call, which becomes the time of the
    intake event; deadlines start at dispatch, so they are unaffected.
    Every invalid field (of the case and of the contact) is reported at once.
    """
    errors: dict[str, list] = {}
    name, phone = _contact_fields(caller_name, caller_phone, errors)
    if not str(hotline_id or "").strip():
        errors.setdefault("hotline_id", []).append(_("The hotline work order id is required."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = create_case(actor=actor, channel=Channel.HOTLINE_12345, category=category, title=title,
                           description=description, urgency=urgency, lon=lon, lat=lat, crs=crs, region=region,
                           address=address, hotline_id=hotline_id, at=received_at)
        _add_contact(case, actor=actor, name=name, phone=phone)
    return case


def _title_from(description: str) -> str:
    first = (description or "").strip().splitlines()[0].strip() if (description or "").strip() else ""
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def submit_open311_request(*, actor, service_code: str, description: str, lat=None, lon=None, crs: str = Crs.WGS84,
                           address: str = "", first_name: str = "", last_name: str = "", phone: str = "",
                           media_url: str = "") -> tuple[Case, Open311Submission]:
    """A request posted by an Open311 client, acting with its API key.

    The key needs the ``cases.intake`` capability and a unit: a request with
    a point is placed in its grid (which must lie in the unit's area); a
    request with only an address is placed in the unit's area itself, with
    the address kept for the dispatcher.
    """
    require(actor, "cases.intake")
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise PermissionDenied(_("This API key has no unit, so it has no area to submit requests in."))
    errors: dict[str, list] = {}
    category = Category.objects.filter(code=str(service_code or "").strip()).first()
    if category is None or not category.is_active or category.children.filter(is_active=True).exists():
        errors.setdefault("service_code", []).append(
            _("There is no service with code “%(code)s”.") % {"code": service_code})
    name = " ".join(part.strip() for part in (last_name or "", first_name or "") if part and part.strip())
    name, phone = _contact_fields(name, phone, errors, name_field="first_name", phone_field="phone")
    media_url = (media_url or "").strip()
    if media_url:
        try:
            if len(media_url) > MEDIA_URL_MAX:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.setdefault("media_url", []).append(
                _("media_url must be an http or https address of at most %(n)d characters.") % {"n": MEDIA_URL_MAX})
    if (lat in (None, "")) != (lon in (None, "")):
        errors.setdefault("lat" if lat in (None, "") else "long", []).append(
            _("Give both lat and long, or neither."))
    elif lat in (None, "") and not (address or "").strip():
        errors.setdefault("lat", []).append(_("Give the location as lat and long, or as address_string."))
    point = lat not in (None, "")
    if point and not errors:
        # A point must lie in a grid: placing a far-away point in the key's
        # area would send the case to the wrong place.
        try:
            in_grid = locate_grid_key(lon, lat, crs or Crs.WGS84) is not None  # the index alone: no read
        except ValueError:
            in_grid = True  # a bad number or system: create_case names the field
        if not in_grid:
            errors.setdefault("lat", []).append(
                _("The point lies in no grid; give address_string instead of lat and long."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = create_case(actor=actor, channel=Channel.OPEN311, category=category,
                           title=_title_from(description) or category.name, description=description,
                           lon=lon if point else None, lat=lat if point else None, crs=crs, region=unit.region,
                           address=address)
        _add_contact(case, actor=actor, name=name, phone=phone)
        submission = Open311Submission.objects.create(case=case, token=secrets.token_urlsafe(24), api_key=actor,
                                                      media_url=media_url)
        record(actor=actor, action="cases.open311.submit", obj=submission, object_repr=f"#{case.pk}",
               changes={"case": [None, case.pk], "media_url": [None, media_url]})
    return case, submission


def contact_of(case: Case, *, reveal: bool = False) -> dict | None:
    """The caller's contact as handlers see it: masked unless ``reveal`` (use :func:`reveal_contact`)."""
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        return None
    if reveal:
        return {"name": contact.name, "phone": contact.phone}
    return {"name": mask_name(contact.name), "phone": crypto.mask_phone(contact.phone)}


def may_reveal_contact(actor, case: Case) -> bool:
    """Whether ``actor`` may see the caller's contact of ``case`` in clear (for showing the control).

    Those who record callbacks (``cases.callback``) call the caller back;
    the lead unit's staff may need to reach them while handling the case.
    The area is checked by :func:`reveal_contact`, as for every read.
    """
    return can(actor, "cases.callback") or (can(actor, "cases.handle") and is_party(case, actor, LEAD_UNIT))


def reveal_contact(*, actor, case: Case, reason: str) -> dict | None:
    """The caller's name and phone in clear, for the callback; every look is audited with its reason.

    Only someone who may record the callback of this case, or the lead
    unit's staff, may look (:func:`may_reveal_contact`); the permission is
    checked before the reason, so a refusal tells nothing about the input.
    """
    if case_for(actor, case.pk) is None:
        raise PermissionDenied(_("This is outside your area."))
    if not may_reveal_contact(actor, case):
        raise PermissionDenied(_("You are not allowed to see the caller's contact."))
    reason = checks.reason(reason)
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        return None
    with transaction.atomic():
        record(actor=actor, action="cases.contact.reveal", obj=contact, reason=reason, object_repr=f"#{case.pk}")
    return {"name": contact.name, "phone": contact.phone}

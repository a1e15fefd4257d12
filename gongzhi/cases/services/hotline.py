"""Intake of cases whose reporter has no account: hotline hand-off and Open311.

Both go through :func:`gongzhi.cases.services.intake.create_case` (the one
intake path, with its checks, its state-machine event and its audit event)
and add, in the same transaction, how to reach the caller
(:func:`.contacts.add_contact`, phone encrypted) and, for Open311, the
client's submission record with its token.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.regions.selectors import locate_grid_key

from ..models import Case, Category, Channel, Crs, Open311Submission, Urgency
from .contacts import add_contact, contact_fields
from .intake import create_case

MEDIA_URL_MAX = 500
TITLE_LENGTH = 30


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
    name, phone = contact_fields(caller_name, caller_phone, errors)
    if not str(hotline_id or "").strip():
        errors.setdefault("hotline_id", []).append(_("The hotline work order id is required."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = create_case(actor=actor, channel=Channel.HOTLINE_12345, category=category, title=title,
                           description=description, urgency=urgency, lon=lon, lat=lat, crs=crs, region=region,
                           address=address, hotline_id=hotline_id, at=received_at)
        add_contact(case, actor=actor, name=name, phone=phone)
    return case


# The channels of the desk: a call taken by the office's own hotline seat, a resident at the counter.
DESK_CHANNELS = (Channel.HOTLINE_12345, Channel.WALK_IN)


def register_desk_case(*, actor, channel: str, category, title: str, description: str,
                       urgency: str = Urgency.NORMAL, lon=None, lat=None, crs: str = Crs.WGS84, region=None,
                       address: str = "", hotline_id: str | None = None, caller_name: str = "",
                       caller_phone: str = "") -> Case:
    """A case taken at the desk (受理台): a call or a visit, registered by staff with how to reach the caller.

    The hotline's own number is optional here (a call taken locally has none) and
    refused on a walk-in. Everything goes through :func:`create_case`, so the
    checks, the work-order number, the event and the audit are those of every intake.
    """
    errors: dict[str, list] = {}
    if channel not in DESK_CHANNELS:
        errors.setdefault("channel", []).append(_("Choose the hotline or a walk-in."))
    name, phone = contact_fields(caller_name, caller_phone, errors)
    hotline_id = str(hotline_id or "").strip() or None
    if hotline_id and channel == Channel.WALK_IN:
        errors.setdefault("hotline_id", []).append(_("A walk-in case has no hotline work order number."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = create_case(actor=actor, channel=channel, category=category, title=title, description=description,
                           urgency=urgency, lon=lon, lat=lat, crs=crs, region=region, address=address,
                           hotline_id=hotline_id)
        add_contact(case, actor=actor, name=name, phone=phone)
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
    name, phone = contact_fields(name, phone, errors, name_field="first_name", phone_field="phone")
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
        add_contact(case, actor=actor, name=name, phone=phone)
        submission = Open311Submission.objects.create(case=case, token=secrets.token_urlsafe(24), api_key=actor,
                                                      media_url=media_url)
        record(actor=actor, action="cases.open311.submit", obj=submission, object_repr=f"#{case.pk}",
               changes={"case": [None, case.pk], "media_url": [None, media_url]})
    return case, submission

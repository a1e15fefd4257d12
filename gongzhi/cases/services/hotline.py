"""Intake of cases whose reporter has no account: hotline hand-off and Open311.

Both go through :func:`gongzhi.cases.services.intake.create_case` (the one
intake path, with its checks, its state-machine event and its audit event)
and add, in the same transaction, how to reach the caller
(:func:`.contacts.add_contact`, phone encrypted) and, for Open311, the
client's submission record with its token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, record_many
from gongzhi.core import crypto
from gongzhi.core.inserts import insert_many
from gongzhi.regions.selectors import locate_grid_key

from ..machine import intake_many
from ..models import TERMINAL_STATES, Case, CaseContact, CaseState, Category, Channel, Crs, Open311Submission, Urgency
from ..search import index as search_index
from .contacts import add_contact, contact_fields
from .intake import check_case, create_case

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


@dataclass
class CheckedOrder:
    """A hotline work order that passed every check of intake, ready to be written or compared."""

    case: Case  # unsaved
    payload: dict
    at: datetime | None
    name: str
    phone: str
    phone_index: str = ""  # computed with the checks, outside the write's transaction


# What an import may change of a case it took in before: its text at any time while it is open,
# where and what it is about (which decide routing and deadlines) only until it is dispatched.
TEXT_FIELDS = ("title", "description", "address")
ROUTING_FIELDS = ("category_id", "urgency", "lon", "lat", "crs", "input_lon", "input_lat", "grid_id", "region_code")
CONTACT_FIELDS = ("name", "phone_index")


def check_hotline_case(*, actor, hotline_id: str, category, title: str, description: str,
                       urgency: str = Urgency.NORMAL, lon=None, lat=None, crs: str = Crs.WGS84, region=None,
                       address: str = "", caller_name: str = "", caller_phone: str = "",
                       received_at: datetime | None = None, hotline_id_known: bool = False) -> CheckedOrder:
    """Every check of :func:`register_hotline_case`, writing nothing (for a whole file before its first write).

    ``hotline_id_known``: the id is known to be taken (the importer compares such an order with its case
    instead of creating one, so the check of intake that refuses a taken id is skipped here).
    """
    errors: dict[str, list] = {}
    name, phone = contact_fields(caller_name, caller_phone, errors)
    if not str(hotline_id or "").strip():
        errors.setdefault("hotline_id", []).append(_("The hotline work order id is required."))
    try:
        case, payload = check_case(actor=actor, channel=Channel.HOTLINE_12345, category=category, title=title,
                                   description=description, urgency=urgency, lon=lon, lat=lat, crs=crs,
                                   region=region, address=address, hotline_id=hotline_id, hotline_id_known=False)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return CheckedOrder(case=case, payload=payload, at=received_at, name=name, phone=phone,
                        phone_index=crypto.blind_index("phone", phone) if phone else "")


def register_hotline_cases(*, actor, orders: list[CheckedOrder], entries: list[dict] | None = None) -> list[Case]:
    """Write a batch of checked work orders: the cases, their intake events, contacts and audit events.

    The rows are those of :func:`register_hotline_case`, written with one
    prepared INSERT per table for the batch (:func:`gongzhi.cases.machine.intake_many`).
    ``entries``: the orders' search entries (:func:`search_entries`), when the caller made them already.
    """
    require(actor, "cases.intake")
    # The texts are segmented for the search index before the transaction: the write lock (on SQLite,
    # the whole database's) is held for the inserts alone.
    entries = search_entries(orders) if entries is None else entries
    with transaction.atomic():
        cases = intake_many([(order.case, order.payload, order.at) for order in orders], actor=actor,
                            entries=entries)
        contacts = [CaseContact(case=case, name=order.name, phone=order.phone, phone_index=order.phone_index)
                    for case, order in zip(cases, orders, strict=True) if order.name or order.phone]
        insert_many(contacts, with_pks=True)
        record_many(actor=actor, action="cases.contact", entries=[
            {"obj": contact, "object_repr": f"#{contact.case_id}", "region_code": contact.case.region_code,
             "changes": {"name": [None, crypto.mask_name(contact.name)],
                         "phone": [None, crypto.mask_phone(contact.phone)]}}
            for contact in contacts])
    return cases


def search_entries(orders: list[CheckedOrder]) -> list[dict]:
    """The search index's entries of checked work orders (their texts segmented), made before any write."""
    return search_index.new_entries((order.case.title, order.case.description, order.case.address)
                                    for order in orders)


def hotline_changes(case: Case, contact: CaseContact | None, order: CheckedOrder) -> dict[str, tuple]:
    """{field: (now, in the order)} for what a re-imported order would change of its case; {} when nothing."""
    changes = {}
    for name in TEXT_FIELDS + ROUTING_FIELDS:
        now, new = getattr(case, name), getattr(order.case, name)
        if isinstance(now, float) and isinstance(new, float) and abs(now - new) < 1e-9:
            continue
        if now != new and not (now in (None, "") and new in (None, "")):
            changes[name] = (now, new)
    phone_index = order.phone_index
    if (contact.name if contact else "") != order.name:
        changes["contact_name"] = (contact.name if contact else "", order.name)
    if (contact.phone_index if contact else "") != phone_index:
        changes["contact_phone"] = ("…", "…")
    return changes


def update_conflict(case: Case, changes: dict) -> str | None:
    """Why an import may not apply ``changes`` to ``case``, or None when it may."""
    if case.state in TERMINAL_STATES or case.state == CaseState.MERGED:
        return _("Case #%(id)s (hotline id %(hotline)s) is %(state)s; the changed work order cannot be applied to "
                 "it. Remove this row, or reopen or edit the case in the console.") % {
            "id": case.pk, "hotline": case.hotline_id, "state": case.get_state_display()}
    routing = [name for name in changes if name in ROUTING_FIELDS]
    if routing and case.state != CaseState.RECEIVED:
        return _("Case #%(id)s (hotline id %(hotline)s) has been dispatched; its category, urgency or place can "
                 "no longer be changed by an import. Remove this row, or change the case in the console.") % {
            "id": case.pk, "hotline": case.hotline_id}
    return None


def update_hotline_case(*, actor, case: Case, order: CheckedOrder, filename: str = "") -> Case:
    """Apply a re-imported work order's changed content to its case, with the differences in the audit trail.

    Refuses (ValidationError on ``hotline_id``) what :func:`update_conflict` names. The version check
    makes a concurrent change of the case win: the import then reports the conflict instead.
    """
    require(actor, "cases.intake")
    with transaction.atomic():
        current = Case.objects.select_for_update().get(pk=case.pk)
        contact = CaseContact.objects.filter(case=current).first()
        changes = hotline_changes(current, contact, order)
        if not changes:
            return current
        conflict = update_conflict(current, changes)
        if conflict or current.version != case.version:
            raise ValidationError({"hotline_id": conflict or _(
                "Case #%(id)s was changed by someone else while the file was imported; import it again.")
                % {"id": case.pk}})
        fields = [name for name in TEXT_FIELDS + ROUTING_FIELDS if name in changes]
        before = {name: getattr(current, name) for name in fields}
        for name in fields:
            setattr(current, name, getattr(order.case, name))
        current.version += 1
        Case.objects.filter(pk=current.pk).update(version=current.version, updated_at=timezone.now(),
                                                  **{name: getattr(current, name) for name in fields})
        if {"title", "description", "address"} & set(fields):
            search_index.index_case(current)  # the full-text entry follows the changed letter
        audit = diff(current, before, fields)
        if "contact_name" in changes or "contact_phone" in changes:
            audit["contact"] = _contact_changes(current, contact, order, actor)
        record(actor=actor, action="cases.import.update", obj=current, changes=audit,
               reason=filename[:200], object_repr=f"#{current.pk} {current.title}"[:200])
    return current


def _contact_changes(case: Case, contact: CaseContact | None, order: CheckedOrder, actor) -> dict:
    before = {"name": crypto.mask_name(contact.name), "phone": crypto.mask_phone(contact.phone)} if contact else {}
    if contact is None:
        add_contact(case, actor=actor, name=order.name, phone=order.phone)
    else:
        contact.name, contact.phone = order.name, order.phone
        contact.phone_index = order.phone_index
        contact.save(update_fields=["name", "phone", "phone_index"])
    return {"before": before, "after": {"name": crypto.mask_name(order.name), "phone": crypto.mask_phone(order.phone)}}


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

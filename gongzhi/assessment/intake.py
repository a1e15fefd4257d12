"""Events from other systems (信息孤岛, 雪亮工程) become cases.

A request is ``POST /hooks/events/<source code>/`` with a JSON body and two headers:
``X-Gongzhi-Timestamp`` (Unix seconds) and ``X-Gongzhi-Signature``, the hex HMAC-SHA256 of
``"<timestamp>.<body>"`` under the source's secret. A timestamp more than ``WINDOW`` seconds
away from now, a wrong signature, an unknown or inactive source: refused (401, nothing said about
which). The same signed request again is a replay: refused (409). More than the source's
``per_minute`` requests in a minute: refused (429). The same event again (same source and
``external_id``, a retry newly signed) makes no second case: the answer names the first.

The case is received on the ``api`` channel by the source's system actor (the trail names it), in
the source's default category unless the body names another, placed by its point; it is counted
apart from residents' intake through its :class:`ExternalEvent` (:func:`counts_by_source`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import SystemActor
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.cases.models import Case, Category, Channel
from gongzhi.cases.services import create_case
from gongzhi.core import crypto
from gongzhi.core.scoping import ensure_code_in_scope, scope_queryset
from gongzhi.regions.models import Region

from .models import EventSource, ExternalEvent, SeenSignature

WINDOW = 300  # seconds a signed request stays valid
BODY_MAX = 64 * 1024


class Refused(Exception):
    """The request is refused with ``status`` and a message for the sending system."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def create_source(*, actor, code: str, name: str, region, category, per_minute: int = 60) -> tuple[EventSource, str]:
    """Register a source; returns it and its secret, shown this once."""
    require(actor, "events.configure")
    place = region if isinstance(region, Region) else Region.objects.filter(code=str(region or "")).first()
    if place is None:
        raise ValidationError({"region": _("Choose the area the source's events lie in.")})
    ensure_code_in_scope(place.code, actor)
    secret = secrets.token_urlsafe(32)
    source = EventSource(code=code, name=name, region=place, category=category, per_minute=per_minute,
                         secret_encrypted=crypto.encrypt(secret))
    source.full_clean(exclude=["secret_encrypted"])
    with transaction.atomic():
        source.save()
        record(actor=actor, action="assessment.event_source.create", obj=source,
               changes={"code": source.code, "region": place.code, "per_minute": per_minute})
    return source, secret


def _verify(source: EventSource | None, timestamp: str, signature: str, body: bytes, now: datetime) -> None:
    unauthorised = Refused(401, _("The request is not signed by a known source."))
    if source is None or not source.is_active or not timestamp or not signature:
        raise unauthorised
    try:
        moment = int(timestamp)
    except ValueError:
        raise unauthorised from None
    if abs(now.timestamp() - moment) > WINDOW:
        raise Refused(401, _("The request's timestamp is too far from now."))
    expected = sign(crypto.decrypt(source.secret_encrypted), timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise unauthorised


def _fields(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError({"__all__": _("The body is not JSON in UTF-8.")}) from None
    if not isinstance(data, dict):
        raise ValidationError({"__all__": _("The body is not a JSON object.")})
    errors = {}
    external_id = str(data.get("external_id") or "").strip()
    if not external_id or len(external_id) > 100:
        errors["external_id"] = [_("Give the event's id in your system (at most 100 characters).")]
    evidence = str(data.get("evidence_url") or "").strip()
    if evidence:
        try:
            URLValidator(schemes=["http", "https"])(evidence)
        except ValidationError:
            errors["evidence_url"] = [_("The evidence link is not an http(s) address.")]
    occurred = data.get("occurred_at")
    if occurred:
        try:
            occurred = datetime.fromisoformat(str(occurred))
            if timezone.is_naive(occurred):
                occurred = timezone.make_aware(occurred)
        except ValueError:
            errors["occurred_at"] = [_("Write the time as ISO 8601, e.g. 2025-09-15T10:00:00+08:00.")]
    if errors:
        raise ValidationError(errors)
    return {"external_id": external_id, "evidence_url": evidence, "occurred_at": occurred or None,
            "title": data.get("title"), "description": data.get("description"), "category": data.get("category"),
            "lon": data.get("lon"), "lat": data.get("lat"), "address": data.get("address") or ""}


def receive(*, source_code: str, timestamp: str, signature: str, body: bytes,
            now: datetime | None = None) -> tuple[ExternalEvent, bool]:
    """Verify a signed request and turn its event into a case (once). Returns (event, created).

    Raises :class:`Refused` (401, 409, 413, 429) or ValidationError (422, nothing written).
    """
    now = now or timezone.now()
    if len(body) > BODY_MAX:
        raise Refused(413, _("The body is larger than %(n)d bytes.") % {"n": BODY_MAX})
    source = EventSource.objects.filter(code=str(source_code)[:40]).select_related("region", "category").first()
    _verify(source, timestamp, signature, body, now)
    fields = _fields(body)
    actor = SystemActor(username=f"system:events:{source.code}")
    with transaction.atomic():
        EventSource.objects.select_for_update().get(pk=source.pk)  # one request of a source at a time
        recent = SeenSignature.objects.filter(source=source, at__gt=now - timedelta(minutes=1)).count()
        if recent >= source.per_minute:
            raise Refused(429, _("Too many events from this source in the last minute; send it again later."))
        try:
            with transaction.atomic():
                SeenSignature.objects.create(source=source, signature=signature.strip().lower(), at=now)
        except IntegrityError:
            raise Refused(409, _("This signed request was received already (a replay).")) from None
        SeenSignature.objects.filter(source=source, at__lt=now - timedelta(seconds=2 * WINDOW)).delete()
        existing = ExternalEvent.objects.filter(source=source, external_id=fields["external_id"]).first()
        if existing is not None:
            return existing, False
        category = source.category
        if fields["category"]:
            category = Category.objects.filter(code=str(fields["category"])).first()
            if category is None:
                raise ValidationError({"category": _("There is no category “%(code)s”.") % {"code": fields["category"]}})
        title = fields["title"] or _("Event from %(source)s") % {"source": source.name}
        description = fields["description"] or title
        case = create_case(actor=actor, channel=Channel.API, category=category, title=str(title)[:100],
                           description=str(description), lon=fields["lon"], lat=fields["lat"],
                           region=None if fields["lon"] is not None else source.region.code,
                           address=str(fields["address"]))
        if not case.region_code.startswith(source.region.prefix):
            raise ValidationError({"lon": _("The event lies outside the source's area.")})
        event = ExternalEvent.objects.create(source=source, external_id=fields["external_id"], case=case,
                                             evidence_url=fields["evidence_url"], occurred_at=fields["occurred_at"],
                                             received_at=now)
        record(actor=actor, action="assessment.event.receive", obj=event, region_code=case.region_code,
               changes={"source": source.code, "external_id": event.external_id, "case": case.pk})
    return event, True


def counts_by_source(actor, start: datetime, end: datetime) -> list[dict]:
    """Cases received from other systems in [start, end) per source: counted apart from residents' intake."""
    require(actor, "cases.metrics")
    rows = (scope_queryset(ExternalEvent.objects.all(), actor).filter(received_at__gte=start, received_at__lt=end)
            .values("source__code", "source__name").annotate(cases=Count("id")).order_by("source__code"))
    return [{"source": r["source__code"], "name": r["source__name"], "cases": r["cases"]} for r in rows]


def from_other_systems(case: Case) -> bool:
    return ExternalEvent.objects.filter(case=case).exists()


__all__ = ["Refused", "counts_by_source", "create_source", "receive", "sign"]

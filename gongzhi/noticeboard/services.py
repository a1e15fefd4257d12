"""Writes of public notices: publish, change, withdraw. Capability ``notices.publish``, in one's own area."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope
from gongzhi.regions.models import Region

from .models import BODY_MAX, TITLE_MAX, Notice


def _text(value, field: str, max_length: int, label: str) -> str:
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        raise ValidationError({field: _("%(field)s contains a NUL character.") % {"field": label}})
    if not value:
        raise ValidationError({field: _("%(field)s is required.") % {"field": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                               % {"field": label, "n": len(value), "max": max_length}})
    return value


def _clean(actor, *, title, body, region, publish_at, expire_at) -> dict:
    errors = {}
    values = {}
    for field, value, max_length, label in (("title", title, TITLE_MAX, _("The title")),
                                            ("body", body, BODY_MAX, _("The text"))):
        try:
            values[field] = _text(value, field, max_length, label)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    code = region.code if isinstance(region, Region) else str(region or "").strip()
    place = Region.objects.filter(code=code).first() if code else None
    if place is None:
        errors["region"] = [_("Choose the area the notice is for.")]
    else:
        ensure_code_in_scope(place.code, actor)
    publish_at = publish_at or timezone.now()
    if expire_at is not None and expire_at <= publish_at:
        errors["expire_at"] = [_("The notice must be shown until a time after it is published.")]
    if errors:
        raise ValidationError(errors)
    return {**values, "region": place, "publish_at": publish_at, "expire_at": expire_at}


def publish_notice(*, actor, title: str, body: str, region, publish_at: datetime | None = None,
                   expire_at: datetime | None = None, pinned: bool = False) -> Notice:
    """Publish a notice for ``region`` (and everything under it), from ``publish_at`` (default now)."""
    require(actor, "notices.publish")
    values = _clean(actor, title=title, body=body, region=region, publish_at=publish_at, expire_at=expire_at)
    with transaction.atomic():
        notice = Notice.objects.create(**values, pinned=bool(pinned),
                                       created_by=user_of(actor))
        record(actor=actor, action="noticeboard.publish", obj=notice,
               changes={"title": notice.title, "region": notice.region.code, "pinned": notice.pinned,
                        "publish_at": notice.publish_at.isoformat(),
                        "expire_at": notice.expire_at.isoformat() if notice.expire_at else None})
    return notice


def change_notice(*, actor, notice: Notice, title: str, body: str, region, publish_at: datetime | None = None,
                  expire_at: datetime | None = None, pinned: bool = False) -> Notice:
    require(actor, "notices.publish")
    ensure_in_scope(notice, actor)
    values = _clean(actor, title=title, body=body, region=region, publish_at=publish_at or notice.publish_at,
                    expire_at=expire_at)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        before = {"title": notice.title, "region": notice.region.code, "pinned": notice.pinned}
        for name, value in {**values, "pinned": bool(pinned)}.items():
            setattr(notice, name, value)
        notice.save()
        after = {"title": notice.title, "region": notice.region.code, "pinned": notice.pinned}
        record(actor=actor, action="noticeboard.change", obj=notice,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return notice


def unpublish_notice(*, actor, notice: Notice, reason: str = "") -> Notice:
    """Withdraw a notice: residents no longer see it; it stays in the record."""
    require(actor, "notices.publish")
    ensure_in_scope(notice, actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.unpublished_at is not None:
            raise ValidationError({"__all__": _("This notice was already withdrawn.")})
        notice.unpublished_at = timezone.now()
        notice.save(update_fields=["unpublished_at", "updated_at"])
        record(actor=actor, action="noticeboard.unpublish", obj=notice, reason=reason,
               changes={"unpublished_at": notice.unpublished_at.isoformat()})
    return notice

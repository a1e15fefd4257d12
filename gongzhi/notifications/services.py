"""Writing notifications: :func:`notify` is how any app tells people something.

The inbox rows are written in the caller's transaction (they are part of what
happened); the outbound delivery is enqueued as a task only once that
transaction commits, so nobody is texted about a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.audit.services import record

from .models import Notification

TITLE_MAX = 200


def notify(*, recipients: Iterable, kind: str, title: str, body: str = "", obj=None, link: str = "",
           channels: Iterable[str] | None = None, actor=None) -> list[Notification]:
    """Put a notification in each recipient's inbox and send it on the outbound channels.

    ``recipients`` are users (inactive ones and duplicates are dropped);
    ``channels`` names outbound channels, default all configured ones.
    """
    from .tasks import deliver_notification

    users = {}
    for user in recipients:
        if user is not None and getattr(user, "is_active", False):
            users[user.pk] = user
    if not users:
        return []
    configured = list(getattr(settings, "NOTIFICATION_CHANNELS", {}))
    names = configured if channels is None else [c for c in channels if c in configured]
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.bulk_create([
            Notification(user_id=pk, kind=kind, title=str(title)[:TITLE_MAX], body=str(body), object_type=object_type,
                         object_id=object_id, link=link, channels=names, created_at=now)
            for pk in sorted(users)
        ])
        record(actor=actor, action="notifications.send", object_type=object_type, object_id=object_id,
               changes={"kind": kind, "recipients": sorted(users), "channels": names},
               region_code=getattr(obj, "audit_region_code", "") or "")
        if names:
            for row in rows:
                transaction.on_commit(lambda pk=row.pk: deliver_notification.enqueue(pk))
    return rows


def mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of one's own notifications read (reading one's inbox needs no capability)."""
    if user_of(actor) is None or notification.user_id != actor.pk:
        raise PermissionDenied(_("This is not your notification."))
    if notification.read_at is None:
        with transaction.atomic():
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            record(actor=actor, action="notifications.read", obj=notification)
    return notification


def mark_all_read(*, actor) -> int:
    if user_of(actor) is None:
        raise PermissionDenied(_("Only a person has an inbox."))
    with transaction.atomic():
        count = Notification.objects.filter(user=actor, read_at=None).update(read_at=timezone.now())
        if count:
            record(actor=actor, action="notifications.read_all", object_type="notifications.notification",
                   changes={"count": count})
    return count


def send_sign_in_code(phone: str, code: str) -> None:
    """Text a resident's one-time sign-in code on the ``sms`` channel, at once and outside the inbox.

    Registered with :func:`gongzhi.accounts.phone_signin.register_sender`. A code
    is not a notification: it has no recipient account yet (sign-up) and must
    not wait for a worker, so it goes straight through the channel.
    """
    from . import channels as outbound

    channel = outbound.configured().get("sms")
    if channel is None:
        raise outbound.NoAddress("no sms channel is configured")
    minutes = max(1, settings.SMS_CODE_TTL // 60)
    channel.send(outbound.OutboundMessage(
        channel="sms", notification_id=0, user_id=0, username="", email="", link="", phone=phone,
        title=_("Your sign-in code is %(code)s") % {"code": code},
        body=_("It is valid for %(minutes)d minutes. Do not tell anyone.") % {"minutes": minutes}))

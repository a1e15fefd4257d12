"""Sending a notification on its outbound channels, as a task.

Through Django's tasks framework (:mod:`gongzhi.ops.tasks` carries the
request id): with the default ImmediateBackend it runs in the process that
enqueued it, right after the commit, so nothing else has to run; with a
worker backend (database queue, Redis) a worker takes it. A retried task
sends only on channels without a recorded success.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.ops.tasks import task

from . import channels as outbound
from .models import Delivery, DeliveryStatus, Notification

log = logging.getLogger("gongzhi.notifications")


@task()
def deliver_notification(notification_id: int) -> dict:
    """Send notification ``notification_id`` on each of its channels; returns {channel: status}."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return {}
    available = outbound.configured()
    done = dict(Delivery.objects.filter(notification=notification).values_list("channel", "status"))
    results = {}
    for name in notification.channels:
        if done.get(name) in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
            results[name] = done[name]
            continue
        channel = available.get(name)
        if channel is None:
            continue
        user = notification.user
        message = outbound.OutboundMessage(
            channel=name, notification_id=notification.pk, user_id=user.pk, username=user.get_username(),
            email=user.email or "", title=notification.title, body=notification.body, link=notification.link,
            phone=user.phone or "")
        error = ""
        try:
            channel.send(message)
            status = DeliveryStatus.SENT
        except outbound.NoAddress:
            status = DeliveryStatus.SKIPPED
        except Exception as exc:  # noqa: BLE001 - one failing gateway must not stop the other channels
            status, error = DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("notification %s via %s failed: %s", notification.pk, name, error)
        results[name] = status
        _record(notification, name, status, error)
    return results


def _record(notification, channel, status, error):
    try:
        with transaction.atomic():
            delivery, created = Delivery.objects.get_or_create(
                notification=notification, channel=channel, defaults={"status": status, "error": error})
            if not created:
                delivery.status, delivery.error, delivery.at = status, error, timezone.now()
                delivery.attempts += 1
                delivery.save(update_fields=["status", "error", "at", "attempts"])
    except IntegrityError:  # a concurrent retry recorded it first
        pass

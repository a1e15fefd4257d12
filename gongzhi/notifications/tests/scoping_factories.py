"""Rows of notifications, owned by a user, for accounts/tests/test_scoping_proof.py.

A notification and its deliveries belong to their recipient whatever the area,
so they are made for an owner (``OWNED``), not placed in a region.
"""

from gongzhi.notifications.models import Delivery, DeliveryStatus, Notification


def notification(owner, n):
    return Notification.objects.create(user=owner, kind="test", title=f"通知{n}")


def delivery(owner, n):
    return Delivery.objects.create(notification=notification(owner, n), channel="sms", status=DeliveryStatus.SENT)


FACTORIES = {}
OWNED = {Notification: notification, Delivery: delivery}

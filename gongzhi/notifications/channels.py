"""Outbound channels behind one interface.

A channel is a class with a ``send(message)`` method, configured by name in
``settings.NOTIFICATION_CHANNELS``::

    NOTIFICATION_CHANNELS = {
        "sms": {"BACKEND": "gongzhi.notifications.channels.LoggingChannel"},
        "email": {"BACKEND": "gongzhi.notifications.channels.EmailChannel"},
    }

Every other key of an entry is passed to the class as a keyword argument
(e.g. a gateway URL for an SMS provider's class). ``send`` returns normally
when the message went out, raises :class:`NoAddress` when the recipient has no
address on this channel (recorded as skipped, not retried), and raises
anything else on failure (recorded as failed). The default backend only logs,
so a fresh installation works without any outside service; a deployment
plugs in its SMS gateway or WeChat template-message sender by naming its class.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

log = logging.getLogger("gongzhi.notifications")


@dataclass(frozen=True)
class OutboundMessage:
    channel: str
    notification_id: int
    user_id: int
    username: str
    email: str
    title: str
    body: str
    link: str


class NoAddress(Exception):
    """The recipient has no address on this channel."""


class Channel:
    def __init__(self, name: str, **options):
        self.name = name
        self.options = options

    def send(self, message: OutboundMessage) -> None:
        raise NotImplementedError


class LoggingChannel(Channel):
    """Writes the message to the log instead of sending it (the default)."""

    def send(self, message: OutboundMessage) -> None:
        log.info("notification %s via %s to user %s: %s", message.notification_id, self.name, message.username,
                 message.title, extra={"channel": self.name, "notification": message.notification_id})


class EmailChannel(Channel):
    """E-mail through Django's configured mail backend (EMAIL_HOST etc.)."""

    def send(self, message: OutboundMessage) -> None:
        if not message.email:
            raise NoAddress(message.username)
        text = message.body + (f"\n\n{message.link}" if message.link else "")
        send_mail(message.title, text, None, [message.email], fail_silently=False)


_channels: dict[str, Channel] | None = None


def configured() -> dict[str, Channel]:
    """The channels of ``settings.NOTIFICATION_CHANNELS``, built once per process."""
    global _channels
    if _channels is None:
        built = {}
        for name, entry in getattr(settings, "NOTIFICATION_CHANNELS", {}).items():
            options = dict(entry)
            path = options.pop("BACKEND", "")
            try:
                cls = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"NOTIFICATION_CHANNELS[{name!r}]: cannot import {path!r}: {exc}") from exc
            if not (isinstance(cls, type) and issubclass(cls, Channel)):
                raise ImproperlyConfigured(f"NOTIFICATION_CHANNELS[{name!r}]: {path} is not a Channel")
            built[name] = cls(name, **options)
        _channels = built
    return _channels


@receiver(setting_changed)
def _reset(setting, **kwargs):
    global _channels
    if setting == "NOTIFICATION_CHANNELS":
        _channels = None

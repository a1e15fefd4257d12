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

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from gongzhi.core.crypto import mask_phone

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
    # The recipient's mobile number (decrypted for this one send), for channels that text.
    phone: str = ""


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
        # The text is logged whole, so that a development machine without a gateway still shows
        # what would have gone out (a resident's sign-in code, say); the number only masked.
        recipient = f"user {message.username}" if message.username else mask_phone(message.phone)
        log.info("notification %s via %s to %s: %s %s", message.notification_id, self.name, recipient,
                 message.title, message.body,
                 extra={"channel": self.name, "notification": message.notification_id})


class EmailChannel(Channel):
    """E-mail through Django's configured mail backend (EMAIL_HOST etc.)."""

    def send(self, message: OutboundMessage) -> None:
        if not message.email:
            raise NoAddress(message.username)
        text = message.body + (f"\n\n{message.link}" if message.link else "")
        send_mail(message.title, text, None, [message.email], fail_silently=False)


class GatewayError(Exception):
    """The provider did not accept the message (its answer, without the number, is the text)."""


class HttpSmsChannel(Channel):
    """Text messages through an SMS provider's HTTP API.

    Options (``NOTIFICATION_SMS_URL`` and friends, see docs/deploy.md): ``URL``
    of the provider's send endpoint, ``TOKEN`` sent as ``Authorization: Bearer``,
    ``SIGN_NAME`` (the registered 短信签名, put in brackets before the text as
    Chinese carriers require) and ``TIMEOUT`` in seconds. The request is a JSON
    ``POST`` of ``{"phone", "sign_name", "text"}``; any 2xx answer whose JSON
    body does not say ``"ok": false`` counts as sent. A provider with another
    contract is plugged in by subclassing and overriding :meth:`request_body`
    and :meth:`accepted`.
    """

    def __init__(self, name: str, **options):
        super().__init__(name, **options)
        if not options.get("URL"):
            raise ImproperlyConfigured(f"NOTIFICATION_CHANNELS[{name!r}]: HttpSmsChannel needs a URL")
        self.url = options["URL"]
        self.token = options.get("TOKEN", "")
        self.sign_name = options.get("SIGN_NAME", "")
        self.timeout = float(options.get("TIMEOUT") or 10)

    def text_of(self, message: OutboundMessage) -> str:
        text = " ".join(part for part in (message.title, message.body, message.link) if part)
        return f"【{self.sign_name}】{text}" if self.sign_name else text

    def request_body(self, message: OutboundMessage) -> dict:
        return {"phone": message.phone, "sign_name": self.sign_name, "text": self.text_of(message)}

    def accepted(self, status: int, body: bytes) -> bool:
        if not 200 <= status < 300:
            return False
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return True
        return not (isinstance(answer, dict) and answer.get("ok") is False)

    def send(self, message: OutboundMessage) -> None:
        if not message.phone:
            raise NoAddress(message.username)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(self.request_body(message), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                status, body = response.status, response.read(4096)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(4096)
        if not self.accepted(status, body):
            raise GatewayError(f"SMS gateway answered {status}: {body[:200].decode(errors='replace')}")


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

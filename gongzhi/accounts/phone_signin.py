"""Residents sign up and sign in with a mobile number and a one-time SMS code (短信验证码登录).

Two steps, each a service function every face calls (the page, the API, the
authentication backend):

* :func:`send_code` checks the number and the rate limits, stores a keyed hash
  of a fresh code and hands the code to the registered sender, which texts it
  (the notifications app registers one that uses its ``sms`` channel).
* :func:`sign_in` checks a code and returns the resident's account, creating
  it on the first sign-in with that number (sign-up and sign-in are one step,
  as residents know it from every Chinese app).

Why a registry of senders: ``accounts`` sits below ``notifications`` in the
import order, so it cannot call the channel itself; ``notifications`` plugs
its sender in from ``AppConfig.ready()`` (see docs/ARCHITECTURE.md).

The limits are counted over the code rows in the database, so every process
agrees on them: at most one code per number every ``SMS_CODE_INTERVAL``
seconds and ``SMS_CODE_PER_NUMBER_DAY`` a day, ``SMS_CODE_PER_ADDRESS_HOUR``
codes an hour from one client address, and ``SMS_CODE_MAX_ATTEMPTS`` wrong
guesses per code, after which it is spent. The number itself is stored only
encrypted on the account and as its blind index on the code rows.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.core import crypto

from .models import PhoneCode, User
from .roles import Role

log = logging.getLogger("gongzhi.security")

_MOBILE = re.compile(r"1[3-9]\d{9}")
_sender: Callable[[str, str], None] | None = None


class CodeNotSent(Exception):
    """The SMS gateway did not take the message; the user may ask again after the interval."""


def register_sender(sender: Callable[[str, str], None]) -> None:
    """Install the function that texts ``code`` to ``phone`` (raises on failure)."""
    global _sender
    _sender = sender


def normalize_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits, however it was written; ValidationError when it is none.

    Full-width digits, spaces, dashes and a +86 / 0086 prefix are all accepted,
    as people type them.
    """
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise ValidationError({"phone": [_("Enter your mobile number.")]})
    digits = crypto.normalize_phone(text)
    if not _MOBILE.fullmatch(digits) or re.search(r"[^\d\s\-+().]", text):
        raise ValidationError({"phone": [_("Enter an 11-digit mainland mobile number, e.g. 138 0013 8000.")]})
    return digits


def _code_hash(phone_index: str, code: str) -> str:
    return salted_hmac("gongzhi.accounts.phone_signin", f"{phone_index}:{code}", algorithm="sha256").hexdigest()


def _too_many(message: str, seconds: int) -> ValidationError:
    minutes = max(1, -(-seconds // 60))
    return ValidationError({"phone": [message % {"minutes": minutes}]}, code="throttled")


def _check_limits(phone_index: str, client_ip: str | None, now) -> None:
    latest = PhoneCode.objects.filter(phone_index=phone_index).order_by("-created_at").first()
    if latest is not None:
        wait = settings.SMS_CODE_INTERVAL - (now - latest.created_at).total_seconds()
        if wait > 0:
            raise ValidationError(
                {"phone": [_("A code was just sent to this number. You can ask for another in %(seconds)d seconds.")
                           % {"seconds": max(1, int(wait))}]}, code="throttled")
    day = PhoneCode.objects.filter(phone_index=phone_index, created_at__gte=now - timedelta(days=1))
    if day.count() >= settings.SMS_CODE_PER_NUMBER_DAY:
        oldest = day.order_by("created_at").first()
        left = int((oldest.created_at + timedelta(days=1) - now).total_seconds())
        raise _too_many(_("Too many codes for this number today. Try again in %(minutes)d minutes."), left)
    if client_ip:
        hour = PhoneCode.objects.filter(client_ip=client_ip, created_at__gte=now - timedelta(hours=1))
        if hour.count() >= settings.SMS_CODE_PER_ADDRESS_HOUR:
            oldest = hour.order_by("created_at").first()
            left = int((oldest.created_at + timedelta(hours=1) - now).total_seconds())
            raise _too_many(_("Too many codes from this network. Try again in %(minutes)d minutes."), left)


def send_code(*, phone: str, client_ip: str | None = None) -> str:
    """Text a new sign-in code to ``phone``; returns the number masked, for the page to show.

    Raises ValidationError (bad number, a limit reached: nothing stored, nothing
    sent) or :class:`CodeNotSent` (the gateway failed; the code row stays, so a
    failing gateway cannot be used to get around the limits).
    """
    digits = normalize_mobile(phone)
    phone_index = crypto.blind_index("phone", digits)
    code = "".join(secrets.choice("0123456789") for _i in range(settings.SMS_CODE_LENGTH))
    masked = crypto.mask_phone(digits)
    now = timezone.now()
    with transaction.atomic():
        # One sender at a time per number: the newest code row is locked where the database can.
        list(PhoneCode.objects.select_for_update().filter(phone_index=phone_index).order_by("-created_at")[:1])
        _check_limits(phone_index, client_ip, now)
        PhoneCode.objects.create(phone_index=phone_index, code_hash=_code_hash(phone_index, code),
                                 client_ip=client_ip, created_at=now,
                                 expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL))
        record(actor=None, action="auth.sms_code_sent", object_type="accounts.user", object_repr=masked,
               changes={"phone": masked})
    if _sender is None:
        raise CodeNotSent("no SMS sender is registered")
    try:
        _sender(digits, code)
    except Exception as exc:  # noqa: BLE001 - whatever the gateway does, the user is told to try again
        log.warning("sign-in code to %s not sent: %s", masked, type(exc).__name__)
        raise CodeNotSent(str(exc)) from exc
    return masked


def _refuse(message: str) -> ValidationError:
    return ValidationError({"code": [message]}, code="invalid_code")


def sign_in(*, phone: str, code: str, client_ip: str | None = None) -> User:
    """The resident account of ``phone`` when ``code`` is its newest unexpired code; created on first use.

    A wrong code counts against that code; after ``SMS_CODE_MAX_ATTEMPTS`` it is
    spent. A right code can be used once. Staff accounts never sign in this way
    (their sign-in is the password, and later a second factor).
    """
    digits = normalize_mobile(phone)
    code = unicodedata.normalize("NFKC", str(code or "")).strip()
    if not code:
        raise _refuse(_("Enter the code from the text message."))
    phone_index = crypto.blind_index("phone", digits)
    masked = crypto.mask_phone(digits)
    now = timezone.now()
    with transaction.atomic():
        current = (PhoneCode.objects.select_for_update().filter(phone_index=phone_index, used_at=None)
                   .order_by("-created_at").first())
        if current is None or current.expires_at <= now or current.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            refusal = _refuse(_("This code has expired or was used up. Ask for a new one."))
        elif not constant_time_compare(current.code_hash, _code_hash(phone_index, code)):
            current.attempts += 1
            current.save(update_fields=["attempts"])
            left = settings.SMS_CODE_MAX_ATTEMPTS - current.attempts
            refusal = _refuse(_("The code is wrong. %(left)d attempts left.") % {"left": left} if left
                              else _("The code is wrong. Ask for a new one."))
            record(actor=None, action="auth.sms_code_wrong", object_type="accounts.user", object_repr=masked,
                   changes={"attempts": current.attempts})
        else:
            refusal = None
            current.used_at = now
            current.save(update_fields=["used_at"])
            user = _resident_for(digits, phone_index, masked)
    if refusal is not None:
        # Raised outside the block, so the counted attempt is kept.
        raise refusal
    return user


def _resident_for(digits: str, phone_index: str, masked: str) -> User:
    user = User.objects.filter(phone_index=phone_index).first()
    if user is None:
        user = User(username=f"m{secrets.token_hex(6)}", role=Role.RESIDENT, display_name=masked, phone=digits)
        user.set_unusable_password()
        user.save()
        record(actor=user, action="accounts.user.sign_up_by_phone", obj=user, changes={"phone": masked})
        return user
    # ValidationErrors, not PermissionDenied: Django's authenticate() would swallow the latter.
    if user.role != Role.RESIDENT:
        raise ValidationError({"phone": [_("Staff accounts sign in with their user name and password.")]})
    if not user.is_active:
        raise ValidationError({"phone": [_("This account is deactivated. Ask your community office.")]})
    record(actor=user, action="auth.sms_sign_in", obj=user, changes={"phone": masked})
    return user

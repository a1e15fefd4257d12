"""Two-factor sign-in: a TOTP authenticator app plus one-time recovery codes (django-otp).

Who must use it: with ``TWO_FACTOR_ENFORCED`` on (the production default),
administrators, superusers and every role holding a capability to reveal
personal data (a capability ending in ``.reveal``) cannot use the product
until they have enrolled an authenticator and, at each sign-in, given its
code. Everybody else may enrol; whoever has enrolled is asked for a code at
every sign-in. The guard is :class:`gongzhi.accounts.middleware.SessionGuardMiddleware`.

Enrolment: :func:`start_enrolment` makes an unconfirmed TOTP device whose
QR code (:func:`qr_svg`, rendered here, never by an outside service) the
user scans; :func:`confirm_enrolment` checks one code from the app, confirms
the device and returns ten recovery codes, shown once. A recovery code works
once, in place of an app code (a lost phone). An administrator removes a
user's devices with :func:`reset_devices` (audited), after which the user
enrols again. Wrong codes are throttled by django-otp (a growing delay per
device) and every verification, failed or not, is in the audit trail.
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.audit.services import record

from .roles import Role, capabilities_of, require

RECOVERY_CODES = 10
APP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"


def required_for(user) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    if not settings.TWO_FACTOR_ENFORCED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return any(capability.endswith(".reveal") for capability in capabilities_of(user))


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_devices(user) -> bool:
    return any(True for _device in devices_for_user(user, confirmed=True))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def start_enrolment(*, actor) -> TOTPDevice:
    """The actor's unconfirmed authenticator (made anew unless one is pending)."""
    if is_enrolled(actor):
        raise ValidationError(_("Two-factor sign-in is already set up."))
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app types it (base32, in groups of four)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (rendered locally with segno)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _clean(token: str) -> str:
    return "".join(str(token or "").split()).lower()


def confirm_enrolment(*, actor, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with one code from it; returns the recovery codes (shown once)."""
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied(_("This authenticator is not being set up by you."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _info = device.verify_is_allowed()
        if not allowed or not device.verify_token(_clean(token)):
            raise ValidationError({"token": [_("The code is not right. Enter the six digits the app shows now.")]})
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        record(actor=actor, action="accounts.two_factor.enrol", obj=actor)
    return codes


def regenerate_recovery_codes(*, actor) -> list[str]:
    """New recovery codes for the actor (the old ones stop working)."""
    if not is_enrolled(actor):
        raise ValidationError(_("Set up two-factor sign-in first."))
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        record(actor=actor, action="accounts.two_factor.recovery_codes", obj=actor)
    return codes


def verify(*, user, token: str):
    """The device that accepts ``token`` (an app code or a recovery code), or a ValidationError.

    Audited either way; a recovery code is spent.
    """
    token = _clean(token)
    with transaction.atomic():
        device = None
        throttled = False
        if token:
            for candidate in devices_for_user(user, for_verify=True):
                allowed, _info = candidate.verify_is_allowed()
                if not allowed:
                    throttled = True
                    continue
                if candidate.verify_token(token):
                    device = candidate
                    break
        record(actor=user, action="accounts.two_factor.verify" if device else "accounts.two_factor.failed", obj=user,
               changes={"device": device.name} if device else {})
    if device is None:
        if throttled:
            raise ValidationError(_("Too many wrong codes. Wait a moment and try again."))
        raise ValidationError(_("The code is not right."))
    return device


def disable(*, actor) -> None:
    """The actor turns two-factor sign-in off (only when their role does not require it)."""
    if required_for(actor):
        raise PermissionDenied(_("Your role requires two-factor sign-in."))
    with transaction.atomic():
        _remove_devices(actor)
        record(actor=actor, action="accounts.two_factor.disable", obj=actor)


def _remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def reset_devices(*, actor, user, reason: str = "") -> None:
    """An administrator removes a user's authenticator and recovery codes (a lost phone); they enrol again.

    The user's sessions end, so the next sign-in asks for enrolment where it is required.
    """
    from .services import MANAGE, _ensure_may_manage
    from .sessions import end_all_sessions

    require(actor, MANAGE)
    _ensure_may_manage(actor, user)
    with transaction.atomic():
        _remove_devices(user)
        end_all_sessions(user)
        record(actor=actor, action="accounts.two_factor.reset", obj=user, reason=reason)

"""The QR codes of check-in and check-out: time-limited signed tokens, drawn by segno.

The organiser's page shows a code that changes every ``VOLUNTEERS_QR_SECONDS`` (the page reloads the
picture); the volunteer scans it with the phone, which opens the scan page with the token. A token is
``django.core.signing`` of ``{activity, direction, nonce}`` with its time: a changed one fails the
signature, an old one has expired, and one already used by this volunteer does nothing (its nonce is
kept on the sign-up). Nothing secret is in the token; what it proves is that the volunteer saw the
organiser's screen within the last moments.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SALT = "gongzhi.volunteers.checkin"
IN, OUT = "in", "out"
TOKEN_MAX = 300


@dataclass(frozen=True)
class Code:
    activity_id: int
    direction: str
    nonce: str


def make_token(activity_id: int, direction: str) -> str:
    assert direction in (IN, OUT)
    return signing.dumps({"a": int(activity_id), "d": direction, "n": secrets.token_hex(8)}, salt=SALT)


def read_token(token: str) -> Code:
    """The code a token carries; ValidationError when it is forged, malformed or expired."""
    token = str(token or "").strip()
    if not token or len(token) > TOKEN_MAX:
        raise ValidationError({"code": _("This is not a check-in code of this system.")})
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.VOLUNTEERS_QR_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError({"code": _("This code has expired: scan the code on the organiser's screen again.")}
                              ) from None
    except signing.BadSignature:
        raise ValidationError({"code": _("This is not a check-in code of this system.")}) from None
    if (not isinstance(data, dict) or data.get("d") not in (IN, OUT) or not isinstance(data.get("a"), int)
            or not isinstance(data.get("n"), str)):
        raise ValidationError({"code": _("This is not a check-in code of this system.")})
    return Code(activity_id=data["a"], direction=data["d"], nonce=data["n"][:32])


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (the pages' CSP allows ``data:`` images)."""
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)

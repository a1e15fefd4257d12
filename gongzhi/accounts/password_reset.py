"""Password reset without e-mail: an administrator issues a one-time link that expires.

:func:`issue_link` (capability ``accounts.manage``, for a user inside the
actor's area, as every account change) returns the link's token once; only
its hash is stored. Issuing a new link cancels the user's earlier unused ones.
:func:`use_link` sets the new password (the password rules apply), spends the
link, ends the user's sessions and clears their failed sign-ins; a used,
cancelled or expired link is refused with the same message, so a link cannot
be probed. Both are audited (never the token).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import record

from . import lockout
from .models import PasswordResetLink, User
from .roles import require


def _hash(token: str) -> str:
    return hashlib.sha256(b"gongzhi-reset-link:" + str(token or "").encode()).hexdigest()


def issue_link(*, actor, user: User, reason: str = "") -> str:
    """A new reset link's token for ``user`` (shown once to the actor, who hands it over)."""
    from .services import MANAGE, _ensure_may_manage

    require(actor, MANAGE)
    _ensure_may_manage(actor, user)
    if not user.is_active:
        raise ValidationError(_("The account is deactivated; activate it before resetting its password."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        PasswordResetLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        link = PasswordResetLink.objects.create(
            user=user, token_hash=_hash(token), created_by=actor if isinstance(actor, User) else None,
            created_at=now, expires_at=now + timedelta(seconds=settings.PASSWORD_RESET_LINK_TTL))
        record(actor=actor, action="accounts.password_reset.issue", obj=user, reason=reason,
               changes={"link": link.pk, "expires_at": link.expires_at.isoformat()})
    return token


def _invalid():
    return ValidationError(_("This link is not valid: it was used already, replaced by a newer one or has expired. "
                             "Ask your administrator for a new one."), code="invalid_link")


def link_user(token: str) -> User | None:
    """The user a still valid link resets (for showing the form), else None."""
    link = (PasswordResetLink.objects.select_related("user")
            .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()).first())
    return link.user if link and link.user.is_active else None


def use_link(*, token: str, password: str, password_again: str | None = None) -> User:
    """Set a new password through a link; the link is spent and the user's sessions end."""
    with transaction.atomic():
        link = (PasswordResetLink.objects.select_for_update().select_related("user")
                .filter(token_hash=_hash(token)).first())
        if link is None or link.used_at is not None or link.expires_at <= timezone.now() or not link.user.is_active:
            raise _invalid()
        user = link.user
        if password_again is not None and password != password_again:
            raise ValidationError({"password_again": [_("The two passwords differ.")]})
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": list(exc.messages)}) from None
        user.set_password(password)
        user.save(update_fields=["password"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        from .sessions import end_all_sessions

        end_all_sessions(user)
        lockout.clear_failures(user.username)
        record(actor=user, action="accounts.password_reset.use", obj=user, changes={"link": link.pk})
    return user

"""Throttling and lockout of failed sign-ins.

Failures are rows in the database (not process memory), so every server
process and worker agrees on them. After ``LOGIN_MAX_FAILURES`` failures within
``LOGIN_FAILURE_WINDOW`` seconds for one user name or one client address,
sign-in is refused for ``LOGIN_LOCKOUT_SECONDS`` counted from the last of those
failures, even with the right password. A successful sign-in clears the
failures of its user name. Each failure, each lockout and each attempt refused
during a lockout is written to the audit trail and to the ``gongzhi.security``
log.

User names are compared case-insensitively here, so that ``Admin`` and
``admin`` share one counter whatever the account table says. The name someone
typed may be a phone number, an ID number or a password typed in the wrong
field, so it is kept nowhere in clear: the failure rows, the audit events and
the log lines carry only its keyed hash (:func:`name_hash`, the blind index of
``core.crypto`` under ``BLIND_INDEX_KEY``), which is all the counting needs.
"""

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.core import crypto

from .models import LoginFailure

log = logging.getLogger("gongzhi.security")


class LockedOut(PermissionDenied):
    """Sign-in refused because of too many failures; the message says for how long."""

    def __init__(self, until):
        self.until = until
        super().__init__(lockout_message(until))


def lockout_message(until) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def _lockout() -> timedelta:
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def name_hash(username: str) -> str:
    """The keyed hash of a user name as typed (trimmed, case-insensitive); "" for no name."""
    return crypto.blind_index("username", username or "")


def _name_label(hashed: str) -> str:
    """How the audit trail and the log name an attempted user name: a prefix of its keyed hash."""
    return f"name#{hashed[:16]}" if hashed else "name#-"


def _lock_end(times: list, now) -> object | None:
    """The end of the latest lockout in ``times`` (newest first) still running at ``now``."""
    limit = settings.LOGIN_MAX_FAILURES
    for i in range(len(times) - limit + 1):
        newest, oldest = times[i], times[i + limit - 1]
        if newest - oldest <= _window():
            until = newest + _lockout()
            return until if until > now else None
    return None


def locked_until(username: str, client_ip: str | None):
    """When the lockout of this user name or client address ends, or None when there is none."""
    now = timezone.now()
    # A failure older than window + lockout can neither start nor prolong a running lockout.
    horizon = now - _window() - _lockout()
    ends = []
    for field, value in (("name_hash", name_hash(username)), ("client_ip", client_ip)):
        if not value:
            continue
        times = list(
            LoginFailure.objects.filter(**{field: value}, at__gte=horizon).order_by("-at").values_list("at", flat=True)
        )
        until = _lock_end(times, now)
        if until is not None:
            ends.append(until)
    return max(ends) if ends else None


def refuse_if_locked(username: str, client_ip: str | None) -> None:
    """Raise :class:`LockedOut` (and leave a trace) when sign-in is locked for this name or address."""
    until = locked_until(username, client_ip)
    if until is None:
        return
    hashed = name_hash(username)
    with transaction.atomic():
        record(actor=None, action="auth.login_refused_locked", object_type="accounts.user",
               object_repr=_name_label(hashed), changes={"name_hash": hashed, "locked_until": until.isoformat()})
    log.warning("sign-in refused during lockout: %s ip=%s until=%s", _name_label(hashed), client_ip,
                until.isoformat())
    raise LockedOut(until)


def note_failure(username: str, client_ip: str | None):
    """Count one failed sign-in; return the end of the lockout it starts, if it starts one."""
    now = timezone.now()
    hashed = name_hash(username)
    label = _name_label(hashed)
    with transaction.atomic():
        LoginFailure.objects.filter(at__lt=now - _window() - _lockout()).delete()  # nothing counts them any more
        LoginFailure.objects.create(name_hash=hashed, client_ip=client_ip, at=now)
        until = locked_until(username, client_ip)
        record(actor=None, action="auth.login_failed", object_type="accounts.user", object_repr=label,
               changes={"name_hash": hashed, "locked_until": until.isoformat() if until else None})
        if until is not None:
            record(actor=None, action="auth.lockout", object_type="accounts.user", object_repr=label,
                   changes={"name_hash": hashed, "locked_until": until.isoformat(),
                            "failures": settings.LOGIN_MAX_FAILURES})
    if until is not None:
        log.warning("sign-in locked out: %s ip=%s until=%s", label, client_ip, until.isoformat())
    else:
        log.info("sign-in failed: %s ip=%s", label, client_ip)
    return until


def clear_failures(username: str) -> None:
    """Forget the failures of a user name after it signed in successfully."""
    hashed = name_hash(username)
    if hashed:
        LoginFailure.objects.filter(name_hash=hashed).delete()

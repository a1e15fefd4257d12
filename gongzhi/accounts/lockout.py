"""Throttling and lockout of failed sign-ins.

Failures are rows in the database (not process memory), so every server
process and worker agrees on them. After ``LOGIN_MAX_FAILURES`` failures within
``LOGIN_FAILURE_WINDOW`` seconds for one user name or one client address,
sign-in is refused for ``LOGIN_LOCKOUT_SECONDS`` counted from the last
failure, even with the right password. Each failure and each lockout is
written to the audit trail and the security log.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gongzhi.audit.services import record

from .models import LoginFailure

log = logging.getLogger("gongzhi.security")


def _recent(username: str, client_ip: str | None):
    since = timezone.now() - timedelta(seconds=max(settings.LOGIN_FAILURE_WINDOW, settings.LOGIN_LOCKOUT_SECONDS))
    who = Q(username=username.lower())
    if client_ip:
        who |= Q(client_ip=client_ip)
    return LoginFailure.objects.filter(who, at__gte=since)


def locked_until(username: str, client_ip: str | None):
    """When the lockout for this user name or address ends, or None."""
    now = timezone.now()
    window_start = now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    recent = _recent(username, client_ip)
    for field, value in (("username", username.lower()), ("client_ip", client_ip)):
        if not value:
            continue
        failures = recent.filter(**{field: value}).order_by("-at")
        times = list(failures.values_list("at", flat=True)[: settings.LOGIN_MAX_FAILURES])
        if len(times) >= settings.LOGIN_MAX_FAILURES:
            newest, oldest = times[0], times[-1]
            if newest - oldest <= timedelta(seconds=settings.LOGIN_FAILURE_WINDOW) or oldest >= window_start:
                until = newest + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
                if until > now:
                    return until
    return None


def note_failure(username: str, client_ip: str | None) -> None:
    with transaction.atomic():
        LoginFailure.objects.create(username=username.lower()[:150], client_ip=client_ip)
        until = locked_until(username, client_ip)
        record(actor=None, action="auth.login_failed", object_type="accounts.user", object_repr=username[:200],
               changes={"locked_until": until.isoformat() if until else None})
    if until:
        log.warning("sign-in locked out: username=%r ip=%s until=%s", username, client_ip, until.isoformat())
    else:
        log.info("sign-in failed: username=%r ip=%s", username, client_ip)


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()

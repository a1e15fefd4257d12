"""Signed-in sessions: the list of one's sessions, signing out elsewhere, idle expiry.

Every sign-in (``user_logged_in``) writes a :class:`SignedInSession` row beside
Django's session; signing out removes it. Ending a session from elsewhere
(the user's "sign out my other sessions", an administrator's forced sign-out,
a password reset, a deactivation) deletes the session from the session store,
so its next request is anonymous, and removes the row.

Idle expiry: a session unused for longer than the user's idle timeout is
signed out at its next request (``SESSION_IDLE_TIMEOUT`` seconds, per role
``SESSION_IDLE_TIMEOUTS``; :class:`gongzhi.accounts.middleware.SessionGuardMiddleware`).
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.context import current
from gongzhi.audit.services import record

from .models import SignedInSession, User
from .roles import require

SEEN_KEY = "gz_seen"  # seconds since the epoch of the last request, in the session
TOUCH_EVERY = 60  # seconds between two writes of "last seen"


def idle_timeout_for(user) -> int:
    """Seconds of inactivity after which ``user``'s sessions end (per role, else the default)."""
    return int(settings.SESSION_IDLE_TIMEOUTS.get(getattr(user, "role", ""), settings.SESSION_IDLE_TIMEOUT))


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@receiver(user_logged_in, dispatch_uid="gongzhi.accounts.sessions.signed_in")
def _signed_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None or not isinstance(user, User):
        return
    if session.session_key is None:
        session.save()
    session[SEEN_KEY] = int(time.time())
    agent = request.META.get("HTTP_USER_AGENT", "")[:200] if hasattr(request, "META") else ""
    SignedInSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "client_ip": current().client_ip, "user_agent": agent,
                  "created_at": timezone.now(), "last_seen_at": timezone.now()})


@receiver(user_logged_out, dispatch_uid="gongzhi.accounts.sessions.signed_out")
def _signed_out(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        SignedInSession.objects.filter(session_key=key).delete()


def touch(request) -> None:
    """Note that the session is in use (at most once a minute): its "last seen" in the session and the row."""
    now = int(time.time())
    seen = request.session.get(SEEN_KEY)
    # Written at most once a minute, and at least ten times per idle timeout (a short timeout stays exact).
    if seen is not None and now - seen < min(TOUCH_EVERY, idle_timeout_for(request.user) // 10):
        return
    request.session[SEEN_KEY] = now
    key = request.session.session_key
    if key:
        updated = SignedInSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())
        if not updated:  # a session from before the rows existed, or a test's force_login
            SignedInSession.objects.get_or_create(
                session_key=key, defaults={"user": request.user, "client_ip": current().client_ip,
                                           "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]})


def is_idle(request) -> bool:
    seen = request.session.get(SEEN_KEY)
    return seen is not None and int(time.time()) - seen > idle_timeout_for(request.user)


def mark_verified(request) -> None:
    key = request.session.session_key
    if key:
        SignedInSession.objects.filter(session_key=key).update(verified=True)


def sessions_of(user) -> list[SignedInSession]:
    """The user's signed-in sessions, most recently used first (ended ones are not listed)."""
    rows = list(SignedInSession.objects.filter(user=user))
    alive = _store()
    return [row for row in rows if alive().exists(row.session_key)]


def _end(rows) -> int:
    store = _store()
    count = 0
    for row in rows:
        store(session_key=row.session_key).delete()
        row.delete()
        count += 1
    return count


def end_session(*, actor, user, session_id: int) -> None:
    """End one of ``user``'s own sessions (the user, from the list of their sessions)."""
    if getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(_("You can only sign out your own sessions."))
    with transaction.atomic():
        rows = list(SignedInSession.objects.filter(user=user, pk=session_id))
        if _end(rows):
            record(actor=actor, action="accounts.session.end", obj=user, changes={"sessions": 1})


def end_other_sessions(*, actor, current_key: str | None) -> int:
    """Sign the actor out of every session but the current one."""
    with transaction.atomic():
        rows = list(SignedInSession.objects.filter(user=actor).exclude(session_key=current_key or ""))
        count = _end(rows)
        if count:
            record(actor=actor, action="accounts.session.end_others", obj=actor, changes={"sessions": count})
    return count


def end_all_sessions(user, *, keep: str | None = None) -> int:
    """End every session of ``user`` (but ``keep``); for the services that must (reset, deactivation).

    Does not audit: the caller's own event says why.
    """
    return _end(SignedInSession.objects.filter(user=user).exclude(session_key=keep or ""))


def force_sign_out(*, actor, user, reason: str = "") -> int:
    """An administrator signs ``user`` out everywhere (capability ``accounts.manage``, inside the actor's area)."""
    from .services import MANAGE, _ensure_may_manage

    require(actor, MANAGE)
    _ensure_may_manage(actor, user)
    with transaction.atomic():
        count = end_all_sessions(user)
        record(actor=actor, action="accounts.session.force_sign_out", obj=user, changes={"sessions": count},
               reason=reason)
    return count

"""The one way personal data is shown in clear: with a real reason, audited, rate-limited.

Every face that shows an ID number, a phone number or a caller's contact in
clear (one value, or a whole export) first checks the actor's permission and
area, then calls :func:`reveal`, which

- cleans the reason (:func:`clean_reason`): invisible and control characters
  are removed, and what is left must hold at least
  ``settings.REVEAL_REASON_MIN_CHARS`` visible characters (a Chinese one
  counting two) — the same rule everywhere;
- counts the actor's earlier reveals in the audit trail (the events whose
  action is in :data:`REVEAL_ACTIONS`) while holding a lock on the actor's row,
  so that concurrent reveals cannot both pass the last free place: at most
  ``REVEAL_BURST`` within ``REVEAL_BURST_SECONDS`` and ``REVEAL_DAILY_CAP``
  since the start of the (local) day;
- records the reveal's audit event, or, over a limit, records the refusal
  (``audit.reveal.refused``), tells the actor's supervisors once per
  episode through the handlers registered with :func:`register_alert`
  (``notifications`` registers one from its ``ready()``, since ``audit``
  cannot import it), and raises :class:`RevealRefused`.

:func:`reveal` runs its own transaction (a savepoint inside an outer one):
the refusal and the alert are kept although the reveal is refused, so the
caller must not wrap the call in a transaction that the exception rolls back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongzhi.accounts.actors import user_of

from .models import AuditEvent
from .services import record

REASON_MAX = 1000
REFUSED = "audit.reveal.refused"
# Every action that shows personal data in clear; a new one is added here.
REVEAL_ACTIONS = frozenset({
    "registry.person.reveal",            # one ID number or phone number of a person
    "registry.person.export_revealed",   # an export with clear ID and phone numbers
    "cases.contact.reveal",              # the caller's name and phone of a case
    "volunteers.volunteer.reveal",       # one volunteer's phone or ID number
    "mediation.party.reveal",            # a dispute party's name, ID number, phone and address
    "mediation.agreement.pdf",           # a written mediation agreement, which names the parties in clear
    "party.member.reveal",               # the name of a party member (membership is sensitive)
})
BURST, DAILY = "burst", "daily"
# Characters that print as nothing although Unicode calls them letters or symbols.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


class RevealRefused(PermissionDenied):
    """The actor has revealed as much as allowed for now (HTTP 429 in the API)."""

    def __init__(self, message: str, limit: str):
        super().__init__(message)
        self.limit = limit


_alert_handlers: list[Callable] = []


def register_alert(handler: Callable) -> None:
    """Call ``handler(actor=, limit=, count=, action=)`` when an actor is first refused in an episode."""
    if handler not in _alert_handlers:
        _alert_handlers.append(handler)


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] not in "CZ" and char not in _BLANK_LETTERS


def _width(text: str) -> int:
    """Visible characters, a wide (Chinese, full-width) one counting two: "回访" weighs as much as "call"."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text if _visible(c))


def clean_reason(value, *, field: str = "reason") -> str:
    """The reason without invisible or control characters; ValidationError on ``field`` when too short.

    Zero-width characters, direction overrides, control characters and the
    like are removed; spaces between words are kept (runs collapsed to one).
    What is left needs ``settings.REVEAL_REASON_MIN_CHARS`` visible
    characters, a wide one (Chinese) counting two.
    """
    text = "" if value is None else str(value)
    kept = "".join(c if _visible(c) else " " if unicodedata.category(c)[0] == "Z" or c in "\t\n\r" else ""
                   for c in text)
    kept = " ".join(kept.split())
    minimum = settings.REVEAL_REASON_MIN_CHARS
    if not kept:
        raise ValidationError({field: _("%(field)s is required.") % {"field": _("The reason")}})
    if _width(kept) < minimum:
        raise ValidationError({field: ngettext(
            "Say why you need to see this, in at least %(n)d visible character (a Chinese character counts as two).",
            "Say why you need to see this, in at least %(n)d visible characters (a Chinese character counts as two).",
            minimum) % {"n": minimum}})
    if len(kept) > REASON_MAX:
        raise ValidationError({field: _("The reason is too long: %(n)d characters, at most %(max)d.")
                               % {"n": len(kept), "max": REASON_MAX}})
    return kept


def _who(actor) -> tuple:
    """(model, pk, filter of the actor's events) for a user or an API key."""
    if actor is not None and hasattr(actor, "key_prefix"):
        return actor._meta.model, actor.pk, {"actor_id": None, "changes__api_key": actor.pk}
    user = user_of(actor)
    if user is not None:
        return user._meta.model, user.pk, {"actor_id": user.pk}
    raise PermissionDenied(_("Only a signed-in person or an API key may reveal personal data."))


def _window_start(limit: str, now):
    """Where the window of ``limit`` starts: the burst's seconds ago, or the start of the local day."""
    if limit == BURST:
        return now - timedelta(seconds=settings.REVEAL_BURST_SECONDS)
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _limit_reached(events, now) -> tuple[str, int] | None:
    for limit, allowed in ((BURST, settings.REVEAL_BURST), (DAILY, settings.REVEAL_DAILY_CAP)):
        count = events.filter(action__in=REVEAL_ACTIONS, at__gte=_window_start(limit, now)).count()
        if count >= allowed:
            return limit, count
    return None


def _message(limit: str) -> str:
    if limit == BURST:
        return ngettext(
            "You have revealed %(n)d values within %(s)d second; wait a moment before revealing more. "
            "Your supervisor has been told.",
            "You have revealed %(n)d values within %(s)d seconds; wait a moment before revealing more. "
            "Your supervisor has been told.", settings.REVEAL_BURST_SECONDS,
        ) % {"n": settings.REVEAL_BURST, "s": settings.REVEAL_BURST_SECONDS}
    return _("You have reached today's limit of %(n)d reveals; ask your supervisor if you need more. "
             "Your supervisor has been told.") % {"n": settings.REVEAL_DAILY_CAP}


def reveal(*, actor, action: str, reason, obj=None, changes: dict | None = None, object_type: str = "",
           object_id: str = "", object_repr: str = "", region_code: str = "") -> AuditEvent:
    """Clean the reason, apply the limits and record the reveal; returns its audit event.

    Call it after the permission and area checks and before showing the
    value. Raises ValidationError (reason) or :class:`RevealRefused` (limit).
    """
    if action not in REVEAL_ACTIONS:
        raise ValueError(f"{action!r} is not in audit.reveal.REVEAL_ACTIONS")
    reason = clean_reason(reason)
    model, pk, mine = _who(actor)
    changes = dict(changes or {})
    if "changes__api_key" in mine:
        changes["api_key"] = pk
    where = {"obj": obj, "object_type": object_type, "object_id": object_id, "object_repr": object_repr,
             "region_code": region_code}
    with transaction.atomic():
        # The actor's row is the lock: two reveals of one actor count one after the other.
        list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))
        events = AuditEvent.objects.filter(**mine)
        now = timezone.now()
        reached = _limit_reached(events, now)
        if reached is None:
            return record(actor=actor, action=action, reason=reason, changes=changes, **where)
        limit, count = reached
        # One alert per episode: none yet for this limit within its window.
        alert = not events.filter(action=REFUSED, at__gte=_window_start(limit, now), changes__limit=limit).exists()
        refusal = {"limit": limit, "count": count, "action": action, "alerted": alert}
        if "api_key" in changes:
            refusal["api_key"] = pk
        record(actor=actor, action=REFUSED, reason=reason, changes=refusal, **where)
        if alert:
            for handler in _alert_handlers:
                handler(actor=actor, limit=limit, count=count, action=action)
    raise RevealRefused(_message(limit), limit)

"""Supervision (督办, 催办), yellow and red cards, leaders' instructions (领导批示), callback attempts.

Thin over :func:`gongzhi.cases.machine.transition`: each is an action of the
state machine that keeps the state and the case's version (``keeps_version``),
so it is a case event (every count is reproducible from the events) and two
people urging at once never conflict. A card by rule is given by the deadline
sweep (:mod:`gongzhi.cases.sweep`) through :func:`card_by_rule`, at most once
per case and colour (a unique constraint, checked under the case's row lock).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of

from .. import notices
from ..machine import Action, may, rule_for, transition
from ..models import Case, CaseEvent, CaseState, Supervision, SupervisionKind
from . import checks
from .closing import _follow

MESSAGE_MAX = 2000
CARD_ACTIONS = {SupervisionKind.YELLOW: Action.YELLOW_CARD, SupervisionKind.RED: Action.RED_CARD}


def _user(actor):
    return user_of(actor)


def _may_first(case: Case, action: str, actor) -> None:
    """Refuse a caller who may not do this before judging their input (a 403 before a 422)."""
    if rule_for(case.state, action) is not None and not may(case, action, actor):
        raise PermissionDenied(_("You are not allowed to do this to this case."))


def _lead(case: Case):
    if case.lead_unit_id is None:
        raise ValidationError({"__all__": _("Case #%(id)s has no lead unit to address.") % {"id": case.pk}})
    return case.lead_unit


def _supervise(case: Case, action: str, kind: str, *, actor, message: str, at: datetime, rule: str = "",
               due=None) -> Case:
    def change(c: Case):
        unit = _lead(c)
        row = Supervision.objects.create(case=c, unit=unit, kind=kind, message=message, rule=rule, due=due,
                                         given_by=_user(actor), given_at=at)
        details = {"supervision": row.pk, "kind": kind, "unit": unit.code}
        if rule:
            details.update(rule=rule, due=due)
        return details

    with transaction.atomic():
        case = transition(case, action, actor=actor, reason=message, change=change, at=at)
        notices.supervised(case, case._last_event.payload["kind"], message, actor)
    return case


def urge_case(*, case: Case, actor, message: str, expected_version: int | None = None,
              at: datetime | None = None) -> Case:
    """A dispatcher or leader urges the lead unit (催办), with a message the unit reads."""
    _may_first(case, Action.URGE, actor)
    message = checks.text(message, "message", max_length=MESSAGE_MAX, label=_("The message"))
    return _supervise(case, Action.URGE, SupervisionKind.URGE, actor=actor, message=message,
                      at=at or timezone.now())


def give_card(*, case: Case, actor, colour: str, reason: str, expected_version: int | None = None,
              at: datetime | None = None) -> Case:
    """A yellow or red card (黄牌 / 红牌) given by hand, with a reason."""
    checks.choice(colour, "colour", CARD_ACTIONS)
    _may_first(case, CARD_ACTIONS[colour], actor)
    reason = checks.reason(reason)
    return _supervise(case, CARD_ACTIONS[colour], colour, actor=actor, message=reason, at=at or timezone.now())


def yellow_card(*, case: Case, actor, reason: str, expected_version: int | None = None,
                at: datetime | None = None) -> Case:
    return give_card(case=case, actor=actor, colour=SupervisionKind.YELLOW, reason=reason, at=at)


def red_card(*, case: Case, actor, reason: str, expected_version: int | None = None,
             at: datetime | None = None) -> Case:
    return give_card(case=case, actor=actor, colour=SupervisionKind.RED, reason=reason, at=at)


def card_by_rule(*, case: Case, colour: str, rule: str, due: datetime, message: str, at: datetime) -> bool:
    """The sweep's card: given once per case and colour; False when it was given already."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if Supervision.objects.filter(case=locked, kind=colour).exclude(rule="").exists():
            return False
        _supervise(locked, CARD_ACTIONS[colour], colour, actor=None, message=message, at=at, rule=rule, due=due)
    return True


def instruct_case(*, case: Case, actor, message: str, expected_version: int | None = None,
                  at: datetime | None = None) -> Case:
    """A leader's instruction (领导批示) to the lead unit, which must acknowledge it."""
    _may_first(case, Action.INSTRUCT, actor)
    message = checks.text(message, "message", max_length=MESSAGE_MAX, label=_("The instruction"))
    return _supervise(case, Action.INSTRUCT, SupervisionKind.INSTRUCTION, actor=actor, message=message,
                      at=at or timezone.now())


def acknowledge_instruction(*, case: Case, actor, note: str = "", instruction: int | None = None,
                            expected_version: int | None = None, at: datetime | None = None) -> Case:
    """The unit acknowledges a leader's instruction (the earliest pending one, or ``instruction``)."""
    at = at or timezone.now()
    note = checks.text(note, "note", max_length=MESSAGE_MAX, required=False)

    def change(c: Case):
        pending = Supervision.objects.select_for_update().filter(
            case=c, kind=SupervisionKind.INSTRUCTION, acknowledged_at=None, unit_id=getattr(actor, "unit_id", None))
        if instruction not in (None, ""):
            pending = pending.filter(pk=instruction)
        row = pending.order_by("given_at", "id").first()
        if row is None:
            raise ValidationError({"instruction": _("There is no instruction of case #%(id)s for your unit to "
                                                    "acknowledge.") % {"id": c.pk}})
        row.acknowledged_at, row.acknowledged_by, row.acknowledgement = at, _user(actor), note
        row.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
        return {"supervision": row.pk, "given_at": row.given_at}

    with transaction.atomic():
        return transition(case, Action.ACKNOWLEDGE_INSTRUCTION, actor=actor, reason=note, change=change,
                          unit=getattr(actor, "unit", None), at=at)


def callback_attempts(case: Case) -> int:
    """Unsuccessful callback attempts since the latest reply."""
    last_reply = CaseEvent.objects.filter(case=case, action=Action.REPLY).order_by("-id").values_list(
        "id", flat=True).first()
    return CaseEvent.objects.filter(case=case, action=Action.CALLBACK_ATTEMPT, id__gt=last_reply or 0).count()


def record_callback_attempt(*, case: Case, actor, note: str = "", expected_version: int | None = None,
                            at: datetime | None = None) -> Case:
    """An attempt to reach the resident for the callback that failed (no answer, wrong number…).

    After ``settings.CASE_CALLBACK_MAX_ATTEMPTS`` of them the case is closed as
    unreachable by the system: no verdict, so it counts in none of the rates.
    """
    at = at or timezone.now()
    note = checks.text(note, "note", max_length=MESSAGE_MAX, required=False)
    limit = settings.CASE_CALLBACK_MAX_ATTEMPTS

    def change(c: Case):
        return {"attempt": callback_attempts(c) + 1, "max_attempts": limit}

    with transaction.atomic():
        case = transition(case, Action.CALLBACK_ATTEMPT, actor=actor, reason=note, change=change, at=at)
        attempt = case._last_event.payload["attempt"]
        if attempt >= limit and case.state == CaseState.REPLIED:
            def close(c: Case):
                c.closed_at = at
                return {"attempts": attempt}

            case = transition(case, Action.CALLBACK_UNREACHABLE, actor=None, change=close, at=at,
                              expected_version=-1,
                              reason=_("The resident could not be reached after %(n)d attempts.") % {"n": attempt})
            _follow(case, at)
    return case

"""The agenda item's lifecycle as data, and the ONE function that moves an item.

收集问题、确定议题、协商议事、跟踪落实: collected → on agenda → deliberated → put to a vote or
decided by consensus → published → being implemented → done. :data:`TABLE` maps
``(state, action)`` to the next state and the capability it needs; anything not in the table is
forbidden. :func:`transition` is the only code that changes ``Item.state``: it checks the table,
locks the row (``select_for_update``), checks the optimistic ``version``, applies the caller's
change, saves, and appends the :class:`~gongzhi.deliberation.models.ItemEvent` and the audit event
in one transaction. Every transition also requires the item to lie in the actor's area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope

from .models import Item, ItemAction, ItemEvent, ItemState

S, A = ItemState, ItemAction
NEW = ""
MANAGE = "deliberation.manage"


@dataclass(frozen=True)
class Rule:
    to: str
    capability: str | None = MANAGE
    system: bool = False  # the system (no actor) may do it too: a vote closed by the sweep


TABLE: dict[tuple[str, str], Rule] = {
    (NEW, A.COLLECT): Rule(S.COLLECTED),
    (S.COLLECTED, A.SCHEDULE): Rule(S.ON_AGENDA),
    (S.ON_AGENDA, A.DELIBERATE): Rule(S.DELIBERATED),
    (S.DELIBERATED, A.PUT_TO_VOTE): Rule(S.VOTING),
    (S.DELIBERATED, A.DECIDE_BY_CONSENSUS): Rule(S.DECIDED),
    # Only the vote's services take these two (closing, cancelling a vote), never a face directly.
    (S.VOTING, A.RECORD_RESULT): Rule(S.DECIDED, MANAGE, system=True),
    (S.VOTING, A.CANCEL_VOTE): Rule(S.DELIBERATED, MANAGE),
    (S.DECIDED, A.PUBLISH): Rule(S.PUBLISHED),
    (S.PUBLISHED, A.START_IMPLEMENTATION): Rule(S.IMPLEMENTING),
    (S.PUBLISHED, A.CLOSE): Rule(S.DONE),
    (S.IMPLEMENTING, A.COMPLETE): Rule(S.DONE),
}
for _state in (S.COLLECTED, S.ON_AGENDA, S.DELIBERATED):
    TABLE[(_state, A.DROP)] = Rule(S.DROPPED)


def allowed_actions(state: str) -> list[str]:
    return [action for (s, action) in TABLE if s == state]


def _not_allowed(item: Item, action: str, state: str) -> ValidationError:
    return ValidationError(_("“%(action)s” is not possible while the item is “%(state)s”.") % {
        "action": ItemAction(action).label, "state": ItemState(state).label if state else "—"})


def transition(item: Item, action: str, *, actor, note: str = "", payload: dict | None = None,
               change: Callable[[Item], dict | None] | None = None, expected_version: int | None = None) -> Item:
    """Do ``action`` to ``item`` as ``actor`` (``None``: the system); return the item as saved.

    ``change(item)`` runs on the locked row after every check; it may set fields, write related
    rows, raise ValidationError (everything rolls back) and return details for the event.
    """
    creating = item.pk is None
    if TABLE.get((NEW if creating else item.state, action)) is None:
        raise _not_allowed(item, action, NEW if creating else item.state)
    with transaction.atomic():
        if creating:
            current = item
        else:
            current = Item.objects.select_for_update().get(pk=item.pk)
            expected = item.version if expected_version is None else expected_version
            if current.version != expected:
                raise ValidationError(_("Someone changed this item meanwhile; reload it and try again."),
                                      code="conflict")
        state = NEW if creating else current.state
        rule = TABLE.get((state, action))
        if rule is None:
            raise _not_allowed(current, action, state)
        if not (actor is None and rule.system):
            if not can(actor, rule.capability):
                raise PermissionDenied(_("You are not allowed to do this."))
            ensure_code_in_scope(current.region.code, actor)
        details = dict(payload or {})
        now = timezone.now()
        if change is not None:
            details.update(change(current) or {})
        current.state = rule.to
        current.updated_at = now
        if creating:
            current.created_at = now
            current.created_by = user_of(actor) if actor is not None else None
            current.save()
        else:
            current.version += 1
            current.save()
        ItemEvent.objects.create(item=current, action=action, from_state=state, to_state=rule.to,
                                 actor=user_of(actor) if actor is not None else None, note=note,
                                 payload=details, at=now)
        record(actor=actor, action=f"deliberation.item.{action}", obj=current,
               changes={"state": [state or None, rule.to], **details}, reason=note)
    return current

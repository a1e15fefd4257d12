"""The dispute lifecycle as data, and the ONE function that moves a dispute (the shape of cases/machine.py).

:data:`TABLE` maps ``(state, action)`` to the next state and to who may do it;
anything not in the table is forbidden. :func:`transition` checks the table, locks
the row, checks the optimistic ``version``, applies the caller's change, saves and
appends the :class:`~gongzhi.mediation.models.DisputeEvent` and the audit event,
all in one transaction. Who may act (:class:`Allow`): a capability, a party, or both:

* ``committee``: the actor belongs to the unit of the committee the dispute is assigned to;
* ``system``: no actor (the sweep's alerts and reminders).

An alternative without a party also requires the dispute to lie in the actor's area.
A rule with ``keeps_version`` only adds to the dispute (a warning, a follow-up): it is
checked against the state under the row lock but neither checks nor bumps the version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope

from .errors import DisputeConflict, DisputeTransitionNotAllowed
from .models import OPEN_STATES, Action, Dispute, DisputeEvent, DisputeState

S, A = DisputeState, Action
NEW = ""
COMMITTEE = "committee"
SYSTEM = "system"


@dataclass(frozen=True)
class Allow:
    capability: str | None = None
    party: str | None = None


@dataclass(frozen=True)
class Rule:
    to: str
    who: tuple[Allow, ...]
    keeps_version: bool = False


MEDIATOR = (Allow("mediation.mediate", COMMITTEE),)
ASSIGNER = (Allow("mediation.assign"),) + MEDIATOR
REGISTRAR = (Allow("mediation.register"),) + MEDIATOR
WARNER = (Allow("mediation.screen"), Allow("mediation.register")) + MEDIATOR
ONLY_SYSTEM = (Allow(party=SYSTEM),)

TABLE: dict[tuple[str, str], Rule] = {
    (NEW, A.REGISTER): Rule(S.REGISTERED, (Allow("mediation.register"),)),
    (S.REGISTERED, A.ASSIGN): Rule(S.ASSIGNED, ASSIGNER),
    # Another committee of the same tier, or other mediators, before mediation started.
    (S.ASSIGNED, A.ASSIGN): Rule(S.ASSIGNED, ASSIGNER),
    (S.ASSIGNED, A.SESSION): Rule(S.MEDIATING, MEDIATOR),
    (S.MEDIATING, A.SESSION): Rule(S.MEDIATING, MEDIATOR),
    (S.MEDIATING, A.AGREE): Rule(S.AGREED, MEDIATOR),
    (S.ASSIGNED, A.FAIL): Rule(S.FAILED, MEDIATOR),  # e.g. a party refused to mediate (mediation is voluntary)
    (S.MEDIATING, A.FAIL): Rule(S.FAILED, MEDIATOR),
}
for _state in OPEN_STATES:
    TABLE[(_state, A.ADD_PARTY)] = Rule(_state, REGISTRAR)
    TABLE[(_state, A.WITHDRAW)] = Rule(S.WITHDRAWN, REGISTRAR)
    TABLE[(_state, A.WARN)] = Rule(_state, WARNER, keeps_version=True)
    TABLE[(_state, A.DEADLINE_ALERT)] = Rule(_state, ONLY_SYSTEM, keeps_version=True)
    TABLE[(_state, A.OVERDUE)] = Rule(_state, ONLY_SYSTEM, keeps_version=True)
for _state in (S.ASSIGNED, S.MEDIATING):
    TABLE[(_state, A.ESCALATE)] = Rule(S.ASSIGNED, ASSIGNER)
    TABLE[(_state, A.CONSENT)] = Rule(_state, MEDIATOR)
for _state in (*OPEN_STATES, S.AGREED, S.FAILED, S.WITHDRAWN):
    # 民转刑: recorded whenever it happens, also after the mediation ended.
    TABLE[(_state, A.CRIMINAL)] = Rule(_state, ASSIGNER + (Allow("mediation.register"),), keeps_version=True)
for _state in (S.AGREED, S.FAILED, S.WITHDRAWN):
    TABLE[(_state, A.REFERRAL_RESULT)] = Rule(_state, REGISTRAR, keeps_version=True)
TABLE[(S.AGREED, A.APPLY_CONFIRMATION)] = Rule(S.AGREED, MEDIATOR, keeps_version=True)
TABLE[(S.AGREED, A.CONFIRMATION_RESULT)] = Rule(S.AGREED, MEDIATOR, keeps_version=True)
TABLE[(S.AGREED, A.FOLLOW_UP)] = Rule(S.AGREED, MEDIATOR, keeps_version=True)
TABLE[(S.AGREED, A.REMINDER)] = Rule(S.AGREED, ONLY_SYSTEM, keeps_version=True)


def rule_for(state: str, action: str) -> Rule | None:
    return TABLE.get((state, action))


def is_party(dispute: Dispute, actor, party: str) -> bool:
    if party == SYSTEM:
        return actor is None
    if actor is None:
        return False
    if party == COMMITTEE:
        unit_id = getattr(actor, "unit_id", None)
        return unit_id is not None and dispute.committee_id is not None and dispute.committee.unit_id == unit_id
    raise ValueError(f"unknown party {party!r}")


def _in_area(dispute: Dispute, actor) -> bool:
    try:
        if dispute.pk is None:
            ensure_code_in_scope(dispute.region_code, actor)
        else:
            ensure_in_scope(dispute, actor)
    except PermissionDenied:
        return False
    return True


def authorise(dispute: Dispute, rule: Rule, actor) -> None:
    in_area = None
    for allow in rule.who:
        if allow.capability and (actor is None or not can(actor, allow.capability)):
            continue
        if allow.party:
            if is_party(dispute, actor, allow.party):
                return
            continue
        if in_area is None:
            in_area = _in_area(dispute, actor)
        if in_area:
            return
    if actor is None:
        raise PermissionDenied(_("This action needs a person to do it."))
    raise PermissionDenied(_("You are not allowed to do this to this dispute."))


def may(dispute: Dispute, action: str, actor) -> bool:
    """Whether ``actor`` may do ``action`` to ``dispute`` now (for showing buttons)."""
    rule = rule_for(dispute.state, action)
    if rule is None:
        return False
    try:
        authorise(dispute, rule, actor)
    except PermissionDenied:
        return False
    return True


def check(dispute: Dispute, action: str, actor) -> None:
    """Refuse early, before the caller validates its input: an action the state does not allow (409) or an
    actor who may not do it (403). :func:`transition` checks both again under the row lock."""
    rule = rule_for(NEW if dispute.pk is None else dispute.state, action)
    if rule is None:
        raise _not_allowed(dispute, action, dispute.state if dispute.pk else NEW)
    authorise(dispute, rule, actor)


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    if hasattr(actor, "key_prefix"):
        return f"api-key:{actor.name}"[:150]
    return (getattr(actor, "username", "") or str(actor))[:150]


def _not_allowed(dispute: Dispute, action: str, state: str) -> DisputeTransitionNotAllowed:
    try:
        action_label = str(Action(action).label)
    except ValueError:
        action_label = action
    state_label = str(DisputeState(state).label) if state else _("new")
    return DisputeTransitionNotAllowed(number=dispute.number or "", action=action_label, state=state,
                                       state_label=state_label)


_FIELDS = None


def _fields():
    global _FIELDS
    if _FIELDS is None:
        _FIELDS = [f for f in Dispute._meta.concrete_fields if not f.primary_key]
    return _FIELDS


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def transition(dispute: Dispute, action: str, *, actor, reason: str = "", payload: dict | None = None,
               change: Callable[[Dispute], dict | None] | None = None, expected_version: int | None = None,
               at: datetime | None = None) -> Dispute:
    """Do ``action`` to ``dispute`` as ``actor``; return the dispute as saved.

    ``change(dispute)`` runs on the locked, current row after every check and before
    saving; it may set fields, create related rows, raise ValidationError (rolling
    everything back) and return details for the event. A stale ``expected_version``
    raises :class:`~gongzhi.mediation.errors.DisputeVersionConflict` (HTTP 409).
    """
    at = at or timezone.now()
    creating = dispute.pk is None
    state = NEW if creating else dispute.state
    if rule_for(state, action) is None:
        raise _not_allowed(dispute, action, state)
    with transaction.atomic():
        if creating:
            current = dispute
        else:
            queryset = Dispute.objects.select_related("committee")
            if connection.features.has_select_for_update:
                queryset = queryset.select_for_update(of=("self",))
            current = queryset.get(pk=dispute.pk)
            expected = dispute.version if expected_version is None else expected_version
            keeps = getattr(rule_for(current.state, action), "keeps_version", False)
            if not keeps and current.version != expected:
                raise DisputeConflict.version(number=current.number, expected=expected, current=current.version)
            state = current.state
        rule = rule_for(state, action)
        if rule is None:
            raise _not_allowed(current, action, state)
        authorise(current, rule, actor)

        details = dict(payload or {})
        if creating:
            current.state = rule.to
            current.created_at = at
            current.save()  # first, so that the change may add rows that point at it (parties)
            if change is not None:
                details.update(change(current) or {})
                current.save()
            changes = {"state": [None, rule.to]}
        elif rule.keeps_version:
            if change is not None:
                details.update(change(current) or {})
            changes = _jsonable(details)
        else:
            before = {f.attname: getattr(current, f.attname) for f in _fields()}
            if change is not None:
                details.update(change(current) or {})
            current.state = rule.to
            old_version = current.version
            current.version = old_version + 1
            current.updated_at = timezone.now()
            values = {f.attname: getattr(current, f.attname) for f in _fields()}
            if Dispute.objects.filter(pk=current.pk, version=old_version).update(**values) != 1:
                latest = Dispute.objects.filter(pk=current.pk).values_list("version", flat=True).first()
                raise DisputeConflict.version(number=current.number, expected=old_version, current=latest)
            changes = {name: [_jsonable(before[name]), _jsonable(value)] for name, value in values.items()
                       if before[name] != value and name not in ("updated_at", "version")}
        committee = current.committee if current.committee_id else None
        event = DisputeEvent.objects.create(
            dispute=current, at=at, actor_id=getattr(user_of(actor), "pk", None), actor_label=actor_label(actor),
            action=action, from_state=state, to_state=rule.to, reason=reason or "", payload=_jsonable(details),
            committee=committee, tier=committee.tier if committee else "", type_code=current.dispute_type.code,
            region_code=current.region_code,
        )
        record(actor=actor, action=f"mediation.{action}", obj=current, changes=changes, reason=reason,
               object_repr=str(current)[:200])
        current._last_event = event
    if not creating:
        for field in _fields():
            setattr(dispute, field.attname, getattr(current, field.attname))
        dispute._state.fields_cache.clear()
    return current

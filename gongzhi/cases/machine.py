"""The case lifecycle as data, and the ONE function that moves a case.

:data:`TABLE` maps ``(state, action)`` to the next state and to who may do it;
anything not in the table is forbidden. :func:`transition` is the only code
that changes ``Case.state``: it checks the table, locks the row, verifies the
optimistic ``version``, applies the caller's change, saves, and appends the
:class:`~gongzhi.cases.models.CaseEvent` and the audit event, all in one
transaction. The services in :mod:`gongzhi.cases.services` are thin over it:
they validate their own inputs and hand a ``change`` callback in.

Who may act is a tuple of alternatives (:class:`Allow`), each a capability
(:mod:`gongzhi.accounts.roles`), a party to the case, or both:

* ``lead_unit``: the actor is a member of the case's lead unit;
* ``summoned_unit``: the actor's unit was summoned by a street whistle;
* ``reporter``: the actor reported the case;
* ``verifier``: the actor is a grid worker of the grid a pending on-site
  verification of the case was asked of (:class:`~gongzhi.cases.models.Verification`);
* ``system``: no actor (the deadline sweep, follow-ups of a merge);
* ``supervised_unit``: the actor's unit has a leader's instruction on the case
  still to acknowledge (:class:`~gongzhi.cases.models.Supervision`).

A rule with ``keeps_version`` only adds to the case (an urging, a card, an
instruction, a callback attempt): it is checked against the current state under
the row lock, but it neither checks nor bumps the case's ``version`` and saves
nothing of the case row, so two people urging at once both succeed, and an
urging never makes the unit's concurrent action a conflict.

An alternative without a party also requires the case to lie in the actor's
area (:func:`gongzhi.core.scoping.ensure_in_scope`); being a party is itself
the tie to the case.
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
from gongzhi.audit.services import record, record_many
from gongzhi.core.inserts import insert, insert_many, insert_rows
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope

from .errors import ConflictError, TransitionNotAllowed
from .search import index as search_index
from .models import (
    OPEN_STATES,
    UNREPLIED_STATES,
    Action,
    Case,
    CaseEvent,
    CaseState,
    Supervision,
    SupervisionKind,
    Verification,
    WhistleResponse,
)
from . import numbers
from .numbers import number_case

S = CaseState

LEAD_UNIT = "lead_unit"
SUMMONED_UNIT = "summoned_unit"
REPORTER = "reporter"
SYSTEM = "system"
VERIFIER = "verifier"
SUPERVISED_UNIT = "supervised_unit"
PARTIES = (LEAD_UNIT, SUMMONED_UNIT, REPORTER, SYSTEM, VERIFIER, SUPERVISED_UNIT)
NEW = ""  # the "state" of a case not yet saved


A = Action


@dataclass(frozen=True)
class Allow:
    capability: str | None = None
    party: str | None = None


@dataclass(frozen=True)
class Rule:
    to: str
    who: tuple[Allow, ...]
    keeps_version: bool = False  # only adds to the case: no version check, no bump, the row is not saved


# Recurring "who may" sets.
DISPATCHER = (Allow("cases.dispatch"),)
LEAD = (Allow("cases.handle", LEAD_UNIT),)
SUMMONED = (Allow("cases.handle", SUMMONED_UNIT),)
WHISTLER = (Allow("cases.whistle"),)
ONLY_SYSTEM = (Allow(party=SYSTEM),)
CALLBACK_BY = (Allow("cases.callback"), Allow(party=REPORTER))
ATTACH_BY = (Allow(party=REPORTER), Allow("cases.intake"), Allow("cases.dispatch"), Allow("cases.handle", LEAD_UNIT))


TABLE: dict[tuple[str, str], Rule] = {
    (NEW, A.INTAKE): Rule(S.RECEIVED, (Allow("cases.report", REPORTER), Allow("cases.intake"))),
    (S.RECEIVED, A.ANSWER): Rule(S.CLOSED, (Allow("cases.intake"),)),
    (S.RECEIVED, A.DISPATCH): Rule(S.DISPATCHED, DISPATCHER),
    # Re-dispatch before the unit acknowledged: the dispatcher corrects a mistake.
    (S.DISPATCHED, A.DISPATCH): Rule(S.DISPATCHED, DISPATCHER),
    (S.RETURNED, A.DISPATCH): Rule(S.DISPATCHED, DISPATCHER),
    (S.DISPATCHED, A.ACKNOWLEDGE): Rule(S.IN_PROGRESS, LEAD),
    (S.DISPATCHED, A.RETURN): Rule(S.RETURNED, LEAD),
    (S.RETURNED, A.REFER): Rule(S.ARBITRATION, ONLY_SYSTEM),
    (S.ARBITRATION, A.DECIDE): Rule(S.DISPATCHED, DISPATCHER),
    (S.IN_PROGRESS, A.REQUEST_EXTENSION): Rule(S.IN_PROGRESS, LEAD),
    (S.IN_PROGRESS, A.APPROVE_EXTENSION): Rule(S.IN_PROGRESS, DISPATCHER),
    (S.IN_PROGRESS, A.REFUSE_EXTENSION): Rule(S.IN_PROGRESS, DISPATCHER),
    (S.IN_PROGRESS, A.REPLY): Rule(S.REPLIED, LEAD),
    (S.REPLIED, A.CALLBACK): Rule(S.CLOSED, CALLBACK_BY),
    # 重办: back to the same lead unit as a new order, to be acknowledged (签收) again.
    (S.REPLIED, A.REOPEN): Rule(S.DISPATCHED, CALLBACK_BY),
    (S.MERGED, A.FOLLOW_CLOSE): Rule(S.CLOSED, ONLY_SYSTEM),
    (S.MERGED, A.FOLLOW_CANCEL): Rule(S.CANCELLED, ONLY_SYSTEM),
    # The resident may withdraw a request nobody has taken up yet.
    (S.RECEIVED, A.CANCEL): Rule(S.CANCELLED, DISPATCHER + (Allow(party=REPORTER),)),
}
# Mediation (矛盾纠纷化解, gongzhi.mediation): a case that is a dispute between people waits for the
# dispute's outcome. Referred at intake (before any unit took it: no response or resolution deadline yet)
# or by the lead unit after acknowledging it; the deadlines are cleared while it waits (off the clock:
# not in CLOCKED_STATES, the sweep ignores it), and the dispute's outcome comes back as the reply,
# written by the mediation app as a follow-up of the dispute (no person). The three rates: the response
# rate already counted the dispatch and acknowledgement (a case referred at intake had neither); the
# resolution and satisfaction rates count the callback of that reply, as for any reply.
REFER_MEDIATION_BY = (Allow("mediation.register"), Allow("cases.dispatch"))
TABLE[(S.RECEIVED, A.REFER_MEDIATION)] = Rule(S.MEDIATING, REFER_MEDIATION_BY)
TABLE[(S.IN_PROGRESS, A.REFER_MEDIATION)] = Rule(S.MEDIATING, REFER_MEDIATION_BY + LEAD)
TABLE[(S.MEDIATING, A.MEDIATION_ENDED)] = Rule(S.REPLIED, ONLY_SYSTEM)
for _state in UNREPLIED_STATES:
    TABLE[(_state, A.WHISTLE)] = Rule(_state, WHISTLER)
    TABLE[(_state, A.REPORT_IN)] = Rule(_state, SUMMONED)
    if _state == S.MEDIATING:
        continue  # the dispute decides its outcome: no merge, no invalidation, no cancellation meanwhile
    TABLE[(_state, A.MERGE)] = Rule(S.MERGED, DISPATCHER)
    TABLE[(_state, A.INVALIDATE)] = Rule(S.INVALID, DISPATCHER)
    TABLE.setdefault((_state, A.CANCEL), Rule(S.CANCELLED, DISPATCHER))
# Supervision (督办): urging and cards by a dispatcher or leader (cards also by the sweep's rules),
# leaders' instructions that the unit acknowledges; none changes the state or the version.
SUPERVISE_BY = (Allow("cases.supervise"),)
SUPERVISED_STATES = (S.DISPATCHED, S.IN_PROGRESS)
for _state in SUPERVISED_STATES:
    TABLE[(_state, A.URGE)] = Rule(_state, SUPERVISE_BY, keeps_version=True)
    TABLE[(_state, A.YELLOW_CARD)] = Rule(_state, SUPERVISE_BY + ONLY_SYSTEM, keeps_version=True)
    TABLE[(_state, A.RED_CARD)] = Rule(_state, SUPERVISE_BY + ONLY_SYSTEM, keeps_version=True)
for _state in (*SUPERVISED_STATES, S.REPLIED):
    TABLE[(_state, A.INSTRUCT)] = Rule(_state, (Allow("cases.instruct"),), keeps_version=True)
for _state in (*OPEN_STATES, S.MERGED):
    TABLE[(_state, A.ACKNOWLEDGE_INSTRUCTION)] = Rule(_state, (Allow("cases.handle", SUPERVISED_UNIT),),
                                                      keeps_version=True)
# The callback (回访): staff record each attempt that did not reach the resident; after the last
# one allowed (settings.CASE_CALLBACK_MAX_ATTEMPTS) the system closes the case as unreachable.
TABLE[(S.REPLIED, A.CALLBACK_ATTEMPT)] = Rule(S.REPLIED, (Allow("cases.callback"),), keeps_version=True)
TABLE[(S.REPLIED, A.CALLBACK_UNREACHABLE)] = Rule(S.CLOSED, ONLY_SYSTEM)
for _state in OPEN_STATES:
    TABLE[(_state, A.ATTACH)] = Rule(_state, ATTACH_BY)
    # On-site verification (核实 before dispatch, 核查 after the reply): no change of state.
    TABLE[(_state, A.REQUEST_VERIFICATION)] = Rule(_state, DISPATCHER)
    TABLE[(_state, A.VERIFY)] = Rule(_state, (Allow("cases.verify", VERIFIER),))


def rule_for(state: str, action: str) -> Rule | None:
    return TABLE.get((state, action))


def allowed_actions(state: str) -> list[str]:
    return [action for (s, action) in TABLE if s == state]


# --- who ---------------------------------------------------------------------

def _unit_id_of(actor):
    return getattr(actor, "unit_id", None)


def is_party(case: Case, actor, party: str) -> bool:
    if party == SYSTEM:
        return actor is None
    if actor is None:
        return False
    if party == REPORTER:
        return user_of(actor) is not None and case.reporter_id is not None and actor.pk == case.reporter_id
    if party == VERIFIER:
        region_id = getattr(actor, "region_id", None)
        return case.pk is not None and region_id is not None and Verification.objects.filter(
            case=case, grid_id=region_id, found_at=None).exists()
    unit_id = _unit_id_of(actor)
    if unit_id is None:
        return False
    if party == LEAD_UNIT:
        return case.lead_unit_id == unit_id
    if party == SUMMONED_UNIT:
        return case.pk is not None and WhistleResponse.objects.filter(whistle__case=case, unit_id=unit_id).exists()
    if party == SUPERVISED_UNIT:
        return case.pk is not None and Supervision.objects.filter(
            case=case, unit_id=unit_id, kind=SupervisionKind.INSTRUCTION, acknowledged_at=None).exists()
    raise ValueError(f"unknown party {party!r}")


def _in_area(case: Case, actor) -> bool:
    try:
        if case.pk is None:
            ensure_code_in_scope(case.region_code, actor)
        else:
            ensure_in_scope(case, actor)
    except PermissionDenied:
        return False
    return True


def _authorise(case: Case, rule: Rule, actor) -> None:
    in_area = None
    for allow in rule.who:
        if allow.capability and (actor is None or not can(actor, allow.capability)):
            continue
        if allow.party:
            if is_party(case, actor, allow.party):
                return
            continue
        # A capability alone: the case must lie in the actor's area.
        if in_area is None:
            in_area = _in_area(case, actor)
        if in_area:
            return
    if actor is None:
        raise PermissionDenied(_("This action needs a person to do it."))
    raise PermissionDenied(_("You are not allowed to do this to this case."))


def may(case: Case, action: str, actor) -> bool:
    """Whether ``actor`` may do ``action`` to ``case`` now (for showing buttons)."""
    rule = rule_for(case.state, action)
    if rule is None:
        return False
    try:
        _authorise(case, rule, actor)
    except PermissionDenied:
        return False
    return True


# --- the transition ------------------------------------------------------------

def may_intake(case: Case, actor) -> bool:
    """Whether ``actor`` may take in the new, unsaved ``case`` (its place in their area)."""
    try:
        _authorise(case, rule_for(NEW, Action.INTAKE), actor)
    except PermissionDenied:
        return False
    return True


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if hasattr(actor, "key_prefix"):
        return f"api-key:{actor.name}"[:150]
    return (getattr(actor, "username", "") or str(actor))[:150]


def _lock(case: Case) -> Case:
    queryset = Case.objects.all()
    if connection.features.has_select_for_update:
        queryset = queryset.select_for_update()
    return queryset.get(pk=case.pk)


_SAVED_FIELDS = None
# The texts the full-text index holds (gongzhi.cases.search.index).
_SEARCHED_FIELDS = frozenset({"title", "description", "address"})


def _saved_fields():
    global _SAVED_FIELDS
    if _SAVED_FIELDS is None:
        _SAVED_FIELDS = [f for f in Case._meta.concrete_fields if not f.primary_key]
    return _SAVED_FIELDS


def _not_allowed(case: Case, action: str, state: str) -> TransitionNotAllowed:
    try:
        action_label = str(Action(action).label)
    except ValueError:
        action_label = action
    state_label = str(CaseState(state).label) if state else _("new")
    return TransitionNotAllowed(case_id=case.pk, action=action_label, state=state, state_label=state_label)


# ``expected_version`` of an action that only adds to a case (a photo): it
# acts on the current row whatever changed since the caller read it, since
# nothing the caller saw can have been made wrong by the change. The rule for
# the action is still checked against the current state, under the row lock.
ANY_VERSION = -1


def transition(
    case: Case,
    action: str,
    *,
    actor,
    reason: str = "",
    payload: dict | None = None,
    change: Callable[[Case], dict | None] | None = None,
    unit=None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """Do ``action`` to ``case`` as ``actor``; return the case as saved.

    ``change(case)`` is called on the locked, current row after every check
    and before saving; it sets fields, may create related rows, may raise
    ValidationError (which rolls everything back), and may return more
    details for the event. ``unit`` is the unit the event concerns (default:
    the lead unit after the change). ``expected_version`` is the version the
    caller saw (default: the version of the ``case`` object passed in); if the
    row has moved on since, :class:`ConflictError` is raised and nothing
    changes (:data:`ANY_VERSION`: no such check, for additive actions). On PostgreSQL the row is locked with SELECT … FOR UPDATE, so a
    concurrent actor waits and then sees the new version; on SQLite the write
    lock and the ``version`` condition of the UPDATE do the same.
    """
    at = at or timezone.now()
    creating = case.pk is None
    state = NEW if creating else case.state
    if rule_for(state, action) is None:
        raise _not_allowed(case, action, state)

    with transaction.atomic():
        if creating:
            current = case
        else:
            current = _lock(case)
            expected = case.version if expected_version is None else expected_version
            keeps = getattr(rule_for(current.state, action), "keeps_version", False)
            if expected != ANY_VERSION and not keeps and current.version != expected:
                raise ConflictError(case_id=case.pk, expected=expected, current=current.version)
            state = current.state
        rule = rule_for(state, action)
        if rule is None:
            raise _not_allowed(current, action, state)
        _authorise(current, rule, actor)

        details = dict(payload or {})
        if creating:
            current.state = rule.to
            current.created_at = at
            number_case(current)  # the day's next work-order number, in this transaction
            insert(current)  # one prepared INSERT (gongzhi.core.inserts): intake is the hot path
            if change is not None:
                details.update(change(current) or {})
            changes = {"state": [None, rule.to]}
        elif rule.keeps_version:
            # Adds to the case only: the row is locked (so the state holds) but neither saved nor versioned.
            if change is not None:
                details.update(change(current) or {})
            changes = _jsonable(details)
        else:
            before = {f.attname: getattr(current, f.attname) for f in _saved_fields()}
            if change is not None:
                details.update(change(current) or {})
            current.state = rule.to
            old_version = current.version
            current.version = old_version + 1
            current.updated_at = timezone.now()
            values = {f.attname: getattr(current, f.attname) for f in _saved_fields()}
            if Case.objects.filter(pk=current.pk, version=old_version).update(**values) != 1:
                # Only reachable without row locks: someone saved in between.
                latest = Case.objects.filter(pk=current.pk).values_list("version", flat=True).first()
                raise ConflictError(case_id=current.pk, expected=old_version, current=latest)
            changes = {
                name: [_jsonable(before[name]), _jsonable(value)]
                for name, value in values.items()
                if before[name] != value and name not in ("updated_at", "version")
            }

        if creating or _SEARCHED_FIELDS & changes.keys():
            search_index.index_case(current)  # the full-text entry commits or rolls back with the case
        event_unit = unit if unit is not None else current.lead_unit
        event = CaseEvent.objects.create(
            case=current, at=at, actor_id=getattr(user_of(actor), "pk", None),
            actor_label=_actor_label(actor), action=action, from_state=state, to_state=rule.to,
            reason=reason or "", payload=_jsonable(details), unit=event_unit,
        )
        record(actor=actor, action=f"cases.{action}", obj=current, changes=changes, reason=reason,
               object_repr=f"#{current.pk} {current.title}"[:200])
        current._last_event = event

    if not creating:
        _refresh(case, current)
    return current


def intake_many(cases: list[tuple[Case, dict, datetime]], *, actor, entries: list[dict] | None = None) -> list[Case]:
    """Intake of many new cases at once: ``[(unsaved case, event payload, time of intake)]``.

    The same rows as :func:`transition` writes for each (the case in state
    ``received``, its intake event, its audit event ``cases.intake``, its
    search entry), with the same rule and authorisation, written with one
    prepared INSERT per table run for the whole batch
    (:mod:`gongzhi.core.inserts`) instead of statements per case: a batch of
    an import (:mod:`gongzhi.cases.importing`). ``entries``: the cases' search
    entries (:func:`gongzhi.cases.search.index.new_entries`), when the caller
    segmented the texts before the transaction. Runs inside the caller's
    transaction.
    """
    if not cases:
        return []
    rule = rule_for(NEW, Action.INTAKE)
    for case, _payload, at in cases:
        _authorise(case, rule, actor)
        case.state = rule.to
        case.created_at = at or timezone.now()
    if entries is None:
        entries = search_index.new_entries((case.title, case.description, case.address) for case, _p, _a in cases)
    with transaction.atomic():
        _number_many([case for case, _payload, _at in cases])
        saved = insert_many([case for case, _payload, _at in cases], with_pks=True)
        search_index.insert_entries(zip((case.pk for case in saved), entries, strict=True))
        actor_id, label = getattr(user_of(actor), "pk", None), _actor_label(actor)
        insert_rows(CaseEvent, [
            {"case_id": case.pk, "at": case.created_at, "actor_id": actor_id, "actor_label": label,
             "action": Action.INTAKE, "from_state": NEW, "to_state": rule.to, "reason": "",
             "payload": _jsonable(payload), "unit_id": case.lead_unit_id}
            for case, payload, _at in cases])
        record_many(actor=actor, action=f"cases.{Action.INTAKE}", entries=[
            {"obj": case, "changes": {"state": [None, rule.to]}, "object_repr": f"#{case.pk} {case.title}"[:200]}
            for case in saved])
    return saved


def _number_many(cases: list[Case]) -> None:
    """Work-order numbers for a batch: each day's numbers taken at once (``numbers.reserve``), in intake order."""
    by_day: dict = {}
    for case in cases:
        if not case.number:
            by_day.setdefault(numbers.day_of(case.created_at), []).append(case)
    for day, numbered in by_day.items():
        first = numbers.reserve(day, len(numbered))
        for offset, case in enumerate(numbered):
            case.number = numbers.format_number(day, first + offset)


def note(case: Case, action: str, *, actor=None, payload: dict | None = None, reason: str = "", unit=None,
         at: datetime | None = None) -> CaseEvent:
    """Append an event that does not change the case (e.g. a deadline alert).

    Not a transition: no state change, no version bump, so a background job
    writing a note never makes a person's concurrent action fail.
    """
    with transaction.atomic():
        event = CaseEvent.objects.create(
            case=case, at=at or timezone.now(), actor_id=getattr(user_of(actor), "pk", None),
            actor_label=_actor_label(actor), action=action, from_state=case.state, to_state=case.state,
            reason=reason, payload=_jsonable(payload or {}), unit=unit if unit is not None else case.lead_unit,
        )
        record(actor=actor, action=f"cases.{action}", obj=case, changes=_jsonable(payload or {}), reason=reason,
               object_repr=f"#{case.pk} {case.title}"[:200])
    return event


def _refresh(target: Case, source: Case) -> None:
    """Bring the caller's object up to date, so it can be used for the next action."""
    for field in _saved_fields():
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache.clear()


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

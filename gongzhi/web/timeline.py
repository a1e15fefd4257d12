"""A case's event log told in plain words.

The event log (:func:`gongzhi.cases.selectors.timeline`) is the truth; this
module only phrases it, for the resident (what happened to *my* request,
without internal detail) or for staff (everything, with reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.cases import selectors
from gongzhi.cases.models import Action, AlertKind, Case, CaseState, Finding, Satisfaction

from . import names

A = Action
# Steps a resident does not need to follow: the internal machinery of handling.
_INTERNAL = {A.WHISTLE, A.REPORT_IN, A.REFUSE_EXTENSION, A.REQUEST_EXTENSION, A.REQUEST_VERIFICATION, A.VERIFY,
             A.DEADLINE_ALERT, A.ESCALATE}
# Supervision (督办) and callback attempts are internal too; their label and reason tell staff what happened.
_INTERNAL |= {A.URGE, A.YELLOW_CARD, A.RED_CARD, A.INSTRUCT, A.ACKNOWLEDGE_INSTRUCTION, A.CALLBACK_ATTEMPT}


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str
    detail: str = ""
    actor: str = ""


def _when(value) -> str:
    """A moment stored in an event's payload (ISO text), in local time; "" when absent."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return "" if timezone.is_naive(moment) else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _day(value) -> str:
    """The date of a moment stored in a payload (ISO text), in local time."""
    return _when(value)[:10]


def _grid_workers(payload: dict) -> list[str]:
    """The grid workers asked to verify, by name: those the event recorded, else the grid's workers now."""
    ids = payload.get("workers")
    if ids is not None:
        users = User.objects.filter(pk__in=ids).select_related("unit")
    else:
        users = User.objects.filter(role=Role.GRID_WORKER, region__code=payload.get("grid", ""), is_active=True
                                    ).select_related("unit")
    return [names.person(u) for u in users.order_by("pk")]


def _unit(event) -> str:
    return event.unit.name if event.unit_id else _("the handling unit")


def _sentence(event, case: Case, for_resident: bool) -> tuple[str, str]:
    p, unit, action = event.payload or {}, _unit(event), event.action
    if action == A.INTAKE:
        return (_("We received your request.") if for_resident else _("Received.")), ""
    if action == A.ANSWER:
        return _("The question was answered."), p.get("answer", "")
    if action == A.DISPATCH:
        if p.get("redispatch") and not for_resident:
            return _("Re-dispatched to %(unit)s (before: %(previous)s).") % {
                "unit": unit, "previous": ", ".join(names.unit_names([p.get("previous_unit")])) or "—"}, event.reason
        text = _("Sent to %(unit)s to handle.") % {"unit": unit}
        if for_resident and p.get("resolution_due"):
            text += " " + _("Expected reply by %(day)s.") % {"day": _day(p.get("resolution_due"))}
        return text, "" if for_resident else event.reason
    if action == A.DECIDE:
        return _("The subdistrict assigned it to %(unit)s.") % {"unit": unit}, "" if for_resident else event.reason
    if action == A.ACKNOWLEDGE:
        if p.get("reopened"):
            return _("%(unit)s took it on again.") % {"unit": unit}, ""
        return _("%(unit)s took it on.") % {"unit": unit}, ""
    if action == A.RETURN:
        text = _("%(unit)s said it is not theirs to handle; a new unit will be chosen.") % {"unit": unit}
        return text, "" if for_resident else event.reason
    if action == A.REFER:
        return _("It was returned several times: the subdistrict decides who handles it."), ""
    if action == A.WHISTLE:
        return _("The subdistrict called in other units (%(units)s).") % {
            "units": ", ".join(names.unit_names(p.get("units", [])))}, event.reason
    if action == A.REPORT_IN:
        return _("%(unit)s reported in.") % {"unit": unit}, event.reason
    if action == A.REQUEST_EXTENSION:
        return _("%(unit)s asked for %(days)s more working days.") % {"unit": unit, "days": p.get("days")}, \
            event.reason
    if action == A.APPROVE_EXTENSION:
        text = _("More time was granted: %(days)s working days.") % {"days": p.get("days")}
        if p.get("new_due"):
            text += " " + _("Expected reply by %(day)s.") % {"day": _day(p.get("new_due"))}
        return text, ""
    if action == A.REFUSE_EXTENSION:
        return _("The request for more time was refused."), event.reason
    if action == A.REPLY:
        return _("%(unit)s replied.") % {"unit": unit}, p.get("reply", "")
    if action in (A.CALLBACK, A.REOPEN):
        solved = _("solved") if p.get("solved") else _("not solved")
        try:
            satisfaction = Satisfaction(p.get("satisfaction")).label
        except ValueError:
            satisfaction = p.get("satisfaction", "")
        text = _("Rated: %(solved)s, %(satisfaction)s.") % {"solved": solved, "satisfaction": satisfaction}
        if action == A.REOPEN:
            due = _when(p.get("response_due"))
            if for_resident or not due:
                text += " " + _("It was reopened and goes back to %(unit)s.") % {"unit": unit}
            else:
                text += " " + _("It was reopened: %(unit)s must acknowledge it again by %(due)s.") % {
                    "unit": unit, "due": due}
        return text, event.reason
    if action == A.MERGE:
        return _("Joined with case #%(id)s about the same problem.") % {"id": p.get("parent")}, ""
    if action in (A.FOLLOW_CLOSE, A.FOLLOW_CANCEL):
        return _("Concluded together with case #%(id)s.") % {"id": p.get("parent")}, ""
    if action == A.CANCEL:
        return _("Cancelled."), event.reason
    if action == A.INVALIDATE:
        return _("Marked as not a matter for handling."), event.reason
    if action == A.ATTACH:
        return _("A photo was added."), ""
    if action == A.REQUEST_VERIFICATION:
        workers = _grid_workers(p)
        grid = names.region_name(p.get("grid", "")) or _("the case's grid")
        if workers:
            text = _("Asked %(grid)s grid worker %(workers)s to verify on site.") % {
                "grid": grid, "workers": "、".join(workers)}
        else:
            text = _("Asked the grid worker of %(grid)s to verify on site.") % {"grid": grid}
        return text, event.reason
    if action == A.VERIFY:
        try:
            finding = Finding(p.get("finding")).label
        except ValueError:
            finding = p.get("finding", "")
        return _("Verified on site: %(finding)s.") % {"finding": finding}, event.reason
    if action == A.DEADLINE_ALERT:
        try:
            kind = AlertKind(p.get("kind")).label
        except ValueError:
            kind = p.get("kind", "")
        return _("Deadline alert: %(kind)s.") % {"kind": kind}, ""
    if action == A.REFER_MEDIATION:
        return _("Referred to people's mediation (dispute %(number)s).") % {"number": p.get("dispute", "")}, ""
    if action == A.MEDIATION_ENDED:
        return _("The mediation ended; its outcome is the reply."), p.get("reply", "")
    if action == A.ESCALATE:
        return _("Escalated to the supervising unit (%(unit)s).") % {
            "unit": ", ".join(names.unit_names([p.get("to_unit", "")]))}, ""
    try:
        return str(A(action).label), event.reason
    except ValueError:
        return action, event.reason


def steps(case: Case, *, for_resident: bool, viewer=None) -> list[Step]:
    show_reporter = viewer is None or selectors.reporter_visible(case, viewer)
    result = []
    for event in selectors.timeline(case):
        if for_resident and event.action in _INTERNAL:
            continue
        text, detail = _sentence(event, case, for_resident)
        actor = ""
        if not for_resident:
            actor = names.actor_of_event(event)
            if not show_reporter and event.actor_id is not None and event.actor_id == case.reporter_id:
                actor = _("anonymous reporter")
        result.append(Step(at=event.at, text=text, detail=detail, actor=actor))
    return result


@dataclass(frozen=True)
class Stage:
    label: str
    done: bool
    current: bool


# The stages a resident follows, in order, and the states in which each is the current one.
_STAGES = (
    (pgettext_lazy("resident stage", "Received"), (CaseState.RECEIVED, CaseState.RETURNED, CaseState.ARBITRATION)),
    (pgettext_lazy("resident stage", "Sent to a unit"), (CaseState.DISPATCHED,)),
    (pgettext_lazy("resident stage", "Being handled"), (CaseState.IN_PROGRESS, CaseState.MEDIATING)),
    (pgettext_lazy("resident stage", "Replied"), (CaseState.REPLIED,)),
    (pgettext_lazy("resident stage", "Closed"), (CaseState.CLOSED,)),
)


def stages(case: Case) -> list[Stage]:
    """Where a request stands, as the resident follows it: received → sent → handled → replied → closed.

    None for a request that left that road (withdrawn, invalid, merged): its
    timeline says what happened.
    """
    current = next((i for i, (_label, states) in enumerate(_STAGES) if case.state in states), None)
    if current is None:
        return []
    return [Stage(label=str(label), done=i < current, current=i == current) for i, (label, _s) in enumerate(_STAGES)]

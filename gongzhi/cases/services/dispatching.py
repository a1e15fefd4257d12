"""Dispatch (派单), acknowledgement (签收), return (退单) and the subdistrict's decision.

The deadlines start at dispatch. A unit that returns a case gives a reason;
after ``settings.CASE_MAX_RETURNS`` returns the case is referred to the
subdistrict command centre, whose dispatcher assigns it by a binding decision
that the unit can no longer return.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit

from .. import deadlines, notices
from ..routing import route, suggestion_for
from ..machine import transition
from ..models import Action, AlertKind, Case, CaseEvent, CaseState, DeadlineMarker
from ..models.deadlines import CASE_CLOCK_KINDS
from . import checks
from .configuration import learn_routing_rule

MAX_ASSISTING = 10


def _unit(value, field: str, case: Case) -> Unit:
    unit = value if isinstance(value, Unit) else Unit.objects.select_related("region").filter(
        code=str(value or "").strip()).first()
    if unit is None:
        raise ValidationError({field: _("There is no unit with code “%(code)s”.") % {"code": value}})
    if not unit.is_active:
        raise ValidationError({field: _("Unit %(unit)s is no longer active.") % {"unit": unit.name}})
    if not case.region_code.startswith(unit.region.prefix):
        raise ValidationError({field: _("Unit %(unit)s has no jurisdiction over the place of case #%(id)s.")
                               % {"unit": unit.name, "id": case.pk}})
    return unit


def _units(lead: Unit, values, case: Case) -> list[Unit]:
    values = list(values or [])
    if len(values) > MAX_ASSISTING:
        raise ValidationError({"assisting_units": _("At most %(n)d assisting units.") % {"n": MAX_ASSISTING}})
    units, seen = [], {lead.pk}
    for value in values:
        unit = _unit(value, "assisting_units", case)
        if unit.pk in seen:
            raise ValidationError({"assisting_units": _("Unit %(unit)s is named twice or is also the lead unit.")
                                   % {"unit": unit.name}})
        seen.add(unit.pk)
        units.append(unit)
    return units


def clear_markers(case: Case, *kinds: str) -> None:
    """Forget alerts of deadlines that have just moved (default: those of the case's own clock).

    The escalation marker stays (a case escalates once), and so do the alerts of
    one whistle's report-in or one verification, whose deadlines did not move.
    """
    queryset = DeadlineMarker.objects.filter(case=case, kind__in=kinds or CASE_CLOCK_KINDS)
    queryset.delete()


def answers_reopening(case: Case) -> bool:
    """Whether the order the lead unit has now came from a reopening (重办) rather than a dispatch."""
    if not case.reopen_count:
        return False
    last = (CaseEvent.objects.filter(case=case, action__in=(Action.DISPATCH, Action.DECIDE, Action.REOPEN))
            .order_by("-id").values_list("action", flat=True).first())
    return last == Action.REOPEN


def _assign(case: Case, action: str, *, actor, unit, assisting_units, reason, binding, expected_version, at,
            routing: dict | None = None, remember_rule: bool = False, suggestion: dict | None = None) -> Case:
    at = at or timezone.now()
    reason = checks.reason(reason, required=False)
    lead = _unit(unit, "unit", case)
    assisting = _units(lead, assisting_units, case)
    previous = {}

    def change(c: Case):
        if action == Action.DISPATCH and c.state == CaseState.DISPATCHED and c.lead_unit_id != lead.pk:
            # 改派: the unit holding the case loses it, so the dispatcher says why (checked under the lock).
            if not reason:
                raise ValidationError({"reason": _("Say why the case goes to another unit (改派).")})
            previous["unit"] = c.lead_unit
        due = deadlines.for_dispatch(c.category, c.urgency, at, region=c.region_code)
        c.lead_unit = lead
        c.is_binding = binding
        c.dispatched_at = at
        c.acknowledged_at = None
        c.response_due = due.response_due
        c.resolution_due = due.resolution_due
        c.assisting_units.set(assisting)
        clear_markers(c)
        details = {"unit": lead.code, "assisting_units": [u.code for u in assisting],
                   "response_due": due.response_due, "resolution_due": due.resolution_due, "binding": binding}
        if routing:
            details["routing"] = routing
        if suggestion:
            details["suggestion"] = {**suggestion, "followed": suggestion.get("unit") == lead.code}
        if "unit" in previous:
            details["redispatch"] = True
            details["previous_unit"] = previous["unit"].code if previous["unit"] else None
        if due.unscheduled:
            details[deadlines.UNSCHEDULED_KEY] = True
        return details

    with transaction.atomic():
        case = transition(case, action, actor=actor, reason=reason, change=change, unit=lead,
                          expected_version=expected_version, at=at)
        if remember_rule:
            learn_routing_rule(actor=actor, case=case, unit=lead)
        notices.dispatched(case, actor, previous_unit=previous.get("unit"))
    return case


def dispatch_case(*, case: Case, actor, unit=None, assisting_units=(), reason: str = "",
                  expected_version: int | None = None, at: datetime | None = None,
                  remember_rule: bool = False, suggestion: dict | None = None) -> Case:
    """Send the case to a lead unit (主办) and optional assisting units (协办).

    Without ``unit`` the routing rules choose one (:func:`gongzhi.cases.routing.route`),
    and their explanation is kept in the event. Dispatching a case already
    dispatched to another lead unit is a re-dispatch (改派) and needs a ``reason``. With
    ``remember_rule`` the dispatcher's choice also becomes the routing rule of
    the case's category in its community, in the same transaction
    (:func:`~gongzhi.cases.services.configuration.learn_routing_rule`), so the
    next such case is suggested right.

    ``suggestion`` is the suggestion the dispatcher was shown (by default the registered
    suggester's, :func:`gongzhi.cases.routing.suggestion_for`): the event records it and whether
    the dispatch followed it; a dispatch naming no unit follows a suggestion read from the text.
    """
    if suggestion is None:
        suggestion = suggestion_for(case)
    routing = None
    if unit in (None, "") and suggestion and suggestion.get("source") == "model" and suggestion.get("unit"):
        unit, routing = suggestion["unit"], {"unit": suggestion["unit"], "source": "text",
                                             "explanation": suggestion.get("explanation", "")}
    elif unit in (None, ""):
        decision = route(case)
        if decision.unit is None:
            raise ValidationError({"unit": decision.explanation})
        unit, routing = decision.unit, decision.as_dict()
    return _assign(case, Action.DISPATCH, actor=actor, unit=unit, assisting_units=assisting_units, reason=reason,
                   binding=False, expected_version=expected_version, at=at, routing=routing,
                   remember_rule=remember_rule, suggestion=suggestion)


def decide_case(*, case: Case, actor, unit, assisting_units=(), reason: str = "",
                expected_version: int | None = None, at: datetime | None = None) -> Case:
    """The subdistrict's binding assignment of a case returned too often."""
    return _assign(case, Action.DECIDE, actor=actor, unit=unit, assisting_units=assisting_units, reason=reason,
                   binding=True, expected_version=expected_version, at=at)


def acknowledge_case(*, case: Case, actor, expected_version: int | None = None,
                     at: datetime | None = None) -> Case:
    """The lead unit takes the case on (签收); this is its "response".

    The event says whether it answers a reopening (``reopened``: the order
    being acknowledged came from an unsatisfied callback, not from a dispatch
    or a binding decision); such an acknowledgement is not counted in the
    response rate, as the reopening is not counted as a dispatch
    (:func:`gongzhi.cases.models.case.figures_of`).
    """
    at = at or timezone.now()

    def change(c: Case):
        c.acknowledged_at = at
        clear_markers(c, AlertKind.RESPONSE_DUE_SOON, AlertKind.RESPONSE_OVERDUE)
        return {"response_due": c.response_due, "on_time": c.response_due is None or at <= c.response_due,
                "reopened": answers_reopening(c)}

    with transaction.atomic():
        case = transition(case, Action.ACKNOWLEDGE, actor=actor, change=change,
                          expected_version=expected_version, at=at)
        notices.acknowledged(case, actor)
    return case


def return_case(*, case: Case, actor, reason: str, expected_version: int | None = None,
                at: datetime | None = None) -> Case:
    """The lead unit sends the case back as not its responsibility (退单), with a reason."""
    at = at or timezone.now()
    reason = checks.reason(reason)
    returning = {}

    def change(c: Case):
        if c.is_binding:
            raise ValidationError({"__all__": _(
                "Case #%(id)s was assigned by a binding decision of the subdistrict and cannot be returned.")
                % {"id": c.pk}})
        returning["unit"] = c.lead_unit
        c.return_count += 1
        c.lead_unit = None
        c.assisting_units.clear()
        c.dispatched_at = c.acknowledged_at = c.response_due = c.resolution_due = None
        clear_markers(c)
        return {"unit": returning["unit"].code, "return_count": c.return_count}

    with transaction.atomic():
        case = transition(case, Action.RETURN, actor=actor, reason=reason, change=change,
                          unit=getattr(actor, "unit", None), expected_version=expected_version, at=at)
        if case.return_count >= settings.CASE_MAX_RETURNS:
            case = transition(case, Action.REFER, actor=None, at=at,
                              reason=_("Returned %(n)d times: the subdistrict decides.") % {"n": case.return_count},
                              payload={"return_count": case.return_count, "max_returns": settings.CASE_MAX_RETURNS})
            notices.referred(case, actor)
        else:
            notices.returned(case, reason, actor)
    return case

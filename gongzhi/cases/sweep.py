"""The deadline sweep: due-soon and overdue alerts, and one escalation per case.

Run by ``python manage.py sweep_deadlines`` and, every few minutes, by the
background scheduler (registered in :class:`gongzhi.cases.apps.CasesConfig`).
Each alert is a :class:`~gongzhi.cases.models.DeadlineMarker` row inserted
together with its case event and its notifications in one transaction; the
unique (case, kind) pair makes a second run, or a concurrent one, a no-op.
An overdue case is escalated once to its lead unit's supervising unit (or,
without one, to the subdistrict command centre).

The other steps are on the clock too (:func:`sweep_steps`): intake → dispatch
(clock hours of the category and urgency), each summoned unit's report-in, each
on-site verification and the callback; each is alerted once (its marker's
``subject`` names the whistle response or verification) and escalated once to
the supervising unit of whoever is late. :func:`sweep_cards` gives the yellow
and red cards by rule (:func:`gongzhi.cases.services.supervision.card_by_rule`).
Both run as the periodic job ``sweep_steps`` and ``manage.py sweep_steps``.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines, notices
from .machine import note
from .models import (
    CLOCKED_STATES,
    TERMINAL_STATES,
    Action,
    AlertKind,
    Case,
    CaseState,
    DeadlineMarker,
    Supervision,
    SupervisionKind,
    SupervisionRule,
    Verification,
    WhistleResponse,
)
from .routing import command_centre
from .services.supervision import card_by_rule

log = logging.getLogger("gongzhi.cases.sweep")

# Wall-clock look-ahead for "due soon": longer than any run of days off plus
# the due-soon window, so no case whose working time left is short is missed.
LOOKAHEAD = timedelta(days=20)

KINDS = {
    ("response", False): AlertKind.RESPONSE_DUE_SOON,
    ("response", True): AlertKind.RESPONSE_OVERDUE,
    ("resolution", False): AlertKind.RESOLUTION_DUE_SOON,
    ("resolution", True): AlertKind.RESOLUTION_OVERDUE,
}


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _title(kind: str, due: datetime) -> str:
    titles = {
        AlertKind.RESPONSE_DUE_SOON: _("Acknowledge by %(due)s"),
        AlertKind.RESPONSE_OVERDUE: _("Not acknowledged: it was due at %(due)s"),
        AlertKind.RESOLUTION_DUE_SOON: _("Resolution due by %(due)s"),
        AlertKind.RESOLUTION_OVERDUE: _("Overdue: the resolution was due at %(due)s"),
    }
    return titles[kind] % {"due": _when(due)}


def _raise(case: Case, kind: str, due: datetime, now: datetime, notify, subject: str = "") -> bool:
    """Insert the marker and do the rest only if this run is the first to do so."""
    try:
        with transaction.atomic():
            DeadlineMarker.objects.create(case=case, kind=kind, due=due, at=now, subject=subject)
            notify()
    except IntegrityError:
        return False
    return True


def escalation_target(case: Case):
    unit = case.lead_unit
    if unit is not None and unit.supervisor_id and unit.supervisor.is_active:
        return unit.supervisor
    centre = command_centre(case)
    return centre if centre is not None and centre.pk != case.lead_unit_id else None


def sweep_deadlines(*, now: datetime | None = None) -> Counter:
    """Raise every alert that is due and not raised yet; returns how many of each kind."""
    now = now or timezone.now()
    raised: Counter = Counter()
    candidates = (
        Case.objects.filter(state__in=CLOCKED_STATES)
        .filter(lead_unit__isnull=False)
        .select_related("lead_unit__supervisor")
        .order_by("pk")
    )
    for case in candidates.iterator(chunk_size=500):
        clock, due = deadlines.clock_of(case)
        if due is None or due > now + LOOKAHEAD:
            continue
        overdue = now >= due
        if not overdue and not deadlines.is_due_soon(due, now, region=case.region_code):
            continue
        kind = KINDS[(clock, overdue)]

        def alert(case=case, kind=kind, due=due):
            note(case, Action.DEADLINE_ALERT, payload={"kind": kind, "due": due}, at=now)
            notices.deadline_alert(case, f"deadline.{kind}", _title(kind, due))

        if _raise(case, kind, due, now, alert):
            raised[kind] += 1
        if overdue:
            target = escalation_target(case)
            if target is None:
                continue

            def escalate(case=case, kind=kind, due=due, target=target):
                note(case, Action.ESCALATE, payload={"kind": kind, "due": due, "to_unit": target.code}, at=now,
                     unit=target)
                notices.escalated(case, target, _("Escalated: %(unit)s missed a deadline (%(due)s)")
                                  % {"unit": case.lead_unit.name, "due": _when(due)})

            if _raise(case, AlertKind.ESCALATED, due, now, escalate):
                raised[AlertKind.ESCALATED] += 1
    if raised:
        log.info("deadline sweep raised %s", dict(raised))
    return raised


def sweep_steps_and_cards(*, now: datetime | None = None) -> Counter:
    """The periodic job ``sweep_steps``: every other step on the clock, then the cards by rule."""
    now = now or timezone.now()
    raised = sweep_steps(now=now) + sweep_cards(now=now)
    if raised:
        log.info("step and supervision sweep raised %s", dict(raised))
    return raised


# --- the other steps on the clock: dispatch, report-in, verification, callback ------------

def _step(case: Case, kind: str, subject: str, due: datetime, now: datetime, title: str, units, *,
          extra_users=(), escalate_to=None, raised: Counter) -> None:
    """One overdue step: its alert (once per case, kind and subject) and its escalation (once too)."""

    def alert():
        note(case, Action.DEADLINE_ALERT, payload={"kind": kind, "due": due, "subject": subject}, at=now)
        notices.step_overdue(case, units, f"deadline.{kind}", title, extra_users)

    if _raise(case, kind, due, now, alert, subject=subject):
        raised[kind] += 1
    if escalate_to is None:
        return

    def escalate():
        note(case, Action.ESCALATE, payload={"kind": kind, "due": due, "subject": subject, "to_unit": escalate_to.code},
             at=now, unit=escalate_to)
        notices.escalated(case, escalate_to, _("Escalated: %(what)s (%(due)s)") % {"what": title, "due": _when(due)})

    if _raise(case, AlertKind.ESCALATED, due, now, escalate, subject=f"{kind}:{subject}"[:40]):
        raised[AlertKind.ESCALATED] += 1


def _above(unit):
    return unit.supervisor if unit is not None and unit.supervisor_id and unit.supervisor.is_active else None


def sweep_steps(*, now: datetime | None = None) -> Counter:
    """Overdue dispatches, report-ins, verifications and callbacks; each alerted and escalated once."""
    now = now or timezone.now()
    raised: Counter = Counter()
    # Intake → dispatch (clock hours; the shortest deadline is an hour).
    received = (Case.objects.filter(state=CaseState.RECEIVED, created_at__lte=now - timedelta(hours=1))
                .select_related("category").order_by("pk"))
    for case in received.iterator(chunk_size=500):
        due = deadlines.dispatch_due(case)
        if due > now or case.category.is_consultation:
            continue
        centre = command_centre(case)
        _step(case, AlertKind.DISPATCH_OVERDUE, "", due, now,
              _("Not dispatched: it was due at %(due)s") % {"due": _when(due)}, [centre],
              escalate_to=_above(centre), raised=raised)
    # A whistle's report-in (报到), per summoned unit.
    late = (WhistleResponse.objects.filter(reported_at=None, whistle__report_by__lte=now)
            .exclude(whistle__case__state__in=TERMINAL_STATES)
            .select_related("whistle__case", "unit__supervisor").order_by("pk"))
    for response in late.iterator(chunk_size=500):
        case = response.whistle.case
        _step(case, AlertKind.REPORT_IN_OVERDUE, f"response:{response.pk}", response.whistle.report_by, now,
              _("%(unit)s has not reported in: it was due at %(due)s")
              % {"unit": response.unit.name, "due": _when(response.whistle.report_by)},
              [response.unit, command_centre(case)], escalate_to=_above(response.unit), raised=raised)
    # An on-site verification asked of the grid worker.
    pending = (Verification.objects.filter(found_at=None, due_at__lte=now)
               .exclude(case__state__in=TERMINAL_STATES).select_related("case").order_by("pk"))
    for verification in pending.iterator(chunk_size=500):
        case = verification.case
        centre = command_centre(case)
        _step(case, AlertKind.VERIFICATION_OVERDUE, f"verification:{verification.pk}", verification.due_at, now,
              _("Not verified on site: it was due at %(due)s") % {"due": _when(verification.due_at)},
              [centre], extra_users=notices.grid_workers(case), escalate_to=_above(centre), raised=raised)
    # The callback (回访) of a replied case.
    replied = Case.objects.filter(state=CaseState.REPLIED, replied_at__lte=now - timedelta(hours=8)).order_by("pk")
    for case in replied.iterator(chunk_size=500):
        due = deadlines.callback_due(case)
        if due is None or due > now:
            continue
        centre = command_centre(case)
        _step(case, AlertKind.CALLBACK_OVERDUE, "", due, now,
              _("No callback yet: it was due at %(due)s") % {"due": _when(due)}, [centre],
              escalate_to=_above(centre), raised=raised)
    return raised


# --- supervision by rule: yellow and red cards -------------------------------------------

def complaints(case: Case) -> int:
    """How often the case was complained about again: reopenings plus repeated reports merged into it."""
    return case.reopen_count + Case.objects.filter(parent=case).count()


def sweep_cards(*, now: datetime | None = None) -> Counter:
    """A yellow card to every overdue case, a red one when long overdue or complained about again; once each."""
    now = now or timezone.now()
    given: Counter = Counter()
    overdue = (Case.objects.filter(state__in=CLOCKED_STATES, lead_unit__isnull=False)
               .filter(Q(state=CaseState.DISPATCHED, response_due__lte=now)
                       | Q(state=CaseState.IN_PROGRESS, resolution_due__lte=now))
               .order_by("pk"))
    carded = {(case_id, kind) for case_id, kind in Supervision.objects.filter(
        case__in=overdue, kind__in=(SupervisionKind.YELLOW, SupervisionKind.RED)).exclude(rule="")
        .values_list("case_id", "kind")}
    for case in overdue.iterator(chunk_size=500):
        due = deadlines.clock_of(case)[1]
        if due is None or due > now:
            continue
        if (case.pk, SupervisionKind.YELLOW) not in carded and card_by_rule(
                case=case, colour=SupervisionKind.YELLOW, rule=SupervisionRule.OVERDUE, due=due, at=now,
                message=_("Overdue: the deadline was %(due)s.") % {"due": _when(due)}):
            given[SupervisionKind.YELLOW] += 1
        if (case.pk, SupervisionKind.RED) in carded:
            continue
        rule = None
        if now >= deadlines.red_card_from(due, region=case.region_code):
            rule = SupervisionRule.LONG_OVERDUE
            message = _("Overdue by %(n)d working days or more: the deadline was %(due)s.") % {
                "n": settings.CASE_RED_CARD_OVERDUE_DAYS, "due": _when(due)}
        elif complaints(case) >= settings.CASE_RED_CARD_REPEAT_COMPLAINTS:
            rule = SupervisionRule.REPEAT_COMPLAINTS
            message = _("Overdue and complained about %(n)d times again.") % {"n": complaints(case)}
        if rule and card_by_rule(case=case, colour=SupervisionKind.RED, rule=rule, due=due, at=now, message=message):
            given[SupervisionKind.RED] += 1
    return Counter({f"card_{kind}": n for kind, n in given.items()})

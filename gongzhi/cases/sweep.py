"""The deadline sweep: due-soon and overdue alerts, and one escalation per case.

Run by ``python manage.py sweep_deadlines`` and, every few minutes, by the
background scheduler (registered in :class:`gongzhi.cases.apps.CasesConfig`).
Each alert is a :class:`~gongzhi.cases.models.DeadlineMarker` row inserted
together with its case event and its notifications in one transaction; the
unique (case, kind) pair makes a second run, or a concurrent one, a no-op.
An overdue case is escalated once to its lead unit's supervising unit (or,
without one, to the subdistrict command centre).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines, notices
from .machine import note
from .models import CLOCKED_STATES, Action, AlertKind, Case, DeadlineMarker
from .routing import command_centre

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


def _raise(case: Case, kind: str, due: datetime, now: datetime, notify) -> bool:
    """Insert the marker and do the rest only if this run is the first to do so."""
    try:
        with transaction.atomic():
            DeadlineMarker.objects.create(case=case, kind=kind, due=due, at=now)
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

"""The mediation's clock (periodic job ``sweep_mediation``, command ``sweep_mediation``).

Each is said once (a :class:`~gongzhi.mediation.models.Reminder` row per dispute and kind):

* ``due_alert``: an assigned dispute whose mediation deadline is within
  ``MEDIATION_ALERT_WORKING_DAYS`` working days: the mediators are told;
* ``overdue``: past the deadline: the mediators and the committee's supervising unit are told;
* ``performance_before`` / ``performance_after``: an agreement's performance deadline is
  ``MEDIATION_FOLLOW_UP_REMIND_DAYS`` days away, or has passed with no follow-up recorded;
* ``confirmation_before``: a written agreement without an application for judicial confirmation,
  ``MEDIATION_FOLLOW_UP_REMIND_DAYS`` days before the 30 days end.

Each writes a system event (no state change, no version bump) through the machine.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import workcal
from gongzhi.notifications.services import notify

from . import machine
from .models import OPEN_STATES, Action, Agreement, AgreementForm, Dispute, Performance, Reminder


def _once(dispute: Dispute, kind: str, action: str, *, title: str, recipients, at) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(dispute=dispute, kind=kind, at=at)
            machine.transition(dispute, action, actor=None, payload={"kind": kind}, at=at)
            notify(recipients=recipients, kind=f"mediation.{kind}", title=title, obj=dispute,
                   link=f"/console/mediation/{dispute.pk}/")
    except IntegrityError:
        return False  # said already (another sweep got there first)
    return True


def _mediators(dispute: Dispute) -> list:
    return list(dispute.mediators.filter(is_active=True))


def sweep(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"due_alert": 0, "overdue": 0, "performance_before": 0, "performance_after": 0,
              "confirmation_before": 0}
    open_disputes = (Dispute.objects.filter(state__in=OPEN_STATES, due_at__isnull=False)
                     .exclude(reminders__kind="overdue").select_related("committee__unit", "dispute_type"))
    for dispute in open_disputes:
        label = {"number": dispute.number, "title": dispute.title}
        if dispute.due_at <= now:
            supervisors = list(User.objects.filter(unit_id=dispute.committee.unit.supervisor_id, is_active=True)) \
                if dispute.committee_id and dispute.committee.unit.supervisor_id else []
            counts["overdue"] += _once(dispute, "overdue", Action.OVERDUE, at=now,
                                       recipients=_mediators(dispute) + supervisors,
                                       title=_("Mediation of %(number)s is overdue: %(title)s") % label)
        elif workcal.working_days_between(now, dispute.due_at, region=dispute.region_code) \
                <= settings.MEDIATION_ALERT_WORKING_DAYS and not dispute.reminders.filter(kind="due_alert").exists():
            counts["due_alert"] += _once(dispute, "due_alert", Action.DEADLINE_ALERT, at=now,
                                         recipients=_mediators(dispute),
                                         title=_("Mediation of %(number)s is due soon: %(title)s") % label)
    ahead = today + dt.timedelta(days=settings.MEDIATION_FOLLOW_UP_REMIND_DAYS)
    agreements = Agreement.objects.filter(performance=Performance.PENDING, performance_due__lte=ahead) \
        .select_related("dispute")
    for agreement in agreements:
        dispute = agreement.dispute
        label = {"number": agreement.number}
        done = set(dispute.reminders.values_list("kind", flat=True))
        if agreement.performance_due < today and "performance_after" not in done:
            counts["performance_after"] += _once(
                dispute, "performance_after", Action.REMINDER, at=now, recipients=_mediators(dispute),
                title=_("Agreement %(number)s: its performance deadline has passed; record the follow-up") % label)
        elif agreement.performance_due >= today and "performance_before" not in done:
            counts["performance_before"] += _once(
                dispute, "performance_before", Action.REMINDER, at=now, recipients=_mediators(dispute),
                title=_("Agreement %(number)s is to be performed by %(day)s") % {
                    **label, "day": agreement.performance_due.isoformat()})
    confirmations = Agreement.objects.filter(form=AgreementForm.WRITTEN, confirmations__isnull=True,
                                             confirmation_due__gte=today, confirmation_due__lte=ahead) \
        .exclude(dispute__reminders__kind="confirmation_before").select_related("dispute")
    for agreement in confirmations:
        counts["confirmation_before"] += _once(
            agreement.dispute, "confirmation_before", Action.REMINDER, at=now,
            recipients=_mediators(agreement.dispute),
            title=_("Agreement %(number)s: judicial confirmation must be applied for by %(day)s") % {
                "number": agreement.number, "day": agreement.confirmation_due.isoformat()})
    return counts

"""The deadline sweep of joint-meeting decisions: one alert when due soon, one when overdue.

Run every few minutes as the periodic job ``party_decisions`` (registered in
:class:`gongzhi.party.apps.PartyConfig`) and by ``manage.py sweep_party_decisions``.
"Due soon" is within ``PARTY_DECISION_DUE_SOON_WORKING_HOURS`` working hours on
the community's calendar (:mod:`gongzhi.core.workcal`), as for cases. Each alert
is a :class:`~gongzhi.party.models.DecisionAlert` row inserted with its
notifications and audit event in one transaction; the unique (decision, kind,
deadline) triple makes a second or concurrent run a no-op, and a deadline moved
by an extension is alerted afresh.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role, can
from gongzhi.audit.services import record
from gongzhi.core import workcal
from gongzhi.notifications.services import notify

from .models import Decision, DecisionAlert, DecisionAlertKind, DecisionState

log = logging.getLogger("gongzhi.party.sweep")

# Wall-clock look-ahead: longer than any run of days off plus the due-soon window.
LOOKAHEAD = timedelta(days=20)


def recipients(decision: Decision) -> list[User]:
    """Who is told: the staff member following the decision up, else the community's staff who keep the 大党委."""
    if decision.follow_up_by_id and decision.follow_up_by.is_active:
        return [decision.follow_up_by]
    region = decision.meeting.committee.region
    staff = User.objects.filter(is_active=True, region=region, role__in=(Role.COMMUNITY_STAFF, Role.ADMIN))
    return [user for user in staff if can(user, "party.manage")]


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _alert(decision: Decision, kind: str) -> bool:
    try:
        with transaction.atomic():
            DecisionAlert.objects.create(decision=decision, kind=kind, due_at=decision.due_at)
            title = (_("Meeting decision due by %(due)s") if kind == DecisionAlertKind.DUE_SOON
                     else _("Meeting decision overdue: it was due at %(due)s")) % {"due": _when(decision.due_at)}
            notify(recipients=recipients(decision), kind=f"party.decision.{kind}", title=title,
                   body=f"{decision.meeting.title}: {decision.text[:200]} ({decision.owner_name})", obj=decision,
                   link=f"/console/party/meetings/{decision.meeting_id}/")
            record(actor=None, action=f"party.decision.{kind}", obj=decision,
                   changes={"due_at": decision.due_at.isoformat()})
    except IntegrityError:
        return False  # another run alerted it first
    return True


def sweep_decisions(now: datetime | None = None) -> Counter:
    """Alert the open decisions that are due soon or overdue and were not alerted for this deadline yet."""
    now = now or timezone.now()
    window = timedelta(hours=settings.PARTY_DECISION_DUE_SOON_WORKING_HOURS)
    counts = Counter()
    candidates = (Decision.objects.filter(state=DecisionState.OPEN, due_at__lte=now + LOOKAHEAD)
                  .select_related("meeting__committee__region", "follow_up_by").order_by("due_at", "id"))
    for decision in candidates:
        alerted = set(decision.alerts.filter(due_at=decision.due_at).values_list("kind", flat=True))
        region = decision.meeting.committee.region.code
        if decision.due_at <= now:
            kind = DecisionAlertKind.OVERDUE
        elif workcal.working_time_between(now, decision.due_at, region=region) <= window:
            kind = DecisionAlertKind.DUE_SOON
        else:
            continue
        if kind in alerted or (kind == DecisionAlertKind.DUE_SOON and DecisionAlertKind.OVERDUE in alerted):
            continue
        if _alert(decision, kind):
            counts[kind] += 1
    if counts:
        log.info("party decisions swept: %s", dict(counts))
    return counts

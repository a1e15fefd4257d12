"""An attendance of an in-service party member counts as their 双报到 participation.

When a volunteer who is a registry person with a current member report (``party.MemberReport``) to the
community of the activity is credited for an attendance (check-out, or a staff correction that credits it
for the first time), the party app's ``record_participation`` counts one time served, keyed by the sign-up
(``source_ref`` ``volunteers.attendance:<id>``), so a replayed or corrected attendance is counted once.
``volunteers`` sits above ``party`` in the import order (docs/ARCHITECTURE.md), so it calls the party's
service directly, in the check-out's transaction.

The volunteer acts for themself and holds no party capability; the count is written by the system actor
``system:volunteers.attendance`` (the volunteer's own check-out event is in the trail beside it). Nothing
is counted for a volunteer who is no reporting party member: the look-up says nothing about anyone else.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from gongzhi.accounts.actors import SystemActor
from gongzhi.party.models import MemberReport
from gongzhi.party.services import record_participation

from ..models import SignUp

ACTOR = SystemActor(username="system:volunteers.attendance")


def source_ref(signup: SignUp) -> str:
    return f"volunteers.attendance:{signup.pk}"


def count_attendance(signup: SignUp, minutes: int, at=None) -> bool:
    """Record the attendance as participation of the volunteer's member report, if they have one here.

    True when a participation was recorded (or had been for this sign-up already).
    """
    person_id = signup.volunteer.person_id
    if not person_id or minutes <= 0:
        return False
    activity = signup.activity
    day = timezone.localtime(at or signup.checked_out_at or timezone.now()).date()
    report = (MemberReport.objects.select_related("community")
              .filter(person_id=person_id, reported_on__lte=day, ended_on__isnull=True).first())
    if report is None or not activity.region.code.startswith(report.community.code[:12]):
        return False  # not reporting, or serving outside the community they report to
    post = activity.service_post if activity.service_post_id and (
        activity.service_post.community_id == report.community_id) else None
    hours = min(Decimal(minutes) / Decimal(60), Decimal(24)).quantize(Decimal("0.1"))
    record_participation(actor=ACTOR, report=report, on=min(day, timezone.localdate()),
                         description=activity.title[:200], hours=hours, post=post, source_ref=source_ref(signup))
    return True

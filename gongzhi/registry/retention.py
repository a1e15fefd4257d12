"""Retention of household visits' notes (registered in ``privacy.retention``).

A visit older than the rule of ``visit_notes`` keeps what the figures count (when, where,
by whom, whom it saw: visit coverage and overdue care visits), and loses its notes and
follow-up note, the free text about a household's life.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import retention


def clear_visit_notes(cutoff, *, dry_run: bool = False) -> int:
    from .models import HouseholdVisit

    visits = HouseholdVisit.objects.filter(visited_at__lt=cutoff).filter(~Q(notes="") | ~Q(follow_up_note=""))
    if dry_run:
        return visits.count()
    with transaction.atomic():
        return visits.update(notes="", follow_up_note="")


retention.register(
    "visit_notes", title=_("Notes of household visits"), action=retention.ANONYMISE,
    default_days=3 * 365, minimum_days=90,
    description=_("The notes and follow-up notes of a visit are cleared; the visit itself (when, where, whom it "
                  "saw) stays for the visit figures."),
    apply="gongzhi.registry.retention.clear_visit_notes")

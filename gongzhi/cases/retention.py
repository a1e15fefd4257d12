"""Retention of what a closed case holds of the person who asked (registered in ``privacy.retention``).

When a case has been finished (closed, cancelled, found invalid) for longer than the
rule of ``closed_case_contacts``, what it holds of the caller is cleared: the contact's
name and phone number (and its blind index, so the caller's earlier cases no longer
find it), the resident's comment on the callback, and the text of the events that
repeat the resident's words or the attempts to reach them (callback, reopening,
callback attempt). The case, its events and the callbacks' verdicts stay as they
were: the three rates, which count the events' ``response_due``, ``on_time``,
``solved`` and ``satisfaction`` columns, are the same before and after
(``cases/tests/test_retention.py``). Case events are append-only for the product;
this module is the one place that clears a text field inside them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy import retention

# Events whose reason is the resident's words (a callback's comment) or a note on reaching them.
PERSONAL_REASON_ACTIONS = ("callback", "reopen", "callback_attempt")


def finished_before(cutoff):
    from .models import Case
    from .models.case import TERMINAL_STATES

    return (Case.objects.filter(state__in=TERMINAL_STATES)
            .annotate(finished=Coalesce("closed_at", "updated_at")).filter(finished__lt=cutoff).values("pk"))


def clear_closed_case_contacts(cutoff, *, dry_run: bool = False) -> int:
    """Clear the personal fields of cases finished before ``cutoff``; the number of rows changed."""
    from .models import Callback, CaseContact, CaseEvent

    cases = finished_before(cutoff)
    contacts = CaseContact.objects.filter(case__in=cases).filter(Q(phone__isnull=False) | ~Q(name="")
                                                                   | ~Q(phone_index=""))
    comments = Callback.objects.filter(case__in=cases).exclude(comment="")
    events = CaseEvent._base_manager.filter(case__in=cases, action__in=PERSONAL_REASON_ACTIONS).exclude(reason="")
    if dry_run:
        return contacts.count() + comments.count() + events.count()
    with transaction.atomic():
        changed = contacts.update(name="", phone=None, phone_index="")
        changed += comments.update(comment="")
        # The queryset of CaseEvent refuses updates (append-only); the base manager's is the sanctioned way here.
        changed += events.update(reason="")
    return changed


retention.register(
    "closed_case_contacts", title=_("Callers' contacts and comments on finished cases"), action=retention.ANONYMISE,
    default_days=2 * 365, minimum_days=30,
    description=_("The caller's name and phone number, the comment given at the callback and the notes of "
                  "attempts to reach them are cleared; the case, its events and the verdicts (the figures) stay."),
    apply="gongzhi.cases.retention.clear_closed_case_contacts")


def clear_import_files(cutoff, *, dry_run: bool = False) -> int:
    """Drop the uploaded hotline file of imports finished before ``cutoff``; the run's counts and problems stay."""
    from .models import ImportRun
    from .models.import_run import FINISHED_STATES

    runs = ImportRun.objects.filter(state__in=FINISHED_STATES, finished_at__lt=cutoff, data__isnull=False)
    if dry_run:
        return runs.count()
    with transaction.atomic():
        return runs.update(data=None)


retention.register(
    "hotline_import_files", title=_("Uploaded hotline files"), action=retention.DELETE,
    default_days=30, minimum_days=1,
    description=_("The file uploaded for a hotline import (callers' names and numbers) is deleted; the import's "
                  "counts and its list of problems stay."),
    apply="gongzhi.cases.retention.clear_import_files")

"""Seeing a caller's contact in clear: who may, and the one audited, rate-limited reveal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.audit.reveal import clean_reason, reveal

from ..machine import LEAD_UNIT, is_party
from ..models import Case, CaseContact
from ..selectors import case_for
from .contacts import reporter_contact


def may_reveal_contact(actor, case: Case) -> bool:
    """Whether ``actor`` may see the caller's contact of ``case`` in clear (for showing the control).

    Those who record callbacks (``cases.callback``) call the caller back;
    the lead unit's staff may need to reach them while handling the case.
    The area is checked by :func:`reveal_contact`, as for every read.
    """
    return can(actor, "cases.callback") or (can(actor, "cases.handle") and is_party(case, actor, LEAD_UNIT))


def reveal_contact(*, actor, case: Case, reason: str) -> dict | None:
    """The caller's name and phone in clear, for the callback; every look is audited with its reason.

    Only someone who may record the callback of this case, or the lead
    unit's staff, may look (:func:`may_reveal_contact`); the permission is
    checked before the reason, so a refusal tells nothing about the input.
    The reason rule, the limits and the audit event are those of every
    reveal (:func:`gongzhi.audit.reveal.reveal`).
    """
    if case_for(actor, case.pk) is None:
        raise PermissionDenied(_("This is outside your area."))
    if not may_reveal_contact(actor, case):
        raise PermissionDenied(_("You are not allowed to see the caller's contact."))
    clean_reason(reason)
    contact = CaseContact.objects.filter(case=case).first()
    if contact is None:
        # A resident's own report: their account's number, revealed and audited the same way.
        found = reporter_contact(case)
        if found is None:
            return None
        reveal(actor=actor, action="cases.contact.reveal", obj=case, reason=reason, object_repr=f"#{case.pk}",
               changes={"reporter": case.reporter_id})
        return found
    reveal(actor=actor, action="cases.contact.reveal", obj=contact, reason=reason, object_repr=f"#{case.pk}")
    return {"name": contact.name, "phone": contact.phone}

"""The caller's contact at /api/v1/cases/{id}/contact/reveal: thin over :mod:`gongzhi.cases.services.reveal`.

The case detail carries the contact masked (``contact``, with
``may_reveal`` saying whether this caller may ask for it in clear). Asking
needs a reason and writes one audit event per look; a caller outside the
case's area gets 404 like every case read, one without the right to see
the contact 403, a missing or too short reason 422 naming ``reason``, and
one over the reveal limits of :mod:`gongzhi.audit.reveal` 429.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import In

from . import selectors
from .schemas import ErrorOut
from .services.reveal import reveal_contact

router = Router(tags=["cases"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ContactRevealIn(In):
    reason: str = Field("", max_length=5000, description="Why the contact is needed (kept in the audit trail)")


class ContactOut(Schema):
    name: str
    phone: str


@router.post("/{int:case_id}/contact/reveal", response={200: ContactOut, **ERRORS, 429: ErrorOut},
             summary="The caller's name and phone in clear, with a reason (audited)")
def case_contact_reveal(request, case_id: int, payload: ContactRevealIn):
    actor = actor_of(request)
    case = selectors.case_for(actor, case_id)
    if case is None:
        raise HttpError(404, _("Case #%(id)s does not exist or is outside your area.") % {"id": case_id})
    contact = reveal_contact(actor=actor, case=case, reason=payload.reason)
    if contact is None:
        raise HttpError(404, _("Case #%(id)s has no caller contact.") % {"id": case_id})
    return Status(200, contact)

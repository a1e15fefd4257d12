"""The caller's contact on the case page: masked, and in clear once, with a reason.

A hotline or Open311 case carries how to reach a caller without an account
(:class:`gongzhi.cases.models.CaseContact`). The page shows it masked; those
allowed by :func:`gongzhi.cases.services.reveal.may_reveal_contact` get a
small form asking why. Posting it calls
:func:`~gongzhi.cases.services.reveal.reveal_contact` (which checks again
and writes the audit event) and the phone appears in that one answer only:
it is rendered, not redirected to, so it is never kept in the session or a
message, and the answer is marked not to be cached. Reloading the page
shows the masked contact again.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.reveal import REASON_MAX
from gongzhi.cases.services.contacts import contact_of
from gongzhi.cases.services.reveal import may_reveal_contact, reveal_contact

from .forms import apply_service_error
from .forms.base import StyledForm

REVEAL = "reveal_contact"


class RevealContactForm(StyledForm):
    # Not required here: the service says what is missing, in the same words as the API.
    reason = forms.CharField(label=_("Why do you need the phone number?"), max_length=REASON_MAX, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


def is_reveal(request) -> bool:
    """Whether this request is the posted reveal form (and not one of the case's actions)."""
    return request.method == "POST" and request.POST.get("action") == REVEAL


def panel(request, case) -> dict | None:
    """What the case page shows of the caller: ``masked``, ``revealed`` (or None), ``form`` (or None).

    A posted reveal by someone not allowed is refused with 403, as the API does.
    """
    masked = contact_of(case)
    posted = is_reveal(request)
    if masked is None:
        return None
    if not may_reveal_contact(request.user, case):
        if posted:
            raise PermissionDenied(_("You are not allowed to see the caller's contact."))
        return {"masked": masked, "revealed": None, "form": None, "open": False}
    form = RevealContactForm(request.POST if posted else None, prefix=REVEAL)
    revealed = None
    if posted and form.is_valid():
        try:
            revealed = reveal_contact(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return {"masked": masked, "revealed": revealed, "form": form, "open": posted and revealed is None}

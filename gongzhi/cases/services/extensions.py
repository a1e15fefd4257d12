"""Extension of the resolution deadline (延期): requested by the unit, decided by the dispatcher."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of

from .. import deadlines, notices
from ..machine import transition
from ..models import Action, AlertKind, Case, ExtensionRequest, ExtensionState
from . import checks
from .dispatching import clear_markers

MAX_EXTENSION_DAYS = 60


def request_extension(*, case: Case, actor, days: int, reason: str, expected_version: int | None = None,
                      at: datetime | None = None) -> Case:
    at = at or timezone.now()
    reason = checks.reason(reason)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": _("Ask for 1 to %(max)d working days.") % {"max": MAX_EXTENSION_DAYS}})

    def change(c: Case):
        if ExtensionRequest.objects.filter(case=c, state=ExtensionState.PENDING).exists():
            raise ValidationError({"__all__": _("Case #%(id)s already has an extension request awaiting a decision.")
                                   % {"id": c.pk}})
        extension = ExtensionRequest.objects.create(
            case=c, unit=c.lead_unit, days=days, reason=reason, requested_at=at,
            requested_by=user_of(actor))
        return {"extension": extension.pk, "days": days, "resolution_due": c.resolution_due}

    with transaction.atomic():
        case = transition(case, Action.REQUEST_EXTENSION, actor=actor, reason=reason, change=change,
                          expected_version=expected_version, at=at)
        notices.extension_requested(case, days, actor)
    return case


def _pending(c: Case) -> ExtensionRequest:
    extension = ExtensionRequest.objects.filter(case=c, state=ExtensionState.PENDING).first()
    if extension is None:
        raise ValidationError({"__all__": _("Case #%(id)s has no extension request awaiting a decision.")
                               % {"id": c.pk}})
    return extension


def approve_extension(*, case: Case, actor, reason: str = "", expected_version: int | None = None,
                      at: datetime | None = None) -> Case:
    """Approve the pending request: the resolution deadline moves by its working days."""
    at = at or timezone.now()
    reason = checks.reason(reason, required=False)

    def change(c: Case):
        extension = _pending(c)
        old_due = c.resolution_due
        new_due = deadlines.extended(old_due or at, extension.days, region=c.region_code)
        extension.state = ExtensionState.APPROVED
        extension.decided_by = user_of(actor)
        extension.decided_at = at
        extension.decision_reason = reason
        extension.old_due, extension.new_due = old_due, new_due
        extension.save()
        c.resolution_due = new_due
        clear_markers(c, AlertKind.RESOLUTION_DUE_SOON, AlertKind.RESOLUTION_OVERDUE)
        return deadlines.mark_unscheduled(
            {"extension": extension.pk, "days": extension.days, "old_due": old_due, "new_due": new_due},
            old_due or at, new_due)

    with transaction.atomic():
        case = transition(case, Action.APPROVE_EXTENSION, actor=actor, reason=reason, change=change,
                          expected_version=expected_version, at=at)
        notices.extension_decided(case, True, actor)
    return case


def refuse_extension(*, case: Case, actor, reason: str, expected_version: int | None = None,
                     at: datetime | None = None) -> Case:
    at = at or timezone.now()
    reason = checks.reason(reason)

    def change(c: Case):
        extension = _pending(c)
        extension.state = ExtensionState.REFUSED
        extension.decided_by = user_of(actor)
        extension.decided_at = at
        extension.decision_reason = reason
        extension.save()
        return {"extension": extension.pk, "days": extension.days}

    with transaction.atomic():
        case = transition(case, Action.REFUSE_EXTENSION, actor=actor, reason=reason, change=change,
                          expected_version=expected_version, at=at)
        notices.extension_decided(case, False, actor)
    return case

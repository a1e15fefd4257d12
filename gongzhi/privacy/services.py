"""Every write and read of data-subject requests (capability ``privacy.manage``).

:func:`open_request` registers a request with its owner and its deadline (N working
days after receipt, on the working-day calendar); :func:`held_data` gathers what
every registered holder (:mod:`gongzhi.privacy.holders`) holds of the subject,
audited as a reveal of personal data would be; :func:`answer_request` closes the
request with an answer (or a refusal with its reason), once, safe when two act at
once. Deletion itself is not automated here: the answer records what was done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can, require
from gongzhi.audit.services import record
from gongzhi.core import crypto, workcal

from . import holders
from .models import RequestKind, RequestState, SubjectRequest

MANAGE = "privacy.manage"


def open_request(*, actor, kind: str, owner, subject_name: str = "", subject_id_number: str = "",
                 subject_phone: str = "", subject_user=None, details: str = "", received_at=None) -> SubjectRequest:
    require(actor, MANAGE)
    errors: dict[str, list] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose what the person asks for.")]
    if not (crypto.normalize_id(subject_id_number) or crypto.normalize_phone(subject_phone) or subject_user):
        errors["subject_id_number"] = [_("Give the person's ID number, phone number or account: "
                                         "a name alone does not identify anyone.")]
    if owner is None or not getattr(owner, "is_active", False) or not can(owner, MANAGE):
        errors["owner"] = [_("The owner must be an active user allowed to handle data-subject requests.")]
    if errors:
        raise ValidationError(errors)
    received_at = received_at or timezone.now()
    request = SubjectRequest(
        kind=kind, subject_name=(subject_name or "").strip(), subject_id_number=crypto.normalize_id(subject_id_number),
        subject_phone=crypto.normalize_phone(subject_phone), subject_user=subject_user, details=details or "",
        received_at=received_at, owner=owner, created_by=user_of(actor),
        due_on=workcal.nth_working_day(timezone.localtime(received_at).date(), settings.PRIVACY_REQUEST_WORKING_DAYS))
    request.refresh_derived()
    with transaction.atomic():
        request.save()
        record(actor=actor, action="privacy.request.open", obj=request,
               changes={"kind": kind, "owner": owner.pk, "due_on": request.due_on.isoformat()})
    return request


def subject_of(request: SubjectRequest) -> holders.Subject:
    return holders.Subject(name=request.subject_name, id_number=request.subject_id_number,
                           phone=request.subject_phone, user_id=request.subject_user_id)


@dataclass
class HeldItem:
    title: str
    model: str
    rows: list[dict]


def held_data(*, actor, request: SubjectRequest) -> list[HeldItem]:
    """What every holder holds of the request's subject, in clear (the answer to an access request).

    Only the owner of the request (or a holder of ``privacy.manage`` who is an administrator)
    may read it; each read is audited with the number of rows per model.
    """
    require(actor, MANAGE)
    if getattr(actor, "pk", None) != request.owner_id and not getattr(actor, "is_superuser", False) \
            and getattr(actor, "role", "") != "admin":
        raise PermissionDenied(_("Only the owner of the request reads what is held."))
    items = []
    for found in holders.find_all(subject_of(request)):
        model_meta = found.model._meta
        rows = []
        for row in found.rows:
            values = {"id": row.pk}
            for name in found.fields:
                field = model_meta.get_field(name)
                value = getattr(row, name)
                if field.is_relation and value is not None:
                    value = str(value)
                elif hasattr(row, f"get_{name}_display") and value:
                    value = getattr(row, f"get_{name}_display")()
                values[str(field.verbose_name)] = value if value is None or isinstance(value, (int, float, bool)) \
                    else str(value)
            rows.append(values)
        items.append(HeldItem(title=str(found.holder.title), model=str(model_meta.verbose_name_plural), rows=rows))
    with transaction.atomic():
        record(actor=actor, action="privacy.request.held_data", obj=request,
               changes={"rows": {f"{i.title} / {i.model}": len(i.rows) for i in items}},
               reason=_("answer to data-subject request #%(id)s") % {"id": request.pk})
    return items


def answer_request(*, actor, request: SubjectRequest, answer: str, refused: bool = False) -> SubjectRequest:
    """Close the request with its answer (or refusal and why); once."""
    require(actor, MANAGE)
    if not (answer or "").strip():
        raise ValidationError({"answer": [_("Write the answer given to the person (for a refusal, why).")]})
    with transaction.atomic():
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.OPEN:
            raise ValidationError(_("This request has already been answered."))
        if getattr(actor, "pk", None) != request.owner_id and getattr(actor, "role", "") != "admin" \
                and not getattr(actor, "is_superuser", False):
            raise PermissionDenied(_("Only the owner of the request answers it."))
        request.state = RequestState.REFUSED if refused else RequestState.ANSWERED
        request.answer = answer.strip()
        request.answered_at = timezone.now()
        request.answered_by = user_of(actor)
        request.save(update_fields=["state", "answer", "answered_at", "answered_by"])
        record(actor=actor, action="privacy.request.answer", obj=request,
               changes={"state": request.state, "on_time": timezone.localdate() <= request.due_on})
    return request


def open_requests(*, actor):
    """Open requests, the most urgent first (overdue ones are ``is_overdue``)."""
    require(actor, MANAGE)
    return SubjectRequest.objects.filter(state=RequestState.OPEN).select_related("owner").order_by("due_on", "id")

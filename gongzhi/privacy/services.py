"""Every write and read of data-subject requests (capability ``privacy.manage``).

:func:`open_request` registers a request with its owner and its deadline (N working
days after receipt, on the working-day calendar); :func:`held_data` gathers what
every registered holder (:mod:`gongzhi.privacy.holders`) holds of the subject,
audited as a reveal of personal data would be; :func:`answer_request` closes the
request with an answer (or a refusal with its reason), once, safe when two act at
once. :func:`file_request` is a signed-in person asking about themselves (the
request goes to the least busy data administrator, or ``PRIVACY_REQUEST_OWNER``);
:func:`erase_for_request` carries out a deletion request through every holder
that may erase (:func:`gongzhi.privacy.holders.erase_all`), recording per holder
what was erased, what the law keeps and what is left to do by hand.
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
from gongzhi.core.scoping import scope_queryset

from . import holders
from .models import RequestKind, RequestState, SubjectRequest

MANAGE = "privacy.manage"


DETAILS_MAX = 2000


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
    if len(details or "") > DETAILS_MAX:
        errors["details"] = [_("Say what the person asks in at most %(n)s characters.") % {"n": DETAILS_MAX}]
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


def _may_handle(actor, request: SubjectRequest) -> bool:
    return (getattr(actor, "pk", None) == request.owner_id or getattr(actor, "is_superuser", False)
            or getattr(actor, "role", "") == "admin")


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
        if not _may_handle(actor, request):
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


def default_owner():
    """Who answers a request a person files themselves: ``PRIVACY_REQUEST_OWNER``, else the active data
    administrator with the fewest open requests (then the longest-standing account)."""
    from django.db.models import Q

    from gongzhi.accounts.models import User

    candidates = User.objects.filter(is_active=True)
    named = getattr(settings, "PRIVACY_REQUEST_OWNER", "")
    if named:
        owner = candidates.filter(username=named).first()
        if owner is not None and can(owner, MANAGE):
            return owner
    open_counts: dict[int, int] = {}
    for owner_id in SubjectRequest.objects.filter(state=RequestState.OPEN).values_list("owner_id", flat=True):
        open_counts[owner_id] = open_counts.get(owner_id, 0) + 1
    people = [user for user in candidates.filter(Q(role="admin") | Q(is_superuser=True)).order_by("pk")
              if can(user, MANAGE)]
    return min(people, key=lambda user: (open_counts.get(user.pk, 0), user.pk)) if people else None


def file_request(*, actor, kind: str, details: str = "") -> SubjectRequest:
    """A signed-in person asks about their own data: identified by their account (and its mobile number)."""
    person = user_of(actor)
    if person is None:
        raise PermissionDenied(_("Sign in to ask about your own data."))
    owner = default_owner()
    if owner is None:
        raise ValidationError(_("Nobody can take requests at the moment: please ask the street office."))
    errors: dict[str, list] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose what you ask for.")]
    if kind in (RequestKind.CORRECTION, RequestKind.DELETION) and not (details or "").strip():
        errors["details"] = [_("Say what should be corrected or deleted.")]
    if len(details or "") > DETAILS_MAX:
        errors["details"] = [_("Say what the person asks in at most %(n)s characters.") % {"n": DETAILS_MAX}]
    if errors:
        raise ValidationError(errors)
    received_at = timezone.now()
    request = SubjectRequest(
        kind=kind, subject_name=person.display_name or "", subject_phone=crypto.normalize_phone(person.phone),
        subject_user=person, details=(details or "").strip(), received_at=received_at, owner=owner,
        created_by=person,
        due_on=workcal.nth_working_day(timezone.localtime(received_at).date(), settings.PRIVACY_REQUEST_WORKING_DAYS))
    request.refresh_derived()
    with transaction.atomic():
        request.save()
        record(actor=actor, action="privacy.request.file", obj=request,
               changes={"kind": kind, "owner": owner.pk, "due_on": request.due_on.isoformat()})
    return request


def my_requests(*, actor):
    """The requests a signed-in person filed about themselves, newest first."""
    person = user_of(actor)
    if person is None:
        return SubjectRequest.objects.none()
    return SubjectRequest.objects.filter(subject_user=person).order_by("-received_at", "-id")


def list_requests(*, actor, state: str = "", q: str = ""):
    """The requests the actor handles (their own; every one for an administrator), the most urgent first.

    ``q``: ``#<id>`` or digits find a request by number; other text, the person's name.
    """
    require(actor, MANAGE)
    rows = scope_queryset(SubjectRequest.objects.select_related("owner"), actor)
    if state in RequestState.values:
        rows = rows.filter(state=state)
    q = (q or "").strip()
    if q:
        digits = q.removeprefix("#")
        rows = rows.filter(pk=int(digits)) if digits.isdigit() and len(digits) < 10 else rows.filter(
            subject_name__icontains=q)
    return rows.order_by("state", "due_on", "id")


def request_for(*, actor, pk: int) -> SubjectRequest | None:
    require(actor, MANAGE)
    return scope_queryset(SubjectRequest.objects.select_related("owner", "answered_by", "subject_user"),
                          actor).filter(pk=pk).first()


def erase_for_request(*, actor, request: SubjectRequest) -> SubjectRequest:
    """Carry out an open deletion request: every holder that may erase does, in one transaction; the result per
    holder (erased rows, kept by law and why, left to handle by hand) is stored on the request and audited."""
    require(actor, MANAGE)
    with transaction.atomic():
        request = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if not _may_handle(actor, request):
            raise PermissionDenied(_("Only the owner of the request carries it out."))
        if request.kind != RequestKind.DELETION:
            raise ValidationError(_("Only a deletion request erases data."))
        if request.state != RequestState.OPEN:
            raise ValidationError(_("This request has already been answered."))
        if request.erased_at is not None:
            raise ValidationError(_("The data of this request has already been erased."))
        results = [item.as_dict() for item in holders.erase_all(subject_of(request))]
        request.erasure = results
        request.erased_at = timezone.now()
        request.save(update_fields=["erasure", "erased_at"])
        record(actor=actor, action="privacy.request.erase", obj=request,
               changes={"erasure": {r["app"]: [r["outcome"], r["rows"]] for r in results}})
    return request

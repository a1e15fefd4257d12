"""On-site verification (网格员核实 / 核查): the dispatcher asks, the grid worker answers.

Before dispatch the question is whether the reported problem is real; after
the reply (state ``replied``) whether it was really fixed. The question is
asked of the grid the case lies in; any grid worker of that grid may answer
it (the ``verifier`` party of :mod:`gongzhi.cases.machine`). One question is
pending per case at a time. Both steps keep the case's state, so the deadlines
and the three rates are untouched: they only add to the timeline.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.core import workcal

from .. import deadlines, notices
from ..images import check_image
from ..machine import transition
from ..models import FINDINGS_OF, Action, Attachment, AttachmentPurpose, Case, CaseState, Verification, VerificationKind
from . import checks

NOTE_MAX = 2000
DEFAULT_HOURS = 8
MAX_HOURS = 24 * 7


def _user(actor):
    return user_of(actor)


def request_verification(*, case: Case, actor, note: str = "", within_hours: float | None = None,
                         expected_version: int | None = None, at: datetime | None = None) -> Case:
    """Ask the grid workers of the case's grid to verify it on site within ``within_hours`` working hours."""
    at = at or timezone.now()
    note = checks.text(note, "note", max_length=NOTE_MAX, required=False)
    try:
        hours = float(DEFAULT_HOURS if within_hours in (None, "") else within_hours)
    except (TypeError, ValueError):
        hours = 0
    if not 0 < hours <= MAX_HOURS:
        raise ValidationError({"within_hours": _("Give between 0 and 168 working hours.")})
    if case.grid_id is None:
        raise ValidationError({"__all__": _("Case #%(id)s has no place in a grid: there is no grid worker to ask.")
                               % {"id": case.pk}})
    due_at = workcal.add_working_hours(at, hours, region=case.region_code)
    kind = VerificationKind.FIXED if case.state == CaseState.REPLIED else VerificationKind.EXISTS

    def change(c: Case):
        if Verification.objects.filter(case=c, found_at=None).exists():
            raise ValidationError({"__all__": _("A verification of case #%(id)s is already pending.") % {"id": c.pk}})
        verification = Verification.objects.create(case=c, kind=kind, grid_id=c.grid_id, request_note=note,
                                                   requested_by=_user(actor), requested_at=at, due_at=due_at)
        return deadlines.mark_unscheduled(
            {"verification": verification.pk, "kind": kind, "grid": c.grid.code, "due_at": due_at,
             "workers": [u.pk for u in notices.grid_workers(c)]}, at, due_at)

    with transaction.atomic():
        case = transition(case, Action.REQUEST_VERIFICATION, actor=actor, reason=note, change=change,
                          expected_version=expected_version, at=at)
        notices.verification_requested(case, actor)
    return case


def verify_case(*, case: Case, actor, finding: str, note: str = "", lon: float | None = None,
                lat: float | None = None, photo=None, photo_name: str = "", expected_version: int | None = None,
                at: datetime | None = None) -> Case:
    """Record what the grid worker found on site: the answer to the pending question.

    ``lon``/``lat`` (WGS-84, where the finding was made) are optional but go
    together; ``photo`` (bytes or a file) is checked like every case photo and
    stripped of its own location.
    """
    at = at or timezone.now()
    note = checks.text(note, "note", max_length=NOTE_MAX, required=False)
    if (lon is None) != (lat is None):
        raise ValidationError({"lon": _("Give both longitude and latitude, or neither.")})
    if lon is not None:
        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError):
            raise ValidationError({"lon": _("The location is not a pair of numbers.")}) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError({"lon": _("The location is outside the valid range.")})
    image = None
    if photo is not None:
        name = (photo_name or getattr(photo, "name", "") or "").strip()[-200:]
        data = photo.read(settings.CASE_ATTACHMENT_MAX_BYTES + 1) if hasattr(photo, "read") else bytes(photo)
        image = check_image(data, keep_location=False, max_bytes=settings.CASE_ATTACHMENT_MAX_BYTES,
                            max_pixels=settings.CASE_ATTACHMENT_MAX_PIXELS, field="photo")

    def change(c: Case):
        verification = (Verification.objects.select_for_update()
                        .filter(case=c, found_at=None, grid_id=getattr(actor, "region_id", None)).first())
        if verification is None:  # the machine's party check makes this unreachable but for a race
            raise ValidationError({"__all__": _("Nothing is waiting for your verification on case #%(id)s.")
                                   % {"id": c.pk}})
        if finding not in FINDINGS_OF[verification.kind]:
            raise ValidationError({"finding": _("“%(value)s” does not answer “%(question)s”.")
                                   % {"value": finding, "question": verification.get_kind_display()}})
        if image is not None:
            attachment = Attachment(
                case=c, purpose=AttachmentPurpose.VERIFY, original_name=name, content_type=image.content_type,
                size=len(image.content), width=image.width, height=image.height, sha256=image.sha256,
                location_shared=False, uploaded_by=_user(actor), created_at=at)
            attachment.file.save(f"{image.sha256[:20]}.{image.extension}", ContentFile(image.content), save=False)
            attachment.save()
            verification.photo = attachment
        verification.finding, verification.note, verification.lon, verification.lat = finding, note, lon, lat
        verification.found_by, verification.found_at = _user(actor), at
        verification.save()
        return {"verification": verification.pk, "kind": verification.kind, "finding": finding, "lon": lon,
                "lat": lat, "photo": verification.photo_id}

    with transaction.atomic():
        case = transition(case, Action.VERIFY, actor=actor, reason=note, change=change,
                          expected_version=expected_version, at=at)
        notices.verified(case, finding, actor)
    return case

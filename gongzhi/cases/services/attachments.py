"""Photos of a case: the reporter's evidence, or the unit's proof with its reply.

The file is stored with :func:`gongzhi.core.files.store` inside
:func:`gongzhi.core.files.atomic`, so when the transaction rolls back (here,
or in a face that groups the photos with other writes in its own
``files.atomic()``) the stored file is deleted with it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.core import files

from ..images import check_image
from ..machine import ANY_VERSION, LEAD_UNIT, is_party, transition
from ..models import Action, Attachment, AttachmentPurpose, Case
from . import checks

NAME_MAX = 200


def add_attachment(*, case: Case, actor, content, name: str = "", purpose: str = AttachmentPurpose.REPORT,
                   share_location: bool = False, expected_version: int | None = None,
                   at: datetime | None = None) -> Attachment:
    """Attach an image. ``content`` is bytes or a file object (e.g. an upload).

    The location inside the photo is kept only when ``share_location`` is set
    by the person who reported or registered the case.
    """
    at = at or timezone.now()
    checks.choice(purpose, "purpose", AttachmentPurpose)
    name = (name or getattr(content, "name", "") or "").strip()[-NAME_MAX:]
    if hasattr(content, "read"):
        limit = settings.CASE_ATTACHMENT_MAX_BYTES
        data = content.read(limit + 1)
    else:
        data = bytes(content or b"")
    if purpose == AttachmentPurpose.REPLY and not is_party(case, actor, LEAD_UNIT):
        raise ValidationError({"purpose": _("Only the lead unit attaches photos to its reply.")})
    own = user_of(actor) is not None and actor.pk in {case.reporter_id, case.created_by_id}
    image = check_image(data, keep_location=bool(share_location) and own,
                        max_bytes=settings.CASE_ATTACHMENT_MAX_BYTES,
                        max_pixels=settings.CASE_ATTACHMENT_MAX_PIXELS)
    created = {}

    def change(c: Case):
        attachment = Attachment(
            case=c, purpose=purpose, original_name=name, content_type=image.content_type, size=len(image.content),
            width=image.width, height=image.height, sha256=image.sha256, location_shared=image.location_kept,
            uploaded_by=user_of(actor), created_at=at)
        files.store(attachment.file, f"{image.sha256[:20]}.{image.extension}", ContentFile(image.content))
        attachment.save()
        created["attachment"] = attachment
        return {"attachment": attachment.pk, "purpose": purpose, "content_type": image.content_type,
                "size": attachment.size, "location_kept": image.location_kept}

    # A photo only adds to the case: without a version from the caller it is attached to the case
    # as it is now (a dispatch while the resident was uploading does not refuse their photo).
    with files.atomic():
        transition(case, Action.ATTACH, actor=actor, change=change, at=at,
                   expected_version=ANY_VERSION if expected_version is None else expected_version)
    return created["attachment"]

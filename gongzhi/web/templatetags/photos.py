"""``attachments|photo_groups``: a case's photos by who took them and why, so that the resident's
photos of the problem and the department's photos of the result are never mixed on a page."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models import AttachmentPurpose

register = template.Library()

GROUPS = (
    (AttachmentPurpose.REPORT, _("Photos of the problem")),
    (AttachmentPurpose.REPLY, _("Photos of the result")),
    (AttachmentPurpose.VERIFY, _("Photos of the on-site verification")),
)


@register.filter
def photo_groups(attachments) -> list[dict]:
    by_purpose: dict[str, list] = {}
    for attachment in attachments:
        by_purpose.setdefault(attachment.purpose, []).append(attachment)
    return [{"purpose": str(purpose), "title": title, "photos": by_purpose[purpose]}
            for purpose, title in GROUPS if by_purpose.get(purpose)]

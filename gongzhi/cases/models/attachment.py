"""Photos attached to a case: by the reporter at intake, or by the unit with its reply.

Only images are accepted, checked by decoding them with Pillow (never by the
name or the declared type); the location in their EXIF data is removed unless
the reporter chose to share it (see :mod:`gongzhi.cases.images`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.core.scoping import ScopeSpec


class AttachmentPurpose(models.TextChoices):
    REPORT = "report", pgettext_lazy("photo purpose", "Report")
    REPLY = "reply", pgettext_lazy("photo purpose", "Reply")
    VERIFY = "verify", pgettext_lazy("photo purpose", "On-site verification")


class Attachment(models.Model):
    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", owner="case__reporter_id",
                        view="cases.view")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="attachments")
    purpose = models.CharField(_("purpose"), max_length=8, choices=AttachmentPurpose.choices,
                               default=AttachmentPurpose.REPORT)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    location_shared = models.BooleanField(_("location kept"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def audit_region_code(self) -> str:
        return self.case.region_code

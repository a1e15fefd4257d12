"""On-site verification by the grid worker (网格员核实 / 核查).

The dispatcher asks the grid worker of a case's grid to go and look: before
dispatch, whether the reported problem is real (核实); after the reply,
whether it was really fixed (核查). The grid worker records what they found
from the phone. Asking and answering are both actions of the case state
machine (``request_verification`` and ``verify``) that leave the state as it
is, so they appear on the timeline and never count in the three rates.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class VerificationKind(models.TextChoices):
    EXISTS = "exists", _("Is the reported problem real?")
    FIXED = "fixed", _("Has the problem been fixed?")


class Finding(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: the problem is there")
    NOT_FOUND = "not_found", _("Not found on site")
    FIXED = "fixed", _("Fixed")
    NOT_FIXED = "not_fixed", _("Not fixed")


# The answers that make sense for each question.
FINDINGS_OF = {
    VerificationKind.EXISTS: (Finding.CONFIRMED, Finding.NOT_FOUND),
    VerificationKind.FIXED: (Finding.FIXED, Finding.NOT_FIXED),
}


class Verification(models.Model):
    """One request to verify a case on site, and its finding once recorded (pending while ``found_at`` is empty)."""

    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", view="cases.view")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="verifications")
    kind = models.CharField(_("question"), max_length=8, choices=VerificationKind.choices)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    request_note = models.TextField(_("what to check"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("verify by"), null=True, blank=True)

    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    note = models.TextField(_("note of the finding"), blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    photo = models.ForeignKey("cases.Attachment", verbose_name=_("photo"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("on-site verification")
        verbose_name_plural = _("on-site verifications")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(found_at=None),
                                    name="one_pending_verification_per_case"),
        ]
        indexes = [models.Index(fields=["grid", "found_at"], name="verification_grid_pending")]

    def __str__(self):
        return f"#{self.case_id} {self.get_kind_display()}"

    @property
    def is_pending(self) -> bool:
        return self.found_at is None

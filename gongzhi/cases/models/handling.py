"""What happens around the handling of a case besides its state.

Street whistles (街道吹哨、部门报到) and the units' report-ins, extension
requests (延期) and callbacks (回访). Each is written by the service of the
action that creates it, in the same transaction as the case event.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

_CASE_SCOPE = dict(region="case__region_code", unit="case__lead_unit_id", owner="case__reporter_id",
                   view="cases.view")


class Whistle(models.Model):
    """The subdistrict summons several units to one case; each must report in by a deadline."""

    scoping = ScopeSpec(**_CASE_SCOPE)

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="whistles")
    summoned_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("summoned units"), through="WhistleResponse", related_name="whistles"
    )
    report_by = models.DateTimeField(_("report in by"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("whistled by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("whistled at"), default=timezone.now)

    class Meta:
        verbose_name = _("street whistle")
        verbose_name_plural = _("street whistles")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class WhistleResponse(models.Model):
    scoping = ScopeSpec(region="whistle__case__region_code", unit="unit_id", view="cases.view")

    whistle = models.ForeignKey(Whistle, verbose_name=_("whistle"), on_delete=models.PROTECT,
                                related_name="responses")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported in by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("report-in")
        verbose_name_plural = _("report-ins")
        constraints = [models.UniqueConstraint(fields=["whistle", "unit"], name="whistle_response_once_per_unit")]

    @property
    def is_late(self) -> bool:
        moment = self.reported_at or timezone.now()
        return moment > self.whistle.report_by


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    scoping = ScopeSpec(**_CASE_SCOPE)

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="extension_requests")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("requesting unit"), null=True,
                             on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    old_due = models.DateTimeField(_("resolution due before"), null=True, blank=True)
    new_due = models.DateTimeField(_("resolution due after"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(state="pending"),
                                    name="one_pending_extension_per_case"),
        ]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Callback(models.Model):
    """The resident's verdict on a reply (回访), recorded by staff or by the resident."""

    scoping = ScopeSpec(**_CASE_SCOPE)

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="callbacks")
    solved = models.BooleanField(_("solved"))
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True)
    by_resident = models.BooleanField(_("rated by the resident"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("lead unit rated"), null=True,
                             on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["at", "id"]

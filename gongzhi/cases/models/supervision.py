"""Supervision of a unit's handling (督办, 催办) and leaders' instructions (领导批示).

A dispatcher or leader urges the lead unit (催办, with a message); formal
supervision gives a yellow or a red card, by hand with a reason or by rule from
the deadline sweep (yellow when overdue, red when long overdue or complained
about again); a leader's instruction must be acknowledged by the unit. Each row
is written by the service of its action, in the same transaction as the case
event, so every count stays reproducible from the events.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class SupervisionKind(models.TextChoices):
    URGE = "urge", _("Urging (催办)")
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")
    INSTRUCTION = "instruction", _("Leader's instruction (批示)")


class SupervisionRule(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    LONG_OVERDUE = "long_overdue", _("Overdue by several working days")
    REPEAT_COMPLAINTS = "repeat_complaints", _("Overdue and complained about again")


class Supervision(models.Model):
    """One urging, card or instruction addressed to ``unit`` about ``case``."""

    scoping = ScopeSpec(region="case__region_code", unit=("unit_id", "case__lead_unit_id"))

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="supervisions")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=SupervisionKind.choices)
    message = models.TextField(_("message"), blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=SupervisionRule.choices, blank=True,
                            help_text=_("Empty when given by hand."))
    due = models.DateTimeField(_("deadline concerned"), null=True, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement = models.TextField(_("acknowledgement note"), blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["-given_at", "-id"]
        constraints = [
            # A card by rule is given once per case and colour, whatever the sweep does.
            models.UniqueConstraint(fields=["case", "kind"], condition=~models.Q(rule=""),
                                    name="supervision_card_by_rule_once"),
        ]
        indexes = [models.Index(fields=["unit", "kind", "given_at"], name="supervision_unit_kind")]

    def __str__(self):
        return f"#{self.case_id} {self.get_kind_display()}"

    @property
    def by_rule(self) -> bool:
        return bool(self.rule)

    @property
    def is_pending(self) -> bool:
        return self.kind == SupervisionKind.INSTRUCTION and self.acknowledged_at is None

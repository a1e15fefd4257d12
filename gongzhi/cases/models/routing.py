"""Routing rules: which unit handles which category in which place."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class RoutingRule(models.Model):
    """Category subtree × region subtree → unit.

    An empty category means every category, an empty region everywhere. When
    several rules match a case, the most specific wins: the deeper region
    first (place decides, 属地管理), then the deeper category, then the older
    rule (see :mod:`gongzhi.cases.routing`).
    """

    scoping = ScopeSpec(region="region__code", unit="unit_id")

    category = models.ForeignKey("cases.Category", verbose_name=_("category subtree"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="routing_rules")
    region = models.ForeignKey("regions.Region", verbose_name=_("region subtree"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="routing_rules")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("handling unit"), on_delete=models.PROTECT,
                             related_name="routing_rules")
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], condition=models.Q(is_active=True),
                                    name="one_active_rule_per_category_and_region"),
        ]

    def __str__(self):
        return f"{self.category or '*'} × {self.region or '*'} → {self.unit}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

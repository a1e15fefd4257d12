"""A resident who adds their voice (附议) to a case someone else reported.

Many residents report one broken streetlight. Instead of filing the same
request again, a resident who is shown the open case at intake ("already
reported", 已有人反映) adds their voice to it: one row per resident and case
(a unique constraint), counted on the case (``Case.supporter_count``, kept
by :func:`gongzhi.cases.services.support.support_case` in the same
transaction) and recorded in the audit trail.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class CaseSupporter(models.Model):
    # Seen like the case it supports; a resident sees their own rows whatever the area.
    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", owner="user_id", view="cases.view")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                             related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.PROTECT,
                             related_name="supported_cases")
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("supporter of a case")
        verbose_name_plural = _("supporters of cases")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_supporter_once")]

    def __str__(self):
        return f"#{self.case_id} +{self.user_id}"

    @property
    def audit_region_code(self) -> str:
        return self.case.region_code

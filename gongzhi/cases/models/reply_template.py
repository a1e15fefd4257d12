"""Reply templates (答复模板): the standard wording a unit keeps for replies in a category.

A unit writes its own templates for the categories it handles (what it says
when a street lamp is fixed, when a complaint is outside its remit); the reply
form of a case offers the templates of the case's category that belong to the
replying unit. A template is only a starting text: the reply sent is whatever
the handler submits, and it is recorded as any reply.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class ReplyTemplate(models.Model):
    # A unit's templates are seen by its members and by staff of the area the unit serves.
    scoping = ScopeSpec(region="unit__region__code", unit="unit_id", view="cases.view")

    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="reply_templates")
    category = models.ForeignKey("cases.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="reply_templates")
    name = models.CharField(_("name"), max_length=60)
    text = models.TextField(_("text"), max_length=2000)
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["category__code", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "category", "name"],
                                               name="reply_template_name_unique_per_unit_category")]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.unit.region.code if self.unit_id else ""

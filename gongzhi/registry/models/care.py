"""Care tags (关爱对象 / 重点人群) and the visiting rules attached to them.

Tags are configuration, not area data: the same list serves every grid. A tag
of sensitivity "high" (e.g. 重点人员) is shown only to roles with the
``registry.view_sensitive`` capability. ``visit_interval_days`` is counted in
working days (gongzhi.core.workcal), so a national holiday does not make every
visit overdue at once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class Sensitivity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class CareTag(models.Model):
    # Configuration shared by all areas: visible to everybody allowed to use the
    # registry (selectors filter by sensitivity), never bound to a region.
    scoping = ScopeSpec()

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sensitivity = models.CharField(_("sensitivity"), max_length=8, choices=Sensitivity.choices,
                                   default=Sensitivity.NORMAL)
    visit_interval_days = models.PositiveSmallIntegerField(
        _("visit every (working days)"), null=True, blank=True,
        help_text=_("Persons with this tag must be visited at least this often; empty for no rule."))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name

    @property
    def is_sensitive(self) -> bool:
        return self.sensitivity == Sensitivity.HIGH


class PersonCareTag(models.Model):
    scoping = ScopeSpec(region="person__grid__code")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="tag_links")
    tag = models.ForeignKey(CareTag, verbose_name=_("care tag"), on_delete=models.PROTECT, related_name="person_links")
    since = models.DateField(_("since"), default=timezone.localdate)
    note = models.TextField(_("note"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("care tag of a person")
        verbose_name_plural = _("care tags of persons")
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="registry_person_care_tag_uniq")]

    def __str__(self):
        return f"{self.person} — {self.tag}"

    @property
    def audit_region_code(self) -> str:
        return self.person.grid.code

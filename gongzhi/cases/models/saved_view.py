"""Saved views of the case list: a user's filters and search under a name (保存的视图).

A saved view stores the case list's filter values, never cases or an area:
opening one re-runs the query through :func:`gongzhi.cases.selectors.list_cases`,
which narrows to the viewer's area every time, so a view shared with a unit
never shows a colleague more than their own scope allows.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

# The case list's filters a view may hold (CaseFilters' fields, and the console's deadline filter).
FILTER_KEYS = ("q", "state", "category", "region", "unit", "created_from", "created_to", "overdue", "due")


class SavedView(models.Model):
    # Own views, and views shared with one's unit (``unit`` is set only while shared).
    scoping = ScopeSpec(unit="unit_id", owner="owner_id")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="saved_views")
    name = models.CharField(_("name"), max_length=60)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("shared with unit"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner")]

    def __str__(self):
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.unit_id is not None

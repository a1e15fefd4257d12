"""Household visits (入户走访) and patrols (巡查) by grid workers.

A visit counts for every person it lists in ``persons`` (by default the
members of the visited household, or the residents of the visited dwelling):
that is what the overdue-visit list and the coverage figures read. A problem
found on patrol is recorded as a :class:`PatrolProblem`; the cases app turns it
into a case and points back at it (registry never imports cases).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

from .places import GRID_CHOICES


class HouseholdVisit(models.Model):
    scoping = ScopeSpec(region="grid__code")

    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="household_visits")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="visits")
    dwelling = models.ForeignKey("registry.Dwelling", verbose_name=_("dwelling"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="visits")
    persons = models.ManyToManyField("registry.Person", verbose_name=_("persons seen"), blank=True,
                                     related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.PROTECT,
                                related_name="household_visits")
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now, db_index=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_note = models.TextField(_("follow-up"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return f"{timezone.localtime(self.visited_at):%Y-%m-%d %H:%M} {self.household or self.dwelling or ''}"

    @property
    def audit_region_code(self) -> str:
        return self.grid.code


class Patrol(models.Model):
    scoping = ScopeSpec(region="grid__code")

    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="patrols")
    patroller = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("patroller"), on_delete=models.PROTECT,
                                  related_name="patrols")
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # [[longitude, latitude, ISO time or null], ...] in WGS-84, optional.
    route = models.JSONField(_("route"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ended_at__isnull=True)
                                   | models.Q(ended_at__gte=models.F("started_at")),
                                   name="registry_patrol_times_ordered"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.started_at):%Y-%m-%d %H:%M} {self.patroller}"

    @property
    def audit_region_code(self) -> str:
        return self.grid.code


class PatrolProblem(models.Model):
    scoping = ScopeSpec(region="patrol__grid__code")

    patrol = models.ForeignKey(Patrol, verbose_name=_("patrol"), on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=100, blank=True)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    resolved_on_the_spot = models.BooleanField(_("resolved on the spot"), default=False)

    class Meta:
        verbose_name = _("problem found on patrol")
        verbose_name_plural = _("problems found on patrol")
        ordering = ["found_at", "id"]

    def __str__(self):
        return self.description[:60]

    @property
    def audit_region_code(self) -> str:
        return self.patrol.grid.code

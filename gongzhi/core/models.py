"""Data of the core mechanisms.

Only :class:`CalendarOverride` lives here: the deployment's own corrections to
the working-day calendar (:mod:`gongzhi.core.workcal`). It is deployment-wide,
not region-bound, so it declares no ``scoping``; who may change it is decided
by the capability ``calendar.manage``. Write it only through
``workcal.set_override`` / ``workcal.remove_override`` (audited, and they
refresh the calendar cache at once).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OverrideKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKING_DAY = "working_day", _("Working day")


class CalendarOverride(models.Model):
    """One day whose working status differs from the national calendar here.

    A local holiday (e.g. a city's own day off, or an office closed for an
    emergency) makes a working day non-working; an extra working day makes a
    weekend or holiday working. The override wins over the State Council
    calendar and over the Monday–Friday rule.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OverrideKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("Why this day differs, e.g. the notice that decided it."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Part of the cache version other processes poll; keep auto_now.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def is_working(self) -> bool:
        return self.kind == OverrideKind.WORKING_DAY

"""Data of the core mechanisms.

:class:`CalendarOverride`, the deployment's own corrections to the
working-day calendar (:mod:`gongzhi.core.workcal`), and :class:`ScheduleDay`,
each year's loaded holiday schedule (written only through
``gongzhi.workdays.services.load_year`` / ``set_day`` / ``remove_day``). An override applies to
the whole deployment (blank ``region_code``) or to one part of the region tree
(the significant prefix of a region's code); it is scoped by that code, and who
may change it is decided by the capability ``calendar.manage``. ``core``
imports no app, so the region is a code, not a foreign key: the services check
that it names a known region. Write it only through
``gongzhi.workdays.services.set_override`` / ``remove_override`` (audited, and
the calendar cache is refreshed at once).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import ScopeSpec


class OverrideKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKING_DAY = "working_day", _("Working day")


class CalendarOverride(models.Model):
    """One day whose working status differs from the national calendar here.

    A local holiday (e.g. a city's own day off, or an office closed for an
    emergency) makes a working day non-working; an extra working day makes a
    weekend or holiday working. The override wins over the State Council
    calendar and over the Monday–Friday rule. With a region code it applies
    only inside that part of the region tree (a prefecture's own holiday, a
    district office closed for an emergency); for a place, the override with
    the longest region code that is a prefix of the place's code wins, a
    blank one applying everywhere.
    """

    scoping = ScopeSpec(region="region_code")

    date = models.DateField(_("date"))
    # Blank: the whole deployment. Else the significant prefix of a region's code (6 digits for a
    # district, 9 for a subdistrict, 12 for a community, 15 for a grid; 2 or 4 for a province or
    # prefecture of which the deployment holds districts). Checked by workdays.services.region_prefix().
    region_code = models.CharField(
        _("region code"), max_length=15, blank=True, default="",
        help_text=_("Blank: everywhere. Else the code of the region (district, subdistrict, community or grid) "
                    "where the day differs, or a 2- or 4-digit province or prefecture prefix."))
    kind = models.CharField(_("kind"), max_length=16, choices=OverrideKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("Why this day differs, e.g. the notice that decided it."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Part of the cache version other processes poll; keep auto_now.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "region_code"], name="calendar_override_day_region",
                                    violation_error_message=_("This day already has an override for this region.")),
        ]

    def __str__(self):
        where = f" [{self.region_code}]" if self.region_code else ""
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}{where}"

    @property
    def audit_region_code(self) -> str:
        return self.region_code

    @property
    def is_working(self) -> bool:
        return self.kind == OverrideKind.WORKING_DAY


class ScheduleKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day")


class ScheduleDay(models.Model):
    """One day of a year's published holiday schedule (the State Council's 放假安排 notice).

    The schedule of a year lists its statutory holidays and its adjusted
    working days (调休); every other day follows Monday–Friday. Loaded by
    ``manage.py calendar_year load`` or the admin, through
    ``gongzhi.workdays.services`` (audited, all-or-nothing). A loaded day wins
    over the ``chinesecalendar`` package for that date; a year the package does
    not know and for which no deployment-wide day is loaded is *unscheduled*
    (:func:`gongzhi.core.workcal.is_year_scheduled`). A blank ``region_code`` is
    the national schedule; a code limits the day to that part of the region
    tree (an autonomous region's own festival), scoped like
    :class:`CalendarOverride`, which still wins over any schedule.
    """

    scoping = ScopeSpec(region="region_code")

    date = models.DateField(_("date"))
    region_code = models.CharField(
        _("region code"), max_length=15, blank=True, default="",
        help_text=_("Blank: the national schedule. Else the code of the region whose own schedule this day is."))
    kind = models.CharField(_("kind"), max_length=16, choices=ScheduleKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True,
                            help_text=_("The holiday, e.g. 春节 (Spring Festival)."))
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("Where the day comes from, e.g. the State Council notice."))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Part of the cache version other processes poll; keep auto_now.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("holiday schedule day")
        verbose_name_plural = _("holiday schedule days")
        ordering = ["date", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "region_code"], name="schedule_day_date_region",
                                    violation_error_message=_("This day is already in the schedule for this "
                                                              "region.")),
        ]

    def __str__(self):
        where = f" [{self.region_code}]" if self.region_code else ""
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}{where}".strip()

    @property
    def audit_region_code(self) -> str:
        return self.region_code

    @property
    def is_working(self) -> bool:
        return self.kind == ScheduleKind.WORKDAY

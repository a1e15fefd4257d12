"""The rollup: counts of closed months and days, derived from cases and case events only.

Nothing here is a source of truth. A span's rows are recomputed from the
events and cases by the worker (:func:`gongzhi.cases.rollup.refresh`) when
they are missing or stale, and can be deleted at any time: until the worker
computes them again, reads count those spans live.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class Span(models.TextChoices):
    MONTH = "month", _("month")
    DAY = "day", _("day")


class Rollup(models.Model):
    """One closed month or day whose counts are rolled up, and how far the rollup saw.

    ``event_id`` and ``case_id`` are the highest case event and case ids that
    existed when the span was computed (or last verified): a newer event or
    case that counts in this span makes it stale (see
    :func:`gongzhi.cases.rollup.stale`).
    """

    span = models.CharField(_("span"), max_length=5, choices=Span.choices)
    first_day = models.DateField(_("first day"))
    event_id = models.BigIntegerField(_("last case event seen"), default=0)
    case_id = models.BigIntegerField(_("last case seen"), default=0)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    # Final: the month's case events were detached to cold storage (gongzhi.core.partitions), so its
    # counts can no longer be recomputed and are kept as they were; cleared when the month is attached back.
    frozen = models.BooleanField(_("final (events detached)"), default=False)

    class Meta:
        verbose_name = _("rolled-up period")
        verbose_name_plural = _("rolled-up periods")
        ordering = ["first_day", "span"]
        constraints = [models.UniqueConstraint(fields=["span", "first_day"], name="rollup_once")]

    def __str__(self):
        return self.first_day.strftime("%Y-%m" if self.span == Span.MONTH else "%Y-%m-%d")


class RollupRates(models.Model):
    """The counts behind the three rates in one span, per (unit of the event, place and category of the case).

    Exactly what :mod:`gongzhi.cases.metrics` counts over live events: dispatches
    and acknowledgements in time by when their response deadline falls,
    callbacks by when they were recorded.
    """

    scoping = ScopeSpec(region="region_code", unit="unit_id")

    rollup = models.ForeignKey(Rollup, on_delete=models.CASCADE, related_name="rates")
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=15)
    # The case's category (a leaf or any level it was filed under); null only for rows computed before
    # categories were rolled up, which migration 0017 deleted.
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    dispatched = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    called_back = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rolled-up rate counts")
        verbose_name_plural = _("rolled-up rate counts")


class RollupIntake(models.Model):
    """How many cases were received in one span, per place (the case's region code) and category."""

    scoping = ScopeSpec(region="region_code")

    rollup = models.ForeignKey(Rollup, on_delete=models.CASCADE, related_name="intake")
    region_code = models.CharField(max_length=15)
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    received = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rolled-up intake count")
        verbose_name_plural = _("rolled-up intake counts")

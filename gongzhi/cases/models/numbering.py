"""The daily counter behind work-order numbers (受理编号).

One row per calendar day (local time) holds the last sequence number handed
out that day. :mod:`gongzhi.cases.numbers` increments it with one
``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` statement inside the intake's
transaction, so two intakes never get the same number: PostgreSQL locks the
day's row until the transaction ends, SQLite holds its one write lock. Nobody
reads these rows but that statement; they carry no personal data and belong to
no area, so they declare no scope.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderDay(models.Model):
    day = models.DateField(_("day"), primary_key=True)
    last = models.PositiveIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("work-order numbers of a day")
        verbose_name_plural = _("work-order numbers of days")

    def __str__(self):
        return f"{self.day:%Y%m%d}: {self.last}"

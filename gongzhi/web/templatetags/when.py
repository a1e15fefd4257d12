"""``{{ value|when }}``: a date or a moment as people read it, with the year only when it is not this one.

One rule for every date the dashboard shows (its tables, its trend, its
supervision rows, its export): "12-08 10:00" this year, "2025-12-08 10:00"
for another year, so a row of last December is never read as this one.
Moments are shown in local time (Asia/Shanghai by default).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()


def when(value, today: date | None = None) -> str:
    """``value`` (a date or a datetime; None or "" gives "") written with the year when it is not ``today``'s."""
    if value in (None, ""):
        return ""
    today = today or timezone.localdate()
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        pattern = "%m-%d %H:%M" if moment.year == today.year else "%Y-%m-%d %H:%M"
        return moment.strftime(pattern)
    if isinstance(value, date):
        return value.strftime("%m-%d" if value.year == today.year else "%Y-%m-%d")
    return str(value)


register.filter("when", when)

"""The banner of the missing holiday schedule, for those who may load it.

Which years are missing is :func:`gongzhi.core.workcal.missing_schedule_years`
(this year always, next year from 1 November). The same answer is reported by
``check --deploy --database default`` (``gongzhi.ops.W002``), ``/readyz``
(``"status": "degraded"``) and ``/metrics`` (``gongzhi_holiday_schedule_missing``),
wired by ``gongzhi.ops``; here is the banner shown on the admin home page and in
the console's layout to users with the capability ``calendar.manage``.
"""

from __future__ import annotations

from django.utils.translation import ngettext

from gongzhi.accounts.roles import can
from gongzhi.core import workcal

from .services import CAPABILITY


def message(years: list[int]) -> str:
    listed = ", ".join(str(year) for year in years)
    return ngettext(
        "No holiday schedule for %(years)s: deadlines in it count Monday to Friday only and ignore the holidays. "
        "Load the State Council's schedule (manage.py calendar_year load, or the admin's holiday schedule days).",
        "No holiday schedule for %(years)s: deadlines in them count Monday to Friday only and ignore the "
        "holidays. Load the State Council's schedules (manage.py calendar_year load, or the admin's holiday "
        "schedule days).", len(years)) % {"years": listed}


def context(request):
    """Context processor: ``calendar_warning`` for users who may manage the calendar, when years are missing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can(user, CAPABILITY):
        return {}
    years = workcal.missing_schedule_years()
    return {"calendar_warning": message(years)} if years else {}

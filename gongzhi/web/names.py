"""How pages name people, units and places: by the names people know.

A page never shows a login name (``demo_dispatcher``) or a statistical
division code (15 digits): a person is their display name, else their role
at their unit ("朝阳区城管执法局 · 部门工作人员"); an event written by an API key
or a command names the interface or "system"; a place is its region's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, User
from gongzhi.regions.models import Region


def person(user: User | None) -> str:
    """A staff member or resident as pages name them (never the login name)."""
    if user is None:
        return ""
    if user.display_name:
        return user.display_name
    role = user.get_role_display()
    unit = getattr(user, "unit", None) if user.unit_id else None
    return f"{unit.name} · {role}" if unit is not None else str(role)


def actor_of_event(event) -> str:
    """Who did a case event: the person, the interface (an API key) or the system."""
    if event.actor_id:
        return person(event.actor)
    label = event.actor_label or ""
    if label.startswith("api-key:"):
        return _("interface %(name)s") % {"name": label.removeprefix("api-key:")}
    return _("system")


def unit_names(codes: Iterable[str]) -> list[str]:
    """The names of units given by code, in the order given (an unknown code stays as it is)."""
    codes = [c for c in codes if c]
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(code, code) for code in codes]


def region_name(code: str) -> str:
    """A region's name for its code ("" for an unknown code: a page shows no bare code)."""
    if not code:
        return ""
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or ""


def place_of(case) -> str:
    """The named place of a case: its grid, else the deepest region of its code that exists."""
    if case.grid_id:
        return case.grid.name
    for length in (12, 9, 6):
        if len(case.region_code) >= length:
            name = region_name(case.region_code[:length] + "0" * (12 - length))
            if name:
                return name
    return ""

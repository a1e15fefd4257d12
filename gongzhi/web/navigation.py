"""Who sees which pages: each role's home page and menu, derived from capabilities.

The menu is the list of :data:`MENU` items whose test passes for the user;
a page's view uses the same test (:func:`gongzhi.web.access.page`), so a link
that is not shown is also a page that answers 403. Capabilities come from
:mod:`gongzhi.accounts.roles` (the one permission mechanism); a few pages are
about a role's place rather than a capability (a grid worker's own grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.accounts.roles import Role, can


def is_resident(user) -> bool:
    return user.role == Role.RESIDENT and not user.is_superuser


def is_grid_worker(user) -> bool:
    return user.role == Role.GRID_WORKER and user.region_id is not None and user.region.is_grid


def handles_cases(user) -> bool:
    """Dispatchers and members of handling units: the work queue and the case console."""
    return not is_grid_worker(user) and (can(user, "cases.dispatch") or can(user, "cases.handle"))


def sees_cases(user) -> bool:
    return not is_resident(user) and not is_grid_worker(user)


def takes_calls(user) -> bool:
    """Staff who register cases for others at the desk (受理台): calls and visits."""
    return not is_grid_worker(user) and not is_resident(user) and can(user, "cases.intake")


def keeps_reply_templates(user) -> bool:
    """Members of a handling unit keep their unit's reply templates."""
    return handles_cases(user) and can(user, "cases.handle") and user.unit_id is not None


def sees_deadlines(user) -> bool:
    return handles_cases(user) or user.role == Role.LEADER


def sees_dashboard(user) -> bool:
    return can(user, "cases.metrics")


def looks_up(user) -> bool:
    return can(user, "registry.view") and not is_grid_worker(user)


def imports_cases(user) -> bool:
    """Hotline staff and dispatchers: the console's import of hotline exports."""
    return sees_cases(user) and can(user, "cases.intake")


def publishes_notices(user) -> bool:
    return can(user, "notices.publish") and not is_grid_worker(user)


def sees_assessment(user) -> bool:
    """Assessment (考核评价): the scores of the units of one's area, or of one's own unit."""
    return can(user, "assessment.view") and not is_grid_worker(user)


def volunteers_at_all(user) -> bool:
    """Anyone signed in may volunteer (``volunteers.join``): the volunteering pages."""
    return can(user, "volunteers.join")


def sees_volunteers(user) -> bool:
    """Staff of an area (not grid workers, whose work is the grid): the volunteers console."""
    return can(user, "volunteers.view") and not is_grid_worker(user) and not is_resident(user)


def sees_party(user) -> bool:
    """Staff of an area (not grid workers, whose work is the grid): the party-building console (党建引领)."""
    return can(user, "party.view") and not is_grid_worker(user) and not is_resident(user)


def sees_party_members(user) -> bool:
    """Party membership is sensitive: its pages need ``party.members`` besides the console."""
    return sees_party(user) and can(user, "party.members")


def takes_part_in_deliberation(user) -> bool:
    """Residents raise and co-sign proposals and vote (议事协商)."""
    return is_resident(user) and can(user, "deliberation.take_part")


def follows_deliberation(user) -> bool:
    """Staff who see the proposals, agenda items and votes of their area."""
    return not is_resident(user) and not is_grid_worker(user) and can(user, "deliberation.view")


def manages_personal_data(user) -> bool:
    """Data administrators (个人信息保护负责人): retention rules, data-subject requests, the export log."""
    return can(user, "privacy.manage")


def sees_mediation(user) -> bool:
    """Mediators and staff of an area (not grid workers, whose work is the grid): the disputes (矛盾纠纷)
    of their area and committee, screening reports and early warnings."""
    return can(user, "mediation.view") and not is_resident(user) and not is_grid_worker(user)


def registers_disputes(user) -> bool:
    return sees_mediation(user) and can(user, "mediation.register")


def sees_insights(user) -> bool:
    """Staff of an area or unit (not grid workers or residents): hotspots, 每月一题, 未诉先办 alerts."""
    return can(user, "insights.view") and not is_grid_worker(user) and not is_resident(user)


def trains_router(user) -> bool:
    """Administrators: the routing text model's versions and their evaluation."""
    return can(user, "insights.train")


@dataclass(frozen=True)
class Item:
    name: str  # URL name
    label: str
    test: Callable
    # A one-word label for a phone, where a menu of full labels would wrap onto a second line.
    short: str = ""


MENU: tuple[Item, ...] = (
    Item("resident_new", _("Report a problem"), is_resident),
    Item("resident_cases", _("My requests"), is_resident),
    Item("resident_notices", _("Notices"), is_resident),
    Item("volunteer_home", _("Volunteering"), is_resident),
    Item("deliberation_home", _("Deliberation"), takes_part_in_deliberation),
    Item("resident_privacy", _("My personal data"), is_resident),
    Item("grid_tasks", _("My tasks"), is_grid_worker, pgettext_lazy("short menu label", "Tasks")),
    Item("grid_map", _("My grid"), is_grid_worker, pgettext_lazy("short menu label", "Map")),
    Item("grid_patrol", _("Patrol report"), is_grid_worker, pgettext_lazy("short menu label", "Patrol")),
    Item("grid_lookup", _("Look-up"), is_grid_worker, pgettext_lazy("short menu label", "Look-up")),
    Item("dashboard", _("Dashboard"), sees_dashboard),
    Item("console_queue", _("Work queue"), handles_cases),
    Item("console_desk", _("Desk"), takes_calls),
    Item("console_cases", _("Cases"), sees_cases),
    Item("console_views", _("Saved views"), sees_cases),
    Item("console_deadlines", _("Deadline board"), sees_deadlines),
    Item("console_imports", _("Hotline import"), imports_cases),
    Item("console_reply_templates", _("Reply templates"), keeps_reply_templates),
    Item("lookup", _("Look-up"), looks_up),
    Item("notices_manage", _("Notices"), publishes_notices),
    Item("deliberation_staff", _("Deliberation"), follows_deliberation),
    Item("assessment_board", _("Assessment"), sees_assessment),
    Item("volunteers_activities", _("Volunteers"), sees_volunteers),
    Item("privacy_requests", _("Data-subject requests"), manages_personal_data),
    Item("privacy_retention", _("Retention"), manages_personal_data),
    Item("privacy_exports", _("Export log"), manages_personal_data),
    Item("mediation_disputes", _("Mediation"), sees_mediation),
    Item("party_home", _("Party building"), sees_party),
    Item("insights_hotspots", _("Intelligence"), sees_insights),
    Item("inbox", _("Notifications"), lambda user: True, pgettext_lazy("short menu label", "Messages")),
)


def menu_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for item in MENU:
        if item.test(user):
            try:
                items.append({"name": item.name, "label": item.label, "short": item.short, "url": reverse(item.name)})
            except NoReverseMatch:  # a page of a later step, not wired yet
                continue
    return items


def home_for(user) -> str:
    """The URL name of the page a user lands on after signing in."""
    if is_resident(user):
        return "resident_cases"
    if is_grid_worker(user):
        return "grid_tasks"
    if user.role == Role.LEADER and sees_dashboard(user):
        return "dashboard"
    if user.role == Role.MEDIATOR and sees_mediation(user):
        return "mediation_disputes"  # the mediator's home: their disputes and what is due
    if handles_cases(user):
        return "console_queue"
    if sees_cases(user):
        return "console_cases"
    return "inbox"

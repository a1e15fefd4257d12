"""Roles and what each may do: the ONE permission mechanism.

A capability is a dotted name (``"regions.import"``). Services check it with
:func:`require`; pages and API decide what to show with :func:`can`. Area is a
separate question answered by :mod:`gongzhi.core.scoping`: a capability says
*what* an actor may do, the scope says *where*.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    DISPATCHER = "dispatcher", _("Subdistrict dispatcher")
    DEPARTMENT = "department", _("Department staff")
    MEDIATOR = "mediator", _("Mediator")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset(),
    Role.GRID_WORKER: frozenset({"regions.view"}),
    Role.COMMUNITY_STAFF: frozenset({"regions.view"}),
    Role.DISPATCHER: frozenset({"regions.view"}),
    Role.DEPARTMENT: frozenset({"regions.view"}),
    Role.MEDIATOR: frozenset({"regions.view"}),
    Role.LEADER: frozenset({"regions.view", "audit.view"}),
    Role.ADMIN: frozenset(
        {"regions.view", "regions.change", "regions.import", "accounts.manage", "audit.view", "calendar.manage"}
    ),
}


def capabilities_of(actor) -> frozenset[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return frozenset()
    if getattr(actor, "is_superuser", False):
        return frozenset().union(*CAPABILITIES.values())
    extra = getattr(actor, "extra_capabilities", frozenset())
    return CAPABILITIES.get(getattr(actor, "role", None), frozenset()) | extra


def can(actor, capability: str) -> bool:
    return capability in capabilities_of(actor)


def require(actor, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(gettext("You are not allowed to do this."))

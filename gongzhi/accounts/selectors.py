"""Reads of accounts, always narrowed to the actor's area."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.core.scoping import scope_of, scope_queryset

from .actors import user_of
from .models import LoginFailure, Unit, User
from .roles import Role


def units_for(actor, *, q: str | None = None, kind: str | None = None, active: bool | None = None) -> QuerySet:
    """Units inside the actor's area (and the actor's own unit), by code."""
    units = scope_queryset(Unit.objects.select_related("region", "supervisor"), actor)
    if kind:
        units = units.filter(kind=kind)
    if active is not None:
        units = units.filter(is_active=active)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(code__istartswith=q))
    return units.order_by("code")


def users_for(actor) -> QuerySet:
    return scope_queryset(User.objects.select_related("region", "unit"), actor)


def account_names_by_hash(actor) -> dict[str, str]:
    """Keyed hash of each user name the actor may see (``lockout.name_hash``) → the user name."""
    from .lockout import name_hash

    return {name_hash(name): name for name in users_for(actor).values_list("username", flat=True)}


def login_failures_for(actor) -> QuerySet:
    """Failed sign-ins an administrator may look at.

    Failures are not placed in the region tree (the user name may not even
    exist, and only its keyed hash is kept), so an administrator for all areas
    sees them all, and any other actor only those naming a user inside their
    area (the hashes of those users' names).
    """
    failures = LoginFailure.objects.all()
    if scope_of(actor).unrestricted:
        return failures
    return failures.filter(name_hash__in=list(account_names_by_hash(actor)))


SUPERVISOR_ROLES = (Role.LEADER, Role.ADMIN)


def supervisors_of(actor) -> QuerySet:
    """Who is told when ``actor`` (a user or an API key) oversteps: leaders and administrators of its unit.

    The active users of role leader or administrator in the actor's unit, or,
    when that unit has none, in the unit above it (its supervising unit).
    An actor without a unit has none. The actor is never its own supervisor.
    """
    unit = getattr(actor, "unit", None)
    users = User.objects.filter(is_active=True, role__in=SUPERVISOR_ROLES)
    if user_of(actor) is not None:
        users = users.exclude(pk=actor.pk)
    if unit is None:
        return users.none()
    found = users.filter(unit=unit)
    if unit.supervisor_id is not None and not found.exists():
        found = users.filter(unit_id=unit.supervisor_id)
    return found.order_by("pk")

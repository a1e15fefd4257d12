"""Reads of accounts, always narrowed to the actor's area."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.core.scoping import scope_of, scope_queryset

from .models import ApiKey, LoginFailure, Unit, User


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

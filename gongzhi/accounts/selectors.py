"""Reads of accounts, always narrowed to the actor's area."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

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


def login_failures_for(actor) -> QuerySet:
    """Failed sign-ins an administrator may look at.

    Failures are not placed in the region tree (the user name may not even
    exist), so an administrator for all areas sees them all, and any other
    actor only those naming a user inside their area.
    """
    failures = LoginFailure.objects.all()
    if scope_of(actor).unrestricted:
        return failures
    names = users_for(actor).annotate(lowered=Lower("username")).values("lowered")
    return failures.filter(username__in=names)

"""Reads of public notices: what a resident sees, what staff manage (always scoped)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from gongzhi.core.scoping import scope_queryset

from .models import Notice


def _ancestor_codes(code: str) -> list[str]:
    """The codes of a region and every region above it (statistical codes carry the tree)."""
    from gongzhi.regions.models import Region

    region = Region.objects.filter(code=code).first()
    codes = []
    while region is not None:
        codes.append(region.code)
        region = region.parent
    return codes


def for_residents(user, *, now: datetime | None = None) -> QuerySet:
    """Live notices of the resident's area: those of their region and of every region above it.

    Notices are public; a resident whose place is not known sees every live notice.
    """
    now = now or timezone.now()
    queryset = Notice.objects.filter(Notice.live_q(now)).select_related("region")
    region = getattr(user, "region", None)
    if region is not None:
        queryset = queryset.filter(region__code__in=_ancestor_codes(region.code))
    return queryset.order_by("-pinned", "-publish_at", "-id")


def managed_by(actor) -> QuerySet:
    """Every notice of the actor's area, live or not, newest first."""
    return scope_queryset(Notice.objects.select_related("region", "created_by"), actor).order_by(
        "-publish_at", "-id")


def notice_for(actor, notice_id) -> Notice | None:
    try:
        notice_id = int(notice_id)
    except (TypeError, ValueError):
        return None
    return managed_by(actor).filter(pk=notice_id).first() if 0 < notice_id < 2**63 else None

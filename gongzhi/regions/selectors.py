"""Reads of the region tree.

Subtrees are code prefixes (``code__startswith``), never a walk of the tree.
The ``*_for(actor, …)`` selectors are what faces use: they check the
``regions.view`` capability and narrow through
:func:`gongzhi.core.scoping.scope_queryset`. :func:`subtree`,
:func:`descendants` and :func:`locate_grid` are unscoped building blocks for
other services (routing a case to the grid of its location must work whoever
reported it); anything shown to a person goes through a ``*_for`` selector.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.accounts.roles import require
from gongzhi.core import geo
from gongzhi.core.scoping import scope_queryset

from . import grid_index
from .models import Grid, Level, Region

VIEW = "regions.view"


def descendants(code_prefix: str) -> QuerySet:
    """Every region whose code starts with ``code_prefix`` (unscoped)."""
    return Region.objects.filter(code__startswith=code_prefix)


def subtree(region: Region, *, include_self: bool = True) -> QuerySet:
    """The region and everything below it (unscoped)."""
    qs = descendants(region.prefix)
    return qs if include_self else qs.exclude(pk=region.pk)


def locate_grid(lon, lat, crs: str = "wgs84") -> Grid | None:
    """The grid containing a point given in ``crs`` (unscoped; for placing records).

    Raises ValueError for an unknown ``crs`` or coordinates out of range.
    """
    lon, lat = geo.to_wgs84(lon, lat, crs)
    code = grid_index.locate_code(lon, lat)
    return Grid.objects.filter(code=code).first() if code else None


def locate_grid_key(lon, lat, crs: str = "wgs84") -> tuple[int, str] | None:
    """(id, code) of the grid containing a point, from the grid index alone (unscoped; for writes
    that only need to name the grid, such as case intake).

    Raises ValueError like :func:`locate_grid`.
    """
    lon, lat = geo.to_wgs84(lon, lat, crs)
    return grid_index.locate_id_code(lon, lat)


def grid_keys_near(lon: float, lat: float, radius_m: float) -> list[tuple[int, str]]:
    """(id, code) of the grids within about ``radius_m`` metres of a WGS-84 point, from the grid index
    alone (unscoped; for the duplicate check of case intake, which narrows by exact distance itself)."""
    return grid_index.near_id_codes(lon, lat, radius_m)


def locate_grid_codes(points, crs: str = "wgs84") -> list[str | None]:
    """Grid codes for many (lon, lat) points in one index query (unscoped)."""
    converted = [geo.to_wgs84(lon, lat, crs) for lon, lat in points]
    if not converted:
        return []
    lons, lats = zip(*converted, strict=True)
    return grid_index.locate_codes(lons, lats)


# --- scoped, for faces ------------------------------------------------------

def regions_for(actor, *, level: str | None = None, q: str | None = None,
                parent_code: str | None = None) -> QuerySet:
    """The regions ``actor`` may see, optionally filtered by level, parent and text."""
    require(actor, VIEW)
    qs = scope_queryset(Region.objects.select_related("parent"), actor)
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def region_for(actor, code: str) -> Region | None:
    """One region by code, or None when it does not exist or is outside the actor's area."""
    return regions_for(actor).filter(code=code).first()


def children_for(actor, region: Region) -> QuerySet:
    return regions_for(actor).filter(parent=region)


def grids_under_for(actor, code_prefix: str) -> QuerySet:
    """The grids under a code the actor may see (those with and without a boundary)."""
    return regions_for(actor, level=Level.GRID).filter(code__startswith=code_prefix)


def locate_grid_for(actor, lon, lat, crs: str = "wgs84") -> Grid | None:
    """The grid containing the point, if it lies in the actor's area; else None.

    "Outside your area" and "in no grid" look the same, so a caller learns
    nothing about grids it may not see.
    """
    require(actor, VIEW)
    grid = locate_grid(lon, lat, crs)
    if grid is None:
        return None
    return scope_queryset(Grid.objects.filter(pk=grid.pk), actor).first()

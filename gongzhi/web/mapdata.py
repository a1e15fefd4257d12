"""GeoJSON for the page maps, built from what the selectors return.

Pages embed it with ``json_script`` (no extra request). Boundaries are the
regions' stored WGS-84 polygons; points are cases' stored WGS-84 locations.

A map shows the user's surroundings, labelled, whether or not tiles are
configured: :func:`outlines` gives the communities (their stored boundary, or
the union of their grids') and the grids, each with the name a person would use
for the place (``place``: "永安里社区第1网格"), and :func:`focus` the code prefix
of the user's own area, which the map opens zoomed to.
"""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from django.core.cache import cache
from django.db.models import Count, Max
from django.urls import reverse
from shapely.geometry import mapping, shape

from gongzhi.regions.models import PREFIX_LENGTH, Level, Region
from gongzhi.regions.selectors import descendants

# Adjacent grids digitised separately leave hairline gaps; closing them by this much (degrees, ~1 m)
# gives a community one clean outline instead of a net of slivers.
_CLOSE_GAPS = 0.00001


def place_name(grid_name: str, community_name: str) -> str:
    """How a person names a grid: its own name when it already says the community
    ("永安里社区第1网格"), otherwise community and grid ("永安里社区 · 第一网格")."""
    if not community_name or grid_name.startswith(community_name):
        return grid_name
    return f"{community_name} · {grid_name}"


def grid_features(grids: Iterable, counts: dict | None = None, link=None) -> dict:
    features = []
    for grid in grids:
        if not grid.boundary:
            continue
        properties = {"name": grid.name, "code": grid.code, "level": "grid"}
        if counts is not None:
            properties["count"] = counts.get(grid.code, 0)
        if link is not None:
            properties["url"] = link(grid)
        features.append({"type": "Feature", "geometry": grid.boundary, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def outlines(prefix: str = "") -> dict:
    """The communities and grids under ``prefix``, outlined and named (public administrative
    information, like the names a resident picks a community by). Cached until a region changes."""
    regions = descendants(prefix).filter(level__in=(Level.COMMUNITY, Level.GRID))
    stamp = regions.aggregate(n=Count("id"), at=Max("updated_at"))
    key = f"web.mapdata.outlines:{prefix}:{stamp['n']}:{stamp['at'].isoformat() if stamp['at'] else ''}"
    cached = cache.get(key)
    if cached is None:
        cached = _outlines(regions)
        cache.set(key, cached, 3600)
    return cached


def _outlines(regions) -> dict:
    rows = list(regions.only("code", "name", "level", "boundary").order_by("code"))
    communities = {r.code[:PREFIX_LENGTH[Level.COMMUNITY]]: r for r in rows if r.level == Level.COMMUNITY}
    grids = [r for r in rows if r.level == Level.GRID and r.boundary]
    features = []
    shapes: dict[str, list] = {}
    for grid in grids:
        community = communities.get(grid.code[:PREFIX_LENGTH[Level.COMMUNITY]])
        features.append({"type": "Feature", "geometry": grid.boundary, "properties": {
            "level": "grid", "code": grid.code, "name": grid.name,
            "place": place_name(grid.name, community.name if community else "")}})
        shapes.setdefault(grid.code[:PREFIX_LENGTH[Level.COMMUNITY]], []).append(grid.boundary)
    for prefix, community in communities.items():
        geometry = community.boundary or _union(shapes.get(prefix, []))
        if geometry:
            features.insert(0, {"type": "Feature", "geometry": geometry, "properties": {
                "level": "community", "code": community.code, "name": community.name}})
    return {"type": "FeatureCollection", "features": features}


def _union(boundaries: list) -> dict | None:
    if not boundaries:
        return None
    merged = shapely.union_all([shape(b) for b in boundaries]).buffer(_CLOSE_GAPS).buffer(-_CLOSE_GAPS)
    if merged.is_empty:
        return None
    return mapping(shapely.set_precision(merged, 1e-6))


def focus(user) -> str:
    """The code prefix of the user's own area, which maps open zoomed to: a grid worker's grid, a
    resident's community (when their registration names one), a staff member's area or unit's
    jurisdiction. Empty: everything the map shows."""
    region = getattr(user, "region", None) if getattr(user, "region_id", None) else None
    if region is None and getattr(user, "unit_id", None):
        region = user.unit.region
    if region is None:
        return ""
    if region.level == Level.GRID:
        return region.code
    return region.prefix


def prefix_of(code: str) -> str:
    """The code prefix of the region with this code (a period's or filter's region), or ""."""
    region = Region.objects.filter(code=code).only("code", "level").first() if code else None
    return community_prefix(region) if region is not None and region.level == Level.GRID else (
        region.prefix if region is not None else "")


def community_prefix(region: Region | None) -> str:
    """The community around a grid (or the region's own prefix above it)."""
    if region is None:
        return ""
    if region.level == Level.GRID:
        return region.code[:PREFIX_LENGTH[Level.COMMUNITY]]
    return region.prefix


# --- density ------------------------------------------------------------------

SHADES = 6  # classes of the density map; base.css has .shade-0 (no case) … .shade-6


def density_classes(top: int) -> list[dict]:
    """Equal-width classes 1…top (at most :data:`SHADES`), each with its shade: the one scale
    of the map's colours and of its legend, so the two cannot disagree."""
    if top <= 0:
        return []
    n = min(SHADES, top)
    classes = []
    for i in range(n):
        low, high = 1 + (i * top) // n, ((i + 1) * top) // n
        shade = SHADES if n == 1 else 1 + round(i * (SHADES - 1) / (n - 1))
        classes.append({"low": low, "high": high, "shade": shade})
    return classes


def shaded(density: dict) -> tuple[dict, list[dict]]:
    """A copy of a density FeatureCollection (properties ``count``) with each grid's ``shade``, and the
    classes for its legend."""
    top = max((f["properties"].get("count", 0) for f in density["features"]), default=0)
    classes = density_classes(top)
    features = [{**f, "properties": {**f["properties"], "shade": shade_of(f["properties"].get("count", 0), classes)}}
                for f in density["features"]]
    return {"type": "FeatureCollection", "features": features}, classes


def shade_of(count: int, classes: list[dict]) -> int:
    for c in classes:
        if c["low"] <= count <= c["high"]:
            return c["shade"]
    return 0


def case_points(cases: Iterable, url_name: str) -> dict:
    features = []
    for case in cases:
        if case.lon is None or case.lat is None:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [case.lon, case.lat]},
                         "properties": {"label": f"#{case.pk} {case.title}",
                                        "url": reverse(url_name, kwargs={"case_id": case.pk})}})
    return {"type": "FeatureCollection", "features": features}


def case_place(case) -> dict | None:
    """The small map of one case: its grid's outline and its point (no link: the page is the case's).

    None when the case has neither (a place named only by its community).
    """
    grids = grid_features([case.grid]) if case.grid_id else {"type": "FeatureCollection", "features": []}
    points = {"type": "FeatureCollection", "features": []}
    if case.lon is not None and case.lat is not None:
        points["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [case.lon, case.lat]},
                                   "properties": {"label": f"#{case.pk} {case.title}"}})
    if not grids["features"] and not points["features"]:
        return None
    return {"grids": grids, "points": points}

"""GeoJSON for the page maps, built from what the selectors return.

Pages embed it with ``json_script`` (no extra request). Boundaries are the
grids' stored WGS-84 polygons; points are cases' stored WGS-84 locations.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from gongzhi.regions.models import Level
from gongzhi.regions.selectors import descendants


def grid_features(grids: Iterable, counts: dict | None = None, link=None) -> dict:
    features = []
    for grid in grids:
        if not grid.boundary:
            continue
        properties = {"name": grid.name, "code": grid.code}
        if counts is not None:
            properties["count"] = counts.get(grid.code, 0)
        if link is not None:
            properties["url"] = link(grid)
        features.append({"type": "Feature", "geometry": grid.boundary, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def public_grids(prefix: str = "") -> dict:
    """Outlines and names of the grids, for placing a pin when reporting.

    Grid outlines are public administrative information (like the community
    names): a resident needs them to say where the problem is. Nothing else
    about a grid is shown.
    """
    grids = descendants(prefix).filter(level=Level.GRID).exclude(boundary__isnull=True).only("code", "name", "boundary")
    return grid_features(grids)


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

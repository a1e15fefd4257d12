"""/api/v1/regions/: the region tree, grid lookup and grid polygons, scoped to the caller.

A region outside the caller's area answers exactly like one that does not
exist (404), so the API does not reveal the shape of other areas.
"""

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import Pages

from . import selectors
from .models import Level

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: Level
    level_label: str
    parent_code: str | None = None
    community_type: str
    has_boundary: bool

    @staticmethod
    def resolve_level_label(obj):
        return str(Level(obj.level).label)

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_has_boundary(obj):
        return obj.boundary is not None


class RegionDetailOut(RegionOut):
    boundary: dict | None = None


class ErrorOut(Schema):
    detail: str


def _not_found(code):
    return Status(404, {"detail": _("There is no region %(code)s in your area.") % {"code": code}})


@router.get("/", response=list[RegionOut], summary="Regions in your area")
@paginate(Pages, page_size=50)
def list_regions(request, level: Level | None = None, parent: str | None = None, q: str | None = None):
    """Filter by ``level``, by ``parent`` code, and by ``q`` (part of the name, or the start of the code)."""
    return selectors.regions_for(actor_of(request), level=level, parent_code=parent, q=q)


@router.get("/locate", response={200: RegionOut, 404: ErrorOut, 422: ErrorOut},
            summary="The grid that contains a point")
def locate(request, lon: float = Query(..., ge=-180, le=180, description="longitude"),
           lat: float = Query(..., ge=-90, le=90, description="latitude"),
           crs: str = Query("wgs84", description="wgs84, cgcs2000, gcj02 (AMap, Tencent) or bd09 (Baidu)")):
    try:
        grid = selectors.locate_grid_for(actor_of(request), lon, lat, crs)
    except ValueError as exc:
        return Status(422, {"detail": str(exc)})
    if grid is None:
        return Status(404, {"detail": _("No grid in your area contains this point.")})
    return Status(200, grid)


@router.get("/{code}", response={200: RegionDetailOut, 404: ErrorOut}, summary="One region, with its boundary")
def region_detail(request, code: str):
    region = selectors.region_for(actor_of(request), code)
    return Status(200, region) if region is not None else _not_found(code)


@router.get("/{code}/children", response={200: list[RegionOut], 404: ErrorOut}, summary="Direct sub-regions")
def region_children(request, code: str):
    """Not paginated: a region has tens of children, not thousands."""
    actor = actor_of(request)
    region = selectors.region_for(actor, code)
    if region is None:
        return _not_found(code)
    return Status(200, list(selectors.children_for(actor, region)))


@router.get("/{code}/grids", response={200: dict, 404: ErrorOut},
            summary="GeoJSON FeatureCollection of the grids under a region")
def region_grids(request, code: str):
    actor = actor_of(request)
    region = selectors.region_for(actor, code)
    if region is None:
        return _not_found(code)
    features = [
        {
            "type": "Feature",
            "id": grid.code,
            "geometry": grid.boundary,
            "properties": {"code": grid.code, "name": grid.name, "parent_code": grid.parent.code
                           if grid.parent_id else None, "community_type": grid.community_type},
        }
        for grid in selectors.grids_under_for(actor, region.prefix)
    ]
    return Status(200, {"type": "FeatureCollection", "features": features})

"""Region boundaries: the checks a polygon must pass before it is stored.

A boundary is a GeoJSON geometry (Polygon or MultiPolygon, RFC 7946) in
WGS-84 / CGCS2000 lon/lat. These functions need no database, so the services,
the admin form and the importer (which checks a whole file before writing
anything) share them. Every message names the region code it is about, because
an administrator fixing a file of hundreds of grids needs to know which one.

Overlap between grids is measured in square metres (an equirectangular
approximation around the overlap, ample at the scale of a grid) and tolerated
up to :data:`OVERLAP_TOLERANCE_M2`: neighbouring grids digitised from the same
map share edges whose floating-point vertices rarely coincide exactly.
"""

from __future__ import annotations

import json
import math
import re

import shapely
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import shape

OVERLAP_TOLERANCE_M2 = 1.0
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")

_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
_LOCATION = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")


class BoundaryError(ValueError):
    """A boundary that cannot be stored; the message says why and where."""


def normalize(value, *, code: str) -> dict:
    """Check the GeoJSON structure and return it with plain 2-D float positions.

    ``value`` is a geometry dict or its JSON text. Normalising makes equal
    boundaries compare equal, which is what lets a re-import see "unchanged".
    """
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise BoundaryError(
                _("The boundary of %(code)s is not valid JSON: %(error)s") % {"code": code, "error": exc}
            ) from None
    if not isinstance(value, dict):
        raise BoundaryError(_("The boundary of %(code)s must be a GeoJSON geometry object.") % {"code": code})
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise BoundaryError(
            _("The boundary of %(code)s must be a GeoJSON Polygon or MultiPolygon, not %(kind)s.")
            % {"code": code, "kind": kind if isinstance(kind, str) else repr(kind)}
        )
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        return {"type": kind, "coordinates": _polygon(coordinates, code, part=None)}
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError(_("The MultiPolygon boundary of %(code)s has no polygons.") % {"code": code})
    return {"type": kind, "coordinates": [_polygon(p, code, part=i + 1) for i, p in enumerate(coordinates)]}


def _polygon(rings, code, part):
    where = {"code": code, "part": part}
    if not isinstance(rings, list) or not rings:
        if part is None:
            raise BoundaryError(_("The boundary of %(code)s has no rings of coordinates.") % where)
        raise BoundaryError(_("Polygon %(part)s of the boundary of %(code)s has no rings of coordinates.") % where)
    return [_ring(ring, code, part, r + 1) for r, ring in enumerate(rings)]


def _ring(ring, code, part, number):
    where = {"code": code, "ring": number, "part": part}
    label = (_("ring %(ring)s of polygon %(part)s") if part else _("ring %(ring)s")) % where
    where["where"] = label
    if not isinstance(ring, list) or len(ring) < 4:
        raise BoundaryError(
            _("The boundary of %(code)s: %(where)s needs at least 4 positions (a closed triangle).") % where
        )
    positions = [_position(p, code, label) for p in ring]
    if positions[0] != positions[-1]:
        raise BoundaryError(
            _("The boundary of %(code)s: %(where)s is not closed (its last position must repeat the first).") % where
        )
    return positions


def _position(position, code, label):
    where = {"code": code, "where": label, "position": json.dumps(position, default=str)[:60]}
    if (not isinstance(position, (list, tuple)) or len(position) not in (2, 3)
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)):
        raise BoundaryError(
            _("The boundary of %(code)s: %(where)s has a position %(position)s that is not [longitude, latitude].")
            % where
        )
    lon, lat = float(position[0]), float(position[1])
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0 and math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise BoundaryError(
            _("The boundary of %(code)s: %(where)s has a position %(position)s outside longitude -180…180 / "
              "latitude -90…90 (are longitude and latitude swapped?).") % where
        )
    return [lon, lat]


def to_shape(geojson: dict):
    """The shapely geometry of a normalised boundary."""
    return shape(geojson)


def check_valid(geom, *, code: str) -> None:
    """Refuse self-intersecting or otherwise invalid polygons, saying where."""
    if geom.is_empty:
        raise BoundaryError(_("The boundary of %(code)s encloses no area.") % {"code": code})
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        if geom.area == 0:
            raise BoundaryError(_("The boundary of %(code)s encloses no area.") % {"code": code})
        return
    match = _LOCATION.search(reason)
    near = {"code": code, "lon": "", "lat": ""}
    if match:
        near["lon"], near["lat"] = (f"{float(v):.6f}" for v in match.groups())
    if "Self-intersection" in reason:
        if match:
            raise BoundaryError(
                _("The boundary of %(code)s intersects itself near longitude %(lon)s, latitude %(lat)s.") % near
            )
        raise BoundaryError(_("The boundary of %(code)s intersects itself.") % near)
    if "Too few points" in reason:
        raise BoundaryError(_("The boundary of %(code)s has a ring with fewer than three distinct corners.") % near)
    if "Hole lies outside shell" in reason:
        raise BoundaryError(_("The boundary of %(code)s has a hole outside its outer ring.") % near)
    raise BoundaryError(
        _("The boundary of %(code)s is not a valid polygon (%(reason)s).") % {"code": code, "reason": reason}
    )


def parse(value, *, code: str):
    """Normalise and check one boundary: returns (GeoJSON dict, shapely geometry)."""
    geojson = normalize(value, code=code)
    try:
        geom = to_shape(geojson)
    except (ValueError, TypeError, ShapelyError) as exc:
        raise BoundaryError(
            _("The boundary of %(code)s is not a valid polygon (%(reason)s).") % {"code": code, "reason": exc}
        ) from None
    check_valid(geom, code=code)
    return geojson, geom


def area_m2(geom) -> float:
    """Approximate area in square metres of a small lon/lat geometry."""
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return geom.area * _METRES_PER_DEGREE_LAT * _METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat))


def overlap_m2(a, b) -> float:
    """Area shared by two geometries; touching edges share none."""
    if not a.intersects(b):
        return 0.0
    return area_m2(a.intersection(b))


def overlap_message(code: str, other: str, area: float) -> str:
    return _("Grid %(code)s overlaps grid %(other)s (about %(area)s m² in common).") % {
        "code": code, "other": other, "area": f"{area:,.0f}" if area >= 1 else f"{area:.2f}",
    }

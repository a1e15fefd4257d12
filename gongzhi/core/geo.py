"""Coordinate systems: what we store, and how other systems' points get there.

Gongzhi stores every point and polygon as WGS-84 / CGCS2000 longitude and
latitude. The two datums differ by a few centimetres in China, far below what
a phone or a hand-drawn grid resolves, so they are treated as identical.

Points often arrive in one of the two systems that Chinese map services use:

- GCJ-02 (国测局坐标, "Mars coordinates"): the obfuscated system that maps
  published in mainland China must use (AMap/高德, Tencent, Apple Maps in
  China, WeChat location). It adds a smooth, non-linear offset of up to a few
  hundred metres, and only inside China.
- BD-09 (百度坐标): Baidu's second scrambling on top of GCJ-02.

The forward transforms (WGS-84 → GCJ-02 → BD-09) are the published formulas
that every map SDK reproduces. Their inverses have no closed form; the widely
copied one-step inverse is off by a metre or more, which is enough to put a
report in the neighbouring grid, so the inverses here solve the forward
formula by fixed-point iteration to well under a millimetre.

"Inside China" is the usual bounding box test of these libraries, not a
border: points in neighbouring countries inside the box are shifted too,
exactly as the map services do it.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

# Krasovsky 1940 ellipsoid, on which GCJ-02 is defined.
_A = 6378245.0
_EE = 0.00669342162296594323
# Baidu's scale factor for BD-09.
_X_PI = math.pi * 3000.0 / 180.0

# Bounding box used by the published GCJ-02 implementations (coordTransform).
CHINA_BOUNDS = (73.66, 3.86, 135.05, 53.55)  # min lon, min lat, max lon, max lat

# Iterative inverses stop when the forward transform of the estimate lands
# within this many degrees of the input (1e-10° ≈ 0.01 mm).
_TOLERANCE = 1e-10
_MAX_ITERATIONS = 30

CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09")
_CRS_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "epsg:4326": "wgs84",
    "cgcs2000": "cgcs2000", "epsg:4490": "cgcs2000",
    "gcj02": "gcj02", "gcj-02": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09",
}


def out_of_china(lon: float, lat: float) -> bool:
    """True where GCJ-02 leaves points unchanged (outside the China box)."""
    min_lon, min_lat, max_lon, max_lat = CHINA_BOUNDS
    return not (min_lon < lon < max_lon and min_lat < lat < max_lat)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (degrees) added to a WGS-84 point, ignoring the China test."""
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Exact inverse of :func:`wgs84_to_gcj02`, by fixed-point iteration.

    The offset changes slowly with position (its gradient is ~1e-3), so
    ``w ← w − (gcj(w) − g)`` converges in a handful of steps.
    """
    if out_of_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _step in range(_MAX_ITERATIONS):
        dlon, dlat = _gcj_offset(wlon, wlat)
        err_lon = wlon + dlon - lon
        err_lat = wlat + dlat - lat
        wlon -= err_lon
        wlat -= err_lat
        if abs(err_lon) < _TOLERANCE and abs(err_lat) < _TOLERANCE:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Exact inverse of :func:`gcj02_to_bd09`.

    Starts from Baidu's published one-step inverse (good to about a metre)
    and corrects it until the forward transform reproduces the input.
    """
    glon, glat = _bd09_to_gcj02_approx(lon, lat)
    for _step in range(_MAX_ITERATIONS):
        blon, blat = gcj02_to_bd09(glon, glat)
        err_lon, err_lat = blon - lon, blat - lat
        glon -= err_lon
        glat -= err_lat
        if abs(err_lon) < _TOLERANCE and abs(err_lat) < _TOLERANCE:
            break
    return glon, glat


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def normalize_crs(crs: str) -> str:
    """The canonical name of a coordinate system, or ValueError naming the choices."""
    key = (crs or "").strip().lower()
    if key not in _CRS_ALIASES:
        raise ValueError(
            _("Unknown coordinate system %(crs)r; use one of: %(choices)s.")
            % {"crs": crs, "choices": ", ".join(CRS_CHOICES)}
        )
    return _CRS_ALIASES[key]


def check_lon_lat(lon, lat) -> tuple[float, float]:
    """Finite numbers in range, or ValueError saying which one is wrong."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValueError(_("Longitude and latitude must be numbers.")) from None
    if not math.isfinite(lon) or not -180.0 <= lon <= 180.0:
        raise ValueError(_("Longitude %(lon)s is outside -180…180.") % {"lon": lon})
    if not math.isfinite(lat) or not -90.0 <= lat <= 90.0:
        raise ValueError(_("Latitude %(lat)s is outside -90…90.") % {"lat": lat})
    return lon, lat


def to_wgs84(lon, lat, crs: str = "wgs84") -> tuple[float, float]:
    """Convert a point given in ``crs`` to the WGS-84 / CGCS2000 we store.

    Raises ValueError with a user-readable message for an unknown system or
    coordinates out of range.
    """
    crs = normalize_crs(crs)
    lon, lat = check_lon_lat(lon, lat)
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "bd09":
        return bd09_to_wgs84(lon, lat)
    return lon, lat

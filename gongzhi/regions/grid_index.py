"""Which grid contains this point: an in-memory STRtree over the grid polygons.

Every report, visit and request with a location is placed in a grid, often in
batches of thousands (imports, the 12345 hand-off), so the lookup must not be
a scan of every polygon. :class:`GridIndex` holds the grid polygons in a
shapely 2 STRtree and answers one point or a whole array of points in one
vectorised query.

The process-wide index is built lazily from the database and kept correct
when grids change:

- in this process, saving or deleting a region drops the index at once (and
  again when the transaction commits), so the next lookup rebuilds it;
- changes made by another process (a second web worker, the import command)
  are noticed through a cheap *stamp* of the grid rows, ``(count,
  max(updated_at))``, compared before a lookup at most every
  ``settings.GRID_INDEX_MAX_AGE`` seconds (default 1). Every write path saves
  through the ORM, which moves ``updated_at``; a deletion changes the count.

A point on the shared edge of two grids lies in both; the lookup then answers
the grid with the smallest code, so the answer never depends on tree order.
Coordinates here are WGS-84; convert others with :mod:`gongzhi.core.geo` first.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import boundaries
from .models import Level, Region

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 1.0
METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator


class GridIndex:
    """An immutable STRtree of grid polygons, keyed by grid code."""

    def __init__(self, entries: Iterable[tuple[str, object]], ids: dict[str, int] | None = None):
        """``entries``: (code, shapely geometry or GeoJSON dict) pairs; ``ids``: the row id of each code,
        when built from the database (so that a lookup can name the grid row without reading it)."""
        self.ids = dict(ids or {})
        pairs = sorted((code, g if hasattr(g, "geom_type") else boundaries.to_shape(g)) for code, g in entries)
        self.codes = [code for code, _geom in pairs]
        self.geometries = np.array([geom for _code, geom in pairs], dtype=object)
        self.tree = shapely.STRtree(self.geometries)
        self._position = {code: i for i, code in enumerate(self.codes)}

    def __len__(self):
        return len(self.codes)

    def locate(self, lon: float, lat: float) -> str | None:
        """The code of the grid containing (lon, lat), or None."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[int(hits.min())] if len(hits) else None

    def locate_many(self, lons, lats) -> list[str | None]:
        """Codes of the grids containing each point (None where no grid does)."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        return self._codes_for(self.positions_of(lons, lats))

    def positions_of(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Index into :attr:`codes` for each point, -1 where no grid contains it."""
        if len(lons) == 0:
            return np.empty(0, dtype=np.int64)
        found, tree_pos = self.tree.query(shapely.points(lons, lats), predicate="intersects")
        result = np.full(len(lons), len(self.codes), dtype=np.int64)
        np.minimum.at(result, found, tree_pos)  # lowest code wins on a shared edge
        result[result == len(self.codes)] = -1
        return result

    def _codes_for(self, positions: np.ndarray) -> list[str | None]:
        codes = self.codes
        return [codes[p] if p >= 0 else None for p in positions.tolist()]

    def overlaps(self, geom, *, exclude: Iterable[str] = (),
                 tolerance_m2: float = boundaries.OVERLAP_TOLERANCE_M2) -> list[tuple[str, float]]:
        """(code, m² shared) of the indexed grids that overlap ``geom`` beyond the tolerance."""
        excluded = set(exclude)
        result = []
        for pos in sorted(self.tree.query(geom, predicate="intersects").tolist()):
            code = self.codes[pos]
            if code in excluded:
                continue
            area = boundaries.overlap_m2(geom, self.geometries[pos])
            if area > tolerance_m2:
                result.append((code, area))
        return result

    def near(self, lon: float, lat: float, radius_m: float) -> list[str]:
        """Codes of the grids that come within about ``radius_m`` metres of (lon, lat).

        The box of the radius around the point is asked of the tree, so a grid that touches only
        a corner of the box is included too: callers that need the exact distance check it on their
        own points (as the duplicate check of cases does).
        """
        dlat = radius_m / METRES_PER_DEGREE
        dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        hits = self.tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat), predicate="intersects")
        return [self.codes[pos] for pos in sorted(hits.tolist())]

    def geometry_of(self, code: str):
        pos = self._position.get(code)
        return None if pos is None else self.geometries[pos]


# --- the process-wide index over the database --------------------------------

class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.index: GridIndex | None = None
        self.stamp = None
        self.checked_at = 0.0


_cache = _Cache()


def database_stamp():
    """A cheap fingerprint of the grid rows; any saved change moves it."""
    row = Region.objects.filter(level=Level.GRID).aggregate(n=Count("id"), latest=Max("updated_at"))
    return row["n"], row["latest"]


def load_from_database() -> GridIndex:
    """A fresh index of every grid that has a boundary."""
    entries, ids = [], {}
    rows = Region.objects.filter(level=Level.GRID, boundary__isnull=False).values_list("id", "code", "boundary")
    for pk, code, boundary in rows.iterator(chunk_size=2000):
        try:
            _geojson, geom = boundaries.parse(boundary, code=code)
        except boundaries.BoundaryError as exc:
            # Rows written around the services (raw SQL, old data) must not
            # take every lookup down; they are left out and reported.
            logger.warning("grid %s left out of the grid index: %s", code, exc)
            continue
        entries.append((code, geom))
        ids[code] = pk
    return GridIndex(entries, ids)


def _max_age() -> float:
    return float(getattr(settings, "GRID_INDEX_MAX_AGE", DEFAULT_MAX_AGE))


def current(*, max_age: float | None = None) -> GridIndex:
    """The index of the grids in the database, rebuilt when they have changed.

    ``max_age`` (seconds) bounds how old the last stamp check may be; 0 checks
    now. Writes that validate against the index pass 0.
    """
    max_age = _max_age() if max_age is None else max_age
    now = time.monotonic()
    index = _cache.index
    if index is not None and now - _cache.checked_at <= max_age:
        return index
    with _cache.lock:
        stamp = database_stamp()  # before loading: a change during the load moves it again
        if _cache.index is None or stamp != _cache.stamp:
            _cache.index = load_from_database()
            _cache.stamp = stamp
        _cache.checked_at = time.monotonic()
        return _cache.index


def invalidate() -> None:
    """Forget the index; the next lookup rebuilds it."""
    with _cache.lock:
        _cache.index = None
        _cache.stamp = None
        _cache.checked_at = 0.0


def locate_code(lon: float, lat: float) -> str | None:
    """Code of the grid containing a WGS-84 point, or None."""
    return current().locate(lon, lat)


def locate_id_code(lon: float, lat: float) -> tuple[int, str] | None:
    """(row id, code) of the grid containing a WGS-84 point, or None; no database read."""
    index = current()
    code = index.locate(lon, lat)
    return (index.ids[code], code) if code is not None else None


def near_id_codes(lon: float, lat: float, radius_m: float) -> list[tuple[int, str]]:
    """(row id, code) of the grids within about ``radius_m`` metres of a WGS-84 point; no database read."""
    index = current()
    return [(index.ids[code], code) for code in index.near(lon, lat, radius_m) if code in index.ids]


def locate_codes(lons, lats) -> list[str | None]:
    """Codes of the grids containing each WGS-84 point, one index check for the batch."""
    return current().locate_many(lons, lats)


@receiver(post_save, dispatch_uid="regions.grid_index.saved")
@receiver(post_delete, dispatch_uid="regions.grid_index.deleted")
def _region_changed(sender, instance, **kwargs):
    if not isinstance(instance, Region):
        return
    invalidate()
    # Another thread may rebuild from the not-yet-committed state in between;
    # dropping the index again after commit makes this process exact.
    transaction.on_commit(invalidate)

"""15-minute service coverage (15 分钟服务圈): how far each household walks to the nearest service point
of each kind, and the share of households within the limit, by grid.

- **Where households are.** A household's place is its dwelling's building, else the dwelling's
  compound, else its villagers' group (compound): the first of these with coordinates
  (:class:`gongzhi.registry.models.Building`/``Compound`` ``longitude``/``latitude``). Households with
  no such place are counted apart (``unplaced``), never guessed.
- **Walking distance.** No road graph is loaded in this deployment, so the distance is the approximation
  the issue accepts: the great-circle distance × ``INSIGHTS_WALK_DETOUR`` (1.3 by default: streets are
  not straight lines), walked at ``INSIGHTS_WALK_METRES_PER_MINUTE`` (80 m a minute, an older person's
  pace). A place is covered for a kind when the nearest open point of that kind is at most
  ``INSIGHTS_COVERAGE_MINUTES`` (15) away.
- **Service points** are public places, so every open point counts, wherever it lies (a clinic across
  the grid's edge serves it too); who may add or close one is scoped by its grid (``registry.change``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope, ensure_in_scope, scope_queryset
from gongzhi.regions.models import Region

from .models import ServiceKind, ServicePoint

EARTH_RADIUS_M = 6_371_008.8


def walk_minutes(metres_straight):
    """Minutes of walking for a straight-line distance (scalar or array)."""
    return metres_straight * settings.INSIGHTS_WALK_DETOUR / settings.INSIGHTS_WALK_METRES_PER_MINUTE


def straight_metres(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (haversine), broadcasting over arrays."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --- service points ------------------------------------------------------------------------------------


def _coordinates(lon, lat) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError({"longitude": _("Give the place as longitude and latitude (WGS-84).")}) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
        raise ValidationError({"longitude": _("Give the place as longitude and latitude (WGS-84).")})
    return lon, lat


def add_point(*, actor, kind: str, name: str, grid: Region, longitude, latitude, address: str = "") -> ServicePoint:
    require(actor, "registry.change")
    if kind not in ServiceKind.values:
        raise ValidationError({"kind": _("Choose the kind of service point.")})
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Name the service point (at most 100 characters).")})
    if grid is None or not grid.is_grid:
        raise ValidationError({"grid": _("Choose the grid the service point lies in.")})
    ensure_code_in_scope(grid.code, actor)
    lon, lat = _coordinates(longitude, latitude)
    with transaction.atomic():
        point = ServicePoint.objects.create(kind=kind, name=name, grid=grid, longitude=lon, latitude=lat,
                                            address=(address or "").strip()[:200])
        record(actor=actor, action="insights.service_point.add", obj=point,
               changes={"kind": kind, "name": name, "longitude": lon, "latitude": lat})
    return point


def close_point(*, actor, point: ServicePoint, reason: str = "") -> ServicePoint:
    require(actor, "registry.change")
    ensure_in_scope(point, actor)
    with transaction.atomic():
        point = ServicePoint.objects.select_for_update().get(pk=point.pk)
        if not point.is_active:
            raise ValidationError({"__all__": _("The service point is already closed.")})
        point.is_active = False
        point.save(update_fields=["is_active"])
        record(actor=actor, action="insights.service_point.close", obj=point, reason=reason)
    return point


def visible_points(actor):
    require(actor, "insights.view")
    return scope_queryset(ServicePoint.objects.select_related("grid"), actor)


# --- where households are ---------------------------------------------------------------------------------


@dataclass
class Place:
    """A building or compound with households, and its walk to the nearest point of each kind."""

    key: str  # "building:<id>" or "compound:<id>"
    label: str
    grid_id: int
    longitude: float
    latitude: float
    households: int = 0
    minutes: dict = field(default_factory=dict)  # kind -> minutes (None: no point of that kind at all)


def _places(actor, region_code: str) -> tuple[list[Place], dict[int, int]]:
    """The places with households in the actor's area, and {grid id: households without a place}."""
    from gongzhi.registry.models import Household

    households = scope_queryset(Household.objects.all(), actor)
    if region_code:
        households = households.filter(grid__code__startswith=region_code)
    rows = (households.values("grid_id", "dwelling__building_id", "dwelling__building__longitude",
                              "dwelling__building__latitude", "dwelling__building__number",
                              "dwelling__building__compound__name", "dwelling__compound_id",
                              "dwelling__compound__longitude", "dwelling__compound__latitude",
                              "dwelling__compound__name", "villager_group_id", "villager_group__longitude",
                              "villager_group__latitude", "villager_group__name")
            .annotate(n=Count("id")).order_by())
    places: dict[str, Place] = {}
    unplaced: dict[int, int] = {}
    for row in rows:
        found = None
        if row["dwelling__building__longitude"] is not None and row["dwelling__building__latitude"] is not None:
            label = f"{row['dwelling__building__compound__name'] or ''} {row['dwelling__building__number']}号楼".strip()
            found = (f"building:{row['dwelling__building_id']}", label, row["dwelling__building__longitude"],
                     row["dwelling__building__latitude"])
        elif row["dwelling__compound__longitude"] is not None and row["dwelling__compound__latitude"] is not None:
            found = (f"compound:{row['dwelling__compound_id']}", row["dwelling__compound__name"],
                     row["dwelling__compound__longitude"], row["dwelling__compound__latitude"])
        elif row["villager_group__longitude"] is not None and row["villager_group__latitude"] is not None:
            found = (f"compound:{row['villager_group_id']}", row["villager_group__name"],
                     row["villager_group__longitude"], row["villager_group__latitude"])
        if found is None:
            unplaced[row["grid_id"]] = unplaced.get(row["grid_id"], 0) + row["n"]
            continue
        key, label, lon, lat = found
        place = places.setdefault(key, Place(key, label, row["grid_id"], lon, lat))
        place.households += row["n"]
    return list(places.values()), unplaced


# --- coverage -----------------------------------------------------------------------------------------------


@dataclass
class GridCoverage:
    code: str
    name: str
    households: int = 0  # placed
    unplaced: int = 0
    within: dict = field(default_factory=dict)  # kind -> households within the limit

    def share(self, kind: str) -> float | None:
        return self.within.get(kind, 0) / self.households if self.households else None

    @property
    def shares(self) -> list[tuple[str, float | None]]:
        return [(kind, self.share(kind)) for kind in ServiceKind.values]


@dataclass
class Coverage:
    minutes_limit: int
    grids: list[GridCoverage]
    places: list[Place]
    points: list[ServicePoint]
    method: str

    def gaps(self, kind: str | None = None) -> list[tuple[Place, str, float | None]]:
        """(place, kind, minutes) for every place beyond the limit for a kind, the farthest first."""
        found = [(place, k, m) for place in self.places for k, m in place.minutes.items()
                 if (kind in (None, "", k)) and (m is None or m > self.minutes_limit)]
        return sorted(found, key=lambda g: (-(g[2] if g[2] is not None else math.inf), g[0].label))

    def totals(self) -> GridCoverage:
        total = GridCoverage(code="", name="")
        for grid in self.grids:
            total.households += grid.households
            total.unplaced += grid.unplaced
            for kind, n in grid.within.items():
                total.within[kind] = total.within.get(kind, 0) + n
        return total


def coverage(actor, *, region_code: str = "") -> Coverage:
    """The coverage of the households in the actor's area (under ``region_code`` if given)."""
    require(actor, "insights.view")
    limit = settings.INSIGHTS_COVERAGE_MINUTES
    places, unplaced = _places(actor, region_code)
    points = list(ServicePoint.objects.filter(is_active=True).select_related("grid"))
    if places:
        lons = np.array([p.longitude for p in places])
        lats = np.array([p.latitude for p in places])
        for kind in ServiceKind.values:
            mine = [p for p in points if p.kind == kind]
            if not mine:
                for place in places:
                    place.minutes[kind] = None
                continue
            distances = straight_metres(lons[:, None], lats[:, None], np.array([p.longitude for p in mine])[None, :],
                                        np.array([p.latitude for p in mine])[None, :])
            nearest = walk_minutes(distances.min(axis=1))
            for place, minutes in zip(places, nearest):
                place.minutes[kind] = round(float(minutes), 1)
    grid_ids = {p.grid_id for p in places} | set(unplaced)
    regions = Region.objects.in_bulk(list(grid_ids))
    by_grid: dict[int, GridCoverage] = {}
    for grid_id in grid_ids:
        region = regions.get(grid_id)
        by_grid[grid_id] = GridCoverage(code=region.code if region else "", name=region.name if region else "",
                                        unplaced=unplaced.get(grid_id, 0))
    for place in places:
        grid = by_grid[place.grid_id]
        grid.households += place.households
        for kind, minutes in place.minutes.items():
            if minutes is not None and minutes <= limit:
                grid.within[kind] = grid.within.get(kind, 0) + place.households
    method = _("straight line × %(detour)s at %(speed)d m a minute (no road graph is loaded)") % {
        "detour": settings.INSIGHTS_WALK_DETOUR, "speed": settings.INSIGHTS_WALK_METRES_PER_MINUTE}
    return Coverage(minutes_limit=limit, grids=sorted(by_grid.values(), key=lambda g: g.code), places=places,
                    points=points, method=method)

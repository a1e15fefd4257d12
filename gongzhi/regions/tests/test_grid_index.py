import random

import pytest
import shapely
from django.db import connection
from django.utils import timezone

from gongzhi.core import geo
from gongzhi.regions import grid_index, selectors, services
from gongzhi.regions.grid_index import GridIndex
from gongzhi.regions.models import Level, Region

from .shapes import IN_A1, IN_A2, IN_B1, NOWHERE, square

ORIGIN = (116.60, 39.70)  # away from the `tree` grids and NOWHERE
COLS, ROWS = 6, 5
CELL = 0.01


def tessellation(seed=7):
    """COLS×ROWS irregular quadrilaterals sharing jittered corners: no gaps, no overlaps."""
    rng = random.Random(seed)
    corners = {}
    for i in range(COLS + 1):
        for j in range(ROWS + 1):
            inner = 0 < i < COLS and 0 < j < ROWS
            dx = rng.uniform(-0.3, 0.3) * CELL if inner else 0.0
            dy = rng.uniform(-0.3, 0.3) * CELL if inner else 0.0
            corners[i, j] = [ORIGIN[0] + i * CELL + dx, ORIGIN[1] + j * CELL + dy]
    cells = []
    for i in range(COLS):
        for j in range(ROWS):
            ring = [corners[i, j], corners[i + 1, j], corners[i + 1, j + 1], corners[i, j + 1], corners[i, j]]
            code = f"110105002001{i * ROWS + j + 1:03d}"
            cells.append((code, {"type": "Polygon", "coordinates": [ring]}))
    return cells


def brute_force(cells, lon, lat):
    """Test the point against every polygon; the smallest code wins on a shared edge."""
    point = shapely.Point(lon, lat)
    hits = [code for code, polygon in cells if polygon.intersects(point)]
    return min(hits) if hits else None


@pytest.fixture
def gridded(tree, admin):
    """A community of 30 irregular grids, created through the services."""
    community = services.create_region(actor=admin, code="110105002000", name="街道二", level=Level.SUBDISTRICT,
                                       parent_code="110105000000")
    community = services.create_region(actor=admin, code="110105002001", name="社区", level=Level.COMMUNITY,
                                       parent_code=community.code)
    cells = tessellation()
    for code, boundary in cells:
        services.create_region(actor=admin, code=code, name=code, level=Level.GRID, parent_code=community.code,
                               boundary=boundary)
    return cells


def random_points(n, seed=11):
    rng = random.Random(seed)
    # A margin around the tessellation so some points fall in no grid.
    return [(rng.uniform(ORIGIN[0] - 0.005, ORIGIN[0] + COLS * CELL + 0.005),
             rng.uniform(ORIGIN[1] - 0.005, ORIGIN[1] + ROWS * CELL + 0.005)) for _ in range(n)]


def test_index_lookup_equals_brute_force(gridded):
    points = random_points(400)
    polygons = [(code, shapely.geometry.shape(boundary)) for code, boundary in gridded]
    expected = [brute_force(polygons, lon, lat) for lon, lat in points]
    assert sum(code is None for code in expected) > 10  # the margin is exercised
    assert len({code for code in expected if code}) == 30  # so is every grid

    index = grid_index.current()
    assert len(index) == 30 + 3  # and the three grids of `tree`
    lons, lats = zip(*points, strict=True)
    assert index.locate_many(lons, lats) == expected
    assert [index.locate(lon, lat) for lon, lat in points] == expected
    assert selectors.locate_grid_codes(points) == expected
    assert [getattr(selectors.locate_grid(lon, lat), "code", None) for lon, lat in points[:40]] == expected[:40]


def test_shared_corner_goes_to_the_smallest_code():
    index = GridIndex([("110105001001002", square(116.45, 39.90)), ("110105001001001", square(116.44, 39.90))])
    assert index.locate(116.45, 39.905) == "110105001001001"
    assert index.locate_many([116.45, 116.455], [39.905, 39.905]) == ["110105001001001", "110105001001002"]


def test_empty_index_and_empty_batch():
    index = GridIndex([])
    assert index.locate(116.4, 39.9) is None
    assert index.locate_many([116.4], [39.9]) == [None]
    assert index.locate_many([], []) == []


def test_locate_grid_converts_the_coordinate_system(tree):
    gcj = geo.wgs84_to_gcj02(*IN_A1)
    bd = geo.wgs84_to_bd09(*IN_A1)
    assert selectors.locate_grid(*gcj, crs="gcj02") == tree["grid_a1"]
    assert selectors.locate_grid(*bd, crs="bd09") == tree["grid_a1"]
    # Read as WGS-84 the GCJ-02 point lies hundreds of metres away, outside A1.
    assert selectors.locate_grid(*gcj) != tree["grid_a1"]
    assert selectors.locate_grid(*NOWHERE) is None


def test_index_follows_a_boundary_change(tree, admin):
    assert selectors.locate_grid(*NOWHERE) is None
    services.set_grid_boundary(actor=admin, grid=tree["grid_b1"], boundary=square(116.295, 39.795))
    assert selectors.locate_grid(*NOWHERE) == tree["grid_b1"]
    assert selectors.locate_grid(*IN_B1) is None


def test_index_follows_add_and_delete(tree, admin):
    assert selectors.locate_grid(116.465, 39.905) is None
    grid = services.create_region(actor=admin, code="110105001001003", name="x", level=Level.GRID,
                                  parent_code="110105001001", boundary=square(116.46, 39.90))
    assert selectors.locate_grid(116.465, 39.905) == grid
    services.delete_region(actor=admin, region=grid)
    assert selectors.locate_grid(116.465, 39.905) is None
    services.delete_region(actor=admin, region=tree["grid_a2"])
    assert selectors.locate_grid(*IN_A2) is None
    assert selectors.locate_grid(*IN_A1) == tree["grid_a1"]


def _change_as_another_process(grid, boundary):
    """A write this process's signals never see, as a second worker's would be."""
    Region.objects.filter(pk=grid.pk).update(boundary=boundary, updated_at=timezone.now())


def test_change_by_another_process_is_seen_at_the_next_check(tree, settings):
    settings.GRID_INDEX_MAX_AGE = 0
    assert selectors.locate_grid(*IN_B1) == tree["grid_b1"]
    _change_as_another_process(tree["grid_b1"], square(116.295, 39.795))
    assert selectors.locate_grid(*IN_B1) is None
    assert selectors.locate_grid(*NOWHERE) == tree["grid_b1"]


def test_deletion_by_another_process_is_seen(tree, settings):
    settings.GRID_INDEX_MAX_AGE = 0
    assert selectors.locate_grid(*IN_A2) == tree["grid_a2"]
    with connection.cursor() as cursor:  # raw SQL: no signal reaches this process
        cursor.execute("DELETE FROM regions_region WHERE id = %s", [tree["grid_a2"].pk])
    assert selectors.locate_grid(*IN_A2) is None


def test_stamp_check_is_rate_limited_but_can_be_forced(tree, settings):
    settings.GRID_INDEX_MAX_AGE = 3600
    assert grid_index.locate_code(*IN_B1) == tree["grid_b1"].code
    _change_as_another_process(tree["grid_b1"], square(116.295, 39.795))
    assert grid_index.locate_code(*IN_B1) == tree["grid_b1"].code  # within max age: cached answer
    assert grid_index.current(max_age=0).locate(*IN_B1) is None


def test_overlap_check_sees_another_process_change(tree, admin, settings):
    settings.GRID_INDEX_MAX_AGE = 3600
    grid_index.current()
    _change_as_another_process(tree["grid_b1"], square(116.295, 39.795))
    # Services validate against the database now, not against the cached index.
    services.create_region(actor=admin, code="110105001002002", name="x", level=Level.GRID,
                           parent_code="110105001002", boundary=square(116.44, 39.91))


def test_grids_with_broken_stored_boundaries_are_left_out(tree):
    Region.objects.filter(pk=tree["grid_a2"].pk).update(boundary={"type": "Polygon", "coordinates": []})
    grid_index.invalidate()
    assert grid_index.locate_code(*IN_A2) is None
    assert grid_index.locate_code(*IN_A1) == tree["grid_a1"].code

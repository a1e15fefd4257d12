"""Benchmark of "which grid contains this point" over a district of 1,000 grids.

Builds a 40×25 tessellation of slightly irregular quadrilaterals over a
district-sized area (about 17 × 14 km), imports it through the product's
importer (validation, overlap check, audit) into a temporary SQLite database
under var/bench/, and measures lookups of 100,000 random points through
``gongzhi.regions.grid_index`` exactly as the product runs them: the index is
built from the database and each batch passes the freshness check.

Brute force (every point tested against every polygon, with prepared
geometries) is too slow to run on all points; it is measured on a sample and
its rate extrapolated, and both methods must agree on every sampled point.

    .venv/bin/python bench/grid_lookup.py
"""

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB = BENCH_DIR / "grid_lookup.sqlite3"
for suffix in ("", "-wal", "-shm"):
    Path(f"{DB}{suffix}").unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from shapely.prepared import prep  # noqa: E402

from gongzhi.regions import grid_index, importing  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402

COLS, ROWS = 40, 25
WEST, SOUTH, EAST, NORTH = 116.40, 39.85, 116.60, 39.98
POINTS = 100_000
SINGLE = 20_000
SAMPLE = 2_000
DISTRICT, SUBDISTRICT = "110105000000", "110105001000"


def tessellation(rng):
    """Cells sharing jittered corners: irregular, gap-free and overlap-free by construction."""
    dx, dy = (EAST - WEST) / COLS, (NORTH - SOUTH) / ROWS
    corners = {}
    for i in range(COLS + 1):
        for j in range(ROWS + 1):
            inner = 0 < i < COLS and 0 < j < ROWS
            corners[i, j] = [round(WEST + i * dx + (rng.uniform(-0.3, 0.3) * dx if inner else 0), 7),
                             round(SOUTH + j * dy + (rng.uniform(-0.3, 0.3) * dy if inner else 0), 7)]
    features = [
        _feature(SUBDISTRICT, "基准街道", Level.SUBDISTRICT, DISTRICT),
    ]
    for j in range(ROWS):  # one community per row of 40 grids (a community code holds up to 999 grids)
        community = f"110105001{j + 1:03d}"
        features.append(_feature(community, f"基准社区{j + 1}", Level.COMMUNITY, SUBDISTRICT))
        for i in range(COLS):
            ring = [corners[i, j], corners[i + 1, j], corners[i + 1, j + 1], corners[i, j + 1], corners[i, j]]
            features.append(_feature(f"{community}{i + 1:03d}", f"网格{j + 1}-{i + 1}", Level.GRID, community,
                                     {"type": "Polygon", "coordinates": [ring]}))
    return features


def _feature(code, name, level, parent_code, geometry=None):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "name": name, "level": str(level), "parent_code": parent_code}}


def timed(func, *args, **kwargs):
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def brute_force(polygons, lons, lats):
    """Each point against every polygon; the smallest code wins on a shared edge, as in the index."""
    answers = []
    for lon, lat in zip(lons, lats, strict=True):
        point = shapely.Point(lon, lat)
        hits = [code for code, polygon in polygons if polygon.intersects(point)]
        answers.append(min(hits) if hits else None)
    return answers


def main():
    call_command("migrate", verbosity=0)
    Region.objects.create(code=DISTRICT, name="朝阳区", level=Level.DISTRICT)
    rng = random.Random(2026)
    features = tessellation(rng)
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    report, seconds = timed(importing.import_regions, data, filename="bench.geojson")
    if not report.ok:
        print("\n".join(map(str, report.problems[:20])), file=sys.stderr)
        return 1
    grids = COLS * ROWS
    print(f"import of {grids:,} grids (validate, check overlaps, write, audit): {seconds:.1f} s")

    index, seconds = timed(grid_index.current)
    assert len(index) == grids, len(index)
    print(f"grid index build from the database: {seconds * 1000:,.0f} ms")

    # Points over the district with a 2 % margin, so some fall in no grid.
    margin_x, margin_y = 0.02 * (EAST - WEST), 0.02 * (NORTH - SOUTH)
    nrng = np.random.default_rng(2026)
    lons = nrng.uniform(WEST - margin_x, EAST + margin_x, POINTS)
    lats = nrng.uniform(SOUTH - margin_y, NORTH + margin_y, POINTS)

    grid_index.locate_codes(lons[:100], lats[:100])  # warm up
    best = min(timed(grid_index.locate_codes, lons, lats)[1] for _ in range(3))
    codes = grid_index.locate_codes(lons, lats)
    batch_rate = POINTS / best
    print(f"grid lookups (STRtree): {batch_rate:,.0f} lookups/s (target: >= 100000)")

    started = time.perf_counter()
    singles = [grid_index.locate_code(lon, lat) for lon, lat in zip(lons[:SINGLE].tolist(), lats[:SINGLE].tolist(),
                                                                   strict=True)]
    single_rate = SINGLE / (time.perf_counter() - started)
    print(f"grid lookups (STRtree, one point per call): {single_rate:,.0f} lookups/s")

    polygons = [(code, prep(index.geometry_of(code))) for code in index.codes]
    sample_lons, sample_lats = lons[:SAMPLE].tolist(), lats[:SAMPLE].tolist()
    expected, seconds = timed(brute_force, polygons, sample_lons, sample_lats)
    brute_rate = SAMPLE / seconds
    print(f"grid lookups (brute force, prepared polygons, measured on {SAMPLE:,} points and extrapolated): "
          f"{brute_rate:,.0f} lookups/s")
    print(f"speed-up vs brute force: {batch_rate / brute_rate:,.0f}x")

    agree = sum(a == b for a, b in zip(codes[:SAMPLE], expected, strict=True))
    agree_single = sum(a == b for a, b in zip(singles[:SAMPLE], expected, strict=True))
    outside = sum(code is None for code in codes)
    print(f"agreement with brute force on the sample: {agree:,}/{SAMPLE:,} batch, {agree_single:,}/{SAMPLE:,} single "
          f"({outside:,} of {POINTS:,} points in no grid)")
    return 0 if agree == SAMPLE and agree_single == SAMPLE else 1


if __name__ == "__main__":
    sys.exit(main())

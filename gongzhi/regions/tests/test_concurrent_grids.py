"""Two overlapping grids saved at the same moment: the overlap check and the write are one step.

The check reads every other grid; without a lock two transactions could each
check (neither sees the other's uncommitted grid), then both save, and the map
would hold two grids claiming the same ground. On PostgreSQL two real threads
(two connections) race through the services; on SQLite, where one writer at a
time is the database's own rule, the test proves the check runs while this
transaction already holds the write lock.
"""

import json
import sqlite3
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongzhi.regions import grid_index, importing, services
from gongzhi.regions.models import Level, Region

from .shapes import square

NEW_GRID = "110105001001003"  # in community A
CONTESTED = square(116.50, 39.90)  # empty ground east of the tree's grids
OVERLAPPING = square(116.505, 39.905)  # a quarter of CONTESTED
IMPORTED_GRID = "110105001002002"  # in community B


@pytest.fixture
def slow_check(monkeypatch):
    """Hold every overlap check open a while after it read the grids, so two checks overlap in time."""
    real_current, real_load = grid_index.current, grid_index.load_from_database
    checked = []

    def current(**kwargs):
        index = real_current(**kwargs)
        checked.append("service")
        time.sleep(0.4)
        return index

    def load_from_database():  # the importer's overlap check reads the grids this way
        index = real_load()
        time.sleep(0.4)
        return index

    monkeypatch.setattr(grid_index, "current", current)
    monkeypatch.setattr(grid_index, "load_from_database", load_from_database)
    return checked


def _race(attempts):
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "saved"
        except ValidationError as exc:
            outcomes[index] = "overlap" if "overlaps" in " ".join(exc.messages) else repr(exc)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _overlapping_pairs():
    index = grid_index.load_from_database()
    return [(code, other) for code, geom in zip(index.codes, index.geometries, strict=True)
            for other, _area in index.overlaps(geom, exclude=[code]) if code < other]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_grids_saved_at_once_one_is_refused(tree, admin, slow_check):
    if connection.vendor != "postgresql":
        _the_check_runs_inside_the_write_lock_on_sqlite(tree, admin)
        return
    outcomes = _race([
        lambda: services.create_region(actor=admin, code=NEW_GRID, name="新网格", level=Level.GRID,
                                       parent_code=tree["comm_a"].code, boundary=CONTESTED),
        lambda: services.set_grid_boundary(actor=admin, grid=Region.objects.get(pk=tree["grid_b1"].pk),
                                           boundary=OVERLAPPING),
    ])
    assert sorted(outcomes) == ["overlap", "saved"], outcomes
    assert len(slow_check) == 2
    assert _overlapping_pairs() == []

    # The importer against the services: the same one step.
    elsewhere = square(116.52, 39.90)
    geojson = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "code": IMPORTED_GRID, "name": "导入网格", "level": "grid", "parent_code": tree["comm_b"].code},
        "geometry": square(116.525, 39.905)}]}).encode()
    reports = []

    def run_import():
        report = importing.import_regions(geojson, filename="grids.geojson", actor=admin)
        reports.append(report)
        if report.problems:
            raise ValidationError(" ".join(p.message for p in report.problems))

    outcomes = _race([
        lambda: services.create_region(actor=admin, code="110105001001004", name="又一网格", level=Level.GRID,
                                       parent_code=tree["comm_a"].code, boundary=elsewhere),
        run_import,
    ])
    assert sorted(outcomes) == ["overlap", "saved"], (outcomes, [r.problems for r in reports])
    assert _overlapping_pairs() == []


def _the_check_runs_inside_the_write_lock_on_sqlite(tree, admin):
    """SQLite: while the overlap check runs, a second connection cannot begin writing."""
    probes = []
    real = grid_index.current

    def probing_current(**kwargs):
        other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, timeout=0.05, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            probes.append("another writer could begin")
        except sqlite3.OperationalError as exc:
            probes.append("locked" if "locked" in str(exc) else repr(exc))
        finally:
            other.close()
        return real(**kwargs)

    grid_index.current = probing_current
    try:
        services.create_region(actor=admin, code=NEW_GRID, name="新网格", level=Level.GRID,
                               parent_code=tree["comm_a"].code, boundary=CONTESTED)
        with pytest.raises(ValidationError, match="overlaps"):
            services.set_grid_boundary(actor=admin, grid=Region.objects.get(pk=tree["grid_b1"].pk),
                                       boundary=OVERLAPPING)
    finally:
        grid_index.current = real
    assert probes == ["locked", "locked"]
    assert _overlapping_pairs() == []

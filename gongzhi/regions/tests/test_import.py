import copy
import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from gongzhi.audit.models import AuditEvent
from gongzhi.regions import importing, selectors
from gongzhi.regions.models import Level, Region

from .shapes import bowtie, rect, square

SUBDISTRICT = "110105003000"
COMMUNITY = "110105003001"
GRID_1 = "110105003001001"
GRID_2 = "110105003001002"


def feature(code, name, level, parent_code="", community_type="", geometry=None):
    props = {"code": code, "name": name, "level": level, "parent_code": parent_code, "community_type": community_type}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def good_features():
    """A new subdistrict under the `tree` district; children listed before their parents on purpose."""
    return [
        feature(GRID_1, "呼家楼第一网格", "grid", COMMUNITY, geometry=square(116.47, 39.92)),
        feature(GRID_2, "呼家楼第二网格", "grid", COMMUNITY, geometry=square(116.48, 39.92)),  # touches GRID_1
        feature(COMMUNITY, "呼家楼北社区", "community", SUBDISTRICT, "urban", rect(116.47, 39.92, 0.02, 0.01)),
        feature(SUBDISTRICT, "呼家楼街道", "subdistrict", "110105000000"),
    ]


def collection(features):
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def run(data, filename="regions.geojson", **kwargs):
    return importing.import_regions(data, filename=filename, **kwargs)


def state():
    """What an import could have written."""
    return Region.objects.count(), AuditEvent.objects.count()


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "level", "parent_code", "community_type", "boundary_geojson", "wkt"])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


# --- good files ---------------------------------------------------------------

def test_good_geojson_is_imported_and_audited(tree):
    report = run(collection(good_features()))
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    grid = Region.objects.get(code=GRID_1)
    assert grid.level == Level.GRID and grid.parent.code == COMMUNITY
    assert Region.objects.get(code=COMMUNITY).community_type == "urban"
    assert selectors.locate_grid(116.475, 39.925) == grid  # the index sees the import
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("regions.region.create") == 4 and actions.count("regions.import") == 1


def test_good_csv_with_geojson_and_wkt_boundaries(tree):
    data = csv_bytes([
        [SUBDISTRICT, "呼家楼街道", "subdistrict", "110105000000", "", "", ""],
        [COMMUNITY, "呼家楼北社区", "community", SUBDISTRICT, "peri_urban", "", ""],
        [GRID_1, "第一网格", "grid", COMMUNITY, "", json.dumps(square(116.47, 39.92)), ""],
        [GRID_2, "第二网格", "grid", COMMUNITY, "",  "",
         "POLYGON ((116.48 39.92, 116.49 39.92, 116.49 39.93, 116.48 39.93, 116.48 39.92))"],
    ])
    report = run(data, filename="regions.csv")
    assert report.ok, report.problems
    assert report.created == 4
    assert Region.objects.get(code=GRID_2).boundary == {"type": "Polygon", "coordinates": [
        [[116.48, 39.92], [116.49, 39.92], [116.49, 39.93], [116.48, 39.93], [116.48, 39.92]]]}
    assert Region.objects.get(code=COMMUNITY).community_type == "peri_urban"


def test_csv_saved_by_chinese_excel_in_gb18030(tree):
    data = csv_bytes([[SUBDISTRICT, "呼家楼街道", "subdistrict", "110105000000", "", "", ""]], encoding="gb18030")
    report = run(data, filename="regions.csv")
    assert report.ok, report.problems
    assert Region.objects.get(code=SUBDISTRICT).name == "呼家楼街道"


def test_reimport_changes_nothing(tree):
    data = collection(good_features())
    run(data)
    before = state()
    report = run(data)
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert state() == before


def test_existing_codes_are_updated_and_audited(tree):
    run(collection(good_features()))
    features = good_features()
    features[0]["properties"]["name"] = "呼家楼一号网格"
    features[1]["geometry"] = rect(116.48, 39.92, 0.005, 0.01)
    report = run(collection(features))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    assert Region.objects.get(code=GRID_1).name == "呼家楼一号网格"
    event = AuditEvent.objects.filter(action="regions.region.update", object_repr__contains=GRID_1).get()
    assert event.changes["name"] == ["呼家楼第一网格", "呼家楼一号网格"]
    assert "import" in event.reason


def test_existing_grid_can_be_updated_in_place_without_overlapping_itself(tree):
    data = collection([feature("110105001001001", "永安里一网格", "grid", "110105001001",
                               geometry=rect(116.44, 39.90, 0.01, 0.008))])
    report = run(data)
    assert report.ok, report.problems
    assert report.updated == 1


def test_dry_run_writes_nothing(tree):
    before = state()
    report = run(collection(good_features()), dry_run=True)
    assert report.ok and report.dry_run
    assert report.created == 4
    assert state() == before


# --- bad files: every problem is named, nothing is written --------------------

def modified(change):
    features = good_features()
    change(features)
    return collection(features)


def set_prop(index, name, value):
    return lambda fs: fs[index]["properties"].__setitem__(name, value)


def set_geometry(index, geometry):
    return lambda fs: fs[index].__setitem__("geometry", geometry)


BAD_CASES = {
    "malformed json": (b'{"type": "FeatureCollection", "features": [', ("file", "", "Not valid JSON")),
    "not a feature collection": (json.dumps({"type": "Feature"}).encode(), ("file", "type", "FeatureCollection")),
    "unknown level": (modified(set_prop(3, "level", "town")), ("feature 4", "level", "Unknown level 'town'")),
    "code too short": (modified(set_prop(3, "code", "11010500300")), ("feature 4", "code", "12 digits")),
    "code not digits": (modified(set_prop(0, "code", "11010500300100A")), ("feature 1", "code", "15 digits")),
    "code not extending parent": (modified(set_prop(1, "code", "110105004001002")),
                                  ("feature 2", "code", "does not extend its parent's code 110105003001")),
    "unknown parent": (modified(set_prop(3, "parent_code", "110199000000")),
                       ("feature 4", "parent_code", "Parent 110199000000 is neither in this file nor")),
    "parent of the wrong level": (modified(set_prop(2, "parent_code", "110105000000")),
                                  ("feature 3", "parent_code", "a community belongs to a subdistrict")),
    "duplicate code": (modified(lambda fs: fs.append(copy.deepcopy(fs[0]))),
                       ("feature 5", "code", f"Code {GRID_1} appears again (first at feature 1)")),
    "grids overlapping in the file": (modified(set_geometry(1, rect(116.475, 39.92, 0.01, 0.01))),
                                      ("feature 2", "geometry", f"Grid {GRID_2} overlaps grid {GRID_1}")),
    "grid overlapping the database": (modified(set_geometry(0, square(116.445, 39.905))),
                                      ("feature 1", "geometry", f"Grid {GRID_1} overlaps grid 110105001001001")),
    "self-intersecting grid": (modified(set_geometry(0, bowtie(116.47, 39.92))),
                               ("feature 1", "geometry", f"The boundary of {GRID_1} intersects itself")),
    "bad community type": (modified(set_prop(2, "community_type", "suburb")),
                           ("feature 3", "community_type", "Unknown community type 'suburb'")),
    "grid without geometry": (modified(set_geometry(1, None)), ("feature 2", "geometry", "has no boundary")),
    "geometry not a polygon": (modified(set_geometry(1, {"type": "Point", "coordinates": [116.48, 39.92]})),
                               ("feature 2", "geometry", "Polygon or MultiPolygon")),
    "missing name": (modified(set_prop(2, "name", "")), ("feature 3", "name", "name is missing")),
    "district with a parent": (modified(lambda fs: fs.append(feature("110106000000", "丰台区", "district",
                                                                     "110105000000"))),
                               ("feature 5", "parent_code", "A district has no parent")),
    "properties missing": (modified(lambda fs: fs[3].pop("properties")), ("feature 4", "properties", "no properties")),
    "csv missing column": (b"code,name\n110105003000,x\n", ("row 1", "header", "Missing column(s): level")),
    "csv bad wkt": (csv_bytes([[GRID_1, "x", "grid", "110105001001", "", "", "POLYGON ((1 2, 3"]]),
                    ("row 2", "wkt", "Not valid WKT")),
    "csv overlap": (csv_bytes([[GRID_1, "x", "grid", "110105001001", "", json.dumps(square(116.445, 39.905)), ""]]),
                    ("row 2", "boundary_geojson", "overlaps grid 110105001001001")),
}


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_named_and_nothing_is_written(tree, case):
    data, (place, field, text) = BAD_CASES[case]
    filename = "regions.csv" if case.startswith("csv") else "regions.geojson"
    before = state()
    report = run(data, filename=filename)
    assert not report.ok
    assert any(p.place == place and p.field == field and text in p.message for p in report.problems), \
        report.problems
    assert state() == before
    assert (report.created, report.updated) == (0, 0)


def test_every_problem_is_reported_not_just_the_first(tree):
    features = good_features()
    features[0]["geometry"] = bowtie(116.47, 39.92)
    features[2]["properties"]["community_type"] = "suburb"
    features[3]["properties"]["level"] = "town"
    report = run(collection(features))
    assert {(p.place, p.field) for p in report.problems} >= {
        ("feature 1", "geometry"), ("feature 3", "community_type"), ("feature 4", "level")}
    parent_problem = next(p for p in report.problems if p.place == "feature 3" and p.field == "parent_code")
    assert "until its own problems (feature 4)" in parent_problem.message


def test_an_import_cannot_change_a_regions_level(tree):
    report = run(collection([feature("110105001001", "永安里", "subdistrict", "110105000000")]))
    assert any(p.field == "level" and "cannot change its level" in p.message for p in report.problems)


def test_rows_outside_the_actors_area_are_refused(tree, community_admin):
    before = state()
    report = run(collection(good_features()), actor=community_admin)
    assert any(p.place == "feature 4" and "outside your area" in p.message for p in report.problems)
    assert state() == before


def test_actor_needs_the_import_capability(tree, grid_worker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(collection(good_features()), actor=grid_worker)


# --- the command ----------------------------------------------------------------

def test_command_imports_and_reports(tree, tmp_path):
    path = tmp_path / "regions.geojson"
    path.write_bytes(collection(good_features()))
    out = io.StringIO()
    call_command("import_regions", str(path), "--dry-run", stdout=out)
    assert "created: 4" in out.getvalue() and "dry run" in out.getvalue()
    assert not Region.objects.filter(code=SUBDISTRICT).exists()

    call_command("import_regions", str(path), stdout=out)
    assert Region.objects.filter(code__startswith="110105003").count() == 4
    out = io.StringIO()
    call_command("import_regions", str(path), stdout=out)
    assert "unchanged: 4" in out.getvalue()


def test_command_fails_with_the_report(tree, tmp_path):
    path = tmp_path / "regions.geojson"
    path.write_bytes(modified(set_geometry(0, bowtie(116.47, 39.92))))
    err = io.StringIO()
    before = state()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_regions", str(path), stderr=err)
    assert f"feature 1, geometry: The boundary of {GRID_1} intersects itself" in err.getvalue()
    assert state() == before


def test_command_reports_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_regions", str(tmp_path / "nope.geojson"))

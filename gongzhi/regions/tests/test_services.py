import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.regions import services
from gongzhi.regions.models import Level, Region

from .shapes import bowtie, rect, square


def messages(exc_info, field):
    return " ".join(exc_info.value.message_dict[field])


# --- create / update / delete -------------------------------------------------

def test_create_grid_is_audited(tree, admin):
    grid = services.create_region(actor=admin, code="110105001001003", name="第三网格", level=Level.GRID,
                                  parent_code="110105001001", boundary=square(116.46, 39.90), reason="new grid")
    assert grid.parent == tree["comm_a"]
    assert grid.boundary["type"] == "Polygon"
    event = AuditEvent.objects.get(action="regions.region.create", object_id=str(grid.pk))
    assert event.actor == admin
    assert event.region_code == "110105001001003"
    assert event.changes["name"] == [None, "第三网格"]


def test_create_needs_the_change_capability(tree, make_staff):
    worker = make_staff("w", Role.GRID_WORKER, region=tree["comm_a"])
    with pytest.raises(PermissionDenied):
        services.create_region(actor=worker, code="110105001001003", name="x", level=Level.GRID,
                               parent_code="110105001001")
    assert not Region.objects.filter(code="110105001001003").exists()


def test_create_is_limited_to_the_actors_area(tree, community_admin):
    services.create_region(actor=community_admin, code="110105001001003", name="ok", level=Level.GRID,
                           parent_code="110105001001")
    with pytest.raises(PermissionDenied):
        services.create_region(actor=community_admin, code="110105001002003", name="other community",
                               level=Level.GRID, parent_code="110105001002")
    assert not Region.objects.filter(code="110105001002003").exists()


@pytest.mark.parametrize(("code", "level", "parent_code", "field", "text"), [
    ("11010500100100", Level.GRID, "110105001001", "code", "15 digits"),
    ("11010500100100x", Level.GRID, "110105001001", "code", "15 digits"),
    ("110105001002009", Level.GRID, "110105001001", "code", "does not extend"),
    ("110105001000009", Level.GRID, "110105001000", "parent", "must belong to a Community"),
    ("110105001001009", "hamlet", "110105001001", "level", "not a valid choice"),
])
def test_region_clean_rules(tree, admin, code, level, parent_code, field, text):
    with pytest.raises(ValidationError) as exc_info:
        services.create_region(actor=admin, code=code, name="x", level=level, parent_code=parent_code)
    assert text in messages(exc_info, field)
    assert not Region.objects.filter(code=code).exists()


def test_unknown_parent_is_named(tree, admin):
    with pytest.raises(ValidationError) as exc_info:
        services.create_region(actor=admin, code="110105009001", name="x", level=Level.COMMUNITY,
                               parent_code="110105009000")
    assert "110105009000" in messages(exc_info, "parent")


def test_update_records_only_real_changes(tree, admin):
    grid = tree["grid_a1"]
    services.update_region(actor=admin, region=grid, name=grid.name)
    assert not AuditEvent.objects.filter(action="regions.region.update").exists()
    services.update_region(actor=admin, region=grid, name="新名字", reason="renamed")
    event = AuditEvent.objects.get(action="regions.region.update")
    assert event.changes == {"name": [grid.name, "新名字"]}
    assert event.reason == "renamed"
    grid.refresh_from_db()
    assert grid.name == "新名字"


def test_community_is_renamed_from_its_parents_area(tree, community_admin):
    with pytest.raises(PermissionDenied):
        services.update_region(actor=community_admin, region=tree["comm_a"], name="改名")


def test_delete_refuses_a_region_with_children(tree, admin):
    with pytest.raises(ValidationError, match="sub-regions"):
        services.delete_region(actor=admin, region=tree["comm_a"])
    assert Region.objects.filter(pk=tree["comm_a"].pk).exists()
    assert not AuditEvent.objects.filter(action="regions.region.delete").exists()


def test_delete_refuses_a_grid_still_used_by_a_user(tree, admin, grid_worker):
    with pytest.raises(ValidationError, match="still used by"):
        services.delete_region(actor=admin, region=tree["grid_a1"])
    assert Region.objects.filter(pk=tree["grid_a1"].pk).exists()
    assert not AuditEvent.objects.filter(action="regions.region.delete").exists()


def test_delete_is_audited(tree, admin):
    pk = tree["grid_b1"].pk
    services.delete_region(actor=admin, region=tree["grid_b1"], reason="merged")
    assert not Region.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="regions.region.delete")
    assert event.object_id == str(pk) and event.reason == "merged"


# --- boundary validation ------------------------------------------------------

def test_self_intersection_names_the_grid(tree, admin):
    with pytest.raises(ValidationError) as exc_info:
        services.set_grid_boundary(actor=admin, grid=tree["grid_a1"], boundary=bowtie(116.44, 39.90))
    text = messages(exc_info, "boundary")
    assert "110105001001001" in text and "intersects itself" in text and "116.445" in text
    tree["grid_a1"].refresh_from_db()
    assert tree["grid_a1"].boundary == square(116.44, 39.90)


def test_overlap_names_both_grids(tree, admin):
    # Grid A1 stretched east by half a grid runs into grid A2.
    with pytest.raises(ValidationError) as exc_info:
        services.set_grid_boundary(actor=admin, grid=tree["grid_a1"], boundary=rect(116.44, 39.90, 0.015, 0.01))
    text = messages(exc_info, "boundary")
    assert "110105001001001" in text and "110105001001002" in text and "overlaps" in text
    assert "110105001002001" not in text  # B1 only touches the north edge


def test_overlap_with_a_new_grid_is_refused(tree, admin):
    with pytest.raises(ValidationError) as exc_info:
        services.create_region(actor=admin, code="110105001002002", name="x", level=Level.GRID,
                               parent_code="110105001002", boundary=square(116.445, 39.915))
    text = messages(exc_info, "boundary")
    assert "110105001002002" in text and "110105001002001" in text
    assert not Region.objects.filter(code="110105001002002").exists()


def test_touching_edges_are_fine(tree, admin):
    # A new grid east of A2 shares A2's east edge and nothing else.
    services.create_region(actor=admin, code="110105001001003", name="x", level=Level.GRID,
                           parent_code="110105001001", boundary=square(116.46, 39.90))
    # Shrinking A1 keeps its shared corner with B1 and A2.
    services.set_grid_boundary(actor=admin, grid=tree["grid_a1"], boundary=rect(116.44, 39.90, 0.01, 0.005))


def test_a_sliver_below_the_tolerance_is_not_an_overlap(tree, admin):
    # 1e-9° of longitude is about 0.1 mm: digitising noise on a shared edge.
    services.set_grid_boundary(actor=admin, grid=tree["grid_a1"],
                               boundary=rect(116.44, 39.90, 0.01 + 1e-9, 0.01))


@pytest.mark.parametrize(("boundary", "text"), [
    ({"type": "Point", "coordinates": [116.4, 39.9]}, "Polygon or MultiPolygon"),
    ("not json", "not valid JSON"),
    ({"type": "Polygon", "coordinates": [[[116.44, 39.90], [116.45, 39.90], [116.45, 39.91]]]}, "at least 4"),
    ({"type": "Polygon", "coordinates": [[[116.44, 39.90], [116.45, 39.90], [116.45, 39.91], [116.44, 39.91]]]},
     "not closed"),
    (rect(39.90, 116.44, 0.01, 0.01), "swapped"),
    ({"type": "Polygon", "coordinates": [[["a", 39.90], [116.45, 39.90], [116.45, 39.91], ["a", 39.90]]]},
     "not [longitude, latitude]"),
    ({"type": "Polygon", "coordinates": [[[116.44, 39.90], [116.45, 39.90], [116.44, 39.90], [116.44, 39.90]]]},
     "three distinct corners"),
    ({"type": "Polygon", "coordinates": [square(116.44, 39.90)["coordinates"][0],
                                         square(116.50, 39.90, 0.001)["coordinates"][0]]}, "hole outside"),
])
def test_malformed_boundaries_are_refused_with_the_grid_code(tree, admin, boundary, text):
    with pytest.raises(ValidationError) as exc_info:
        services.set_grid_boundary(actor=admin, grid=tree["grid_a1"], boundary=boundary)
    assert text in messages(exc_info, "boundary")
    assert "110105001001001" in messages(exc_info, "boundary")


def test_multipolygon_boundary_is_accepted(tree, admin):
    multi = {"type": "MultiPolygon", "coordinates": [square(116.47, 39.90)["coordinates"],
                                                     square(116.49, 39.90)["coordinates"]]}
    grid = services.set_grid_boundary(actor=admin, grid=tree["grid_a2"], boundary=multi)
    assert grid.boundary["type"] == "MultiPolygon"


def test_boundary_of_a_non_grid_is_not_checked_for_grid_overlap(tree, admin):
    community = services.update_region(actor=admin, region=tree["comm_a"], boundary=rect(116.44, 39.90, 0.02, 0.01))
    assert community.boundary is not None

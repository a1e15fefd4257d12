import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.roles import Role
from gongzhi.regions import selectors
from gongzhi.regions.models import Level, Region


def codes(qs):
    return [r.code for r in qs]


def test_subtree_is_a_code_prefix_query(tree):
    with CaptureQueriesContext(connection) as ctx:
        result = codes(selectors.subtree(tree["street"]))
    assert len(ctx.captured_queries) == 1  # one indexed prefix query, no walk
    assert "LIKE" in ctx.captured_queries[0]["sql"].upper()
    assert result == ["110105001000", "110105001001", "110105001001001", "110105001001002", "110105001002",
                      "110105001002001"]


def test_subtree_of_a_community_and_without_self(tree):
    assert codes(selectors.subtree(tree["comm_a"], include_self=False)) == ["110105001001001", "110105001001002"]
    assert codes(selectors.subtree(tree["grid_b1"])) == ["110105001002001"]


def test_descendants_by_prefix_excludes_neighbours(tree):
    Region.objects.create(code="110106000000", name="丰台区", level=Level.DISTRICT)
    assert "110106000000" not in codes(selectors.descendants("110105"))
    assert codes(selectors.descendants("110105001002")) == ["110105001002", "110105001002001"]


def test_regions_for_is_scoped_to_the_grid_of_a_grid_worker(tree, grid_worker):
    assert codes(selectors.regions_for(grid_worker)) == ["110105001001001"]


def test_regions_for_filters(tree, make_staff):
    staff = make_staff("staff", Role.DISPATCHER, region=tree["street"])
    assert codes(selectors.regions_for(staff, level=Level.GRID)) == [
        "110105001001001", "110105001001002", "110105001002001"]
    assert codes(selectors.regions_for(staff, parent_code="110105001001")) == ["110105001001001", "110105001001002"]
    assert codes(selectors.regions_for(staff, q="光华")) == ["110105001002", "110105001002001"]
    assert codes(selectors.regions_for(staff, q="110105001001")) == [
        "110105001001", "110105001001001", "110105001001002"]
    assert "110105000000" not in codes(selectors.regions_for(staff))  # the district is above the street


def test_residents_may_not_browse_regions(tree, make_staff):
    with pytest.raises(PermissionDenied):
        selectors.regions_for(make_staff("resident", Role.RESIDENT, region=tree["comm_a"]))

"""Issue 15, items 1, 7 and 9 through HTTP: maps name and outline the places and open on the user's
area; tiles come only from a configured host; the phone layout's profile page, labelled cells and the
visit opened with its household; photos grouped by purpose."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.cases import services
from gongzhi.cases.models import AttachmentPurpose, CaseState
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import CareTag, Household, HouseholdMember, HouseholdVisit, Person, Relation
from gongzhi.settings import _tile_layers, _tile_origin
from gongzhi.web import mapdata

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def data_block(html: str, block_id: str):
    match = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, block_id
    return json.loads(match.group(1))


# --- item 1: maps ------------------------------------------------------------

def test_outlines_name_communities_and_grids_and_draw_a_community_from_its_grids(world):
    tree = world.tree
    tree["grid_a1"].name = "永安里社区第1网格"
    tree["grid_a1"].save()
    features = mapdata.outlines("")["features"]
    by_code = {f["properties"]["code"]: f for f in features}
    community = by_code[tree["comm_a"].code]
    assert community["properties"] == {"level": "community", "code": tree["comm_a"].code, "name": "永安里社区"}
    # No stored boundary: the union of grids A1 and A2, one outline spanning both.
    ring = community["geometry"]["coordinates"][0]
    lons = [p[0] for p in ring]
    assert min(lons) == pytest.approx(116.44) and max(lons) == pytest.approx(116.46)
    assert by_code[tree["grid_a1"].code]["properties"]["place"] == "永安里社区第1网格"
    assert by_code[tree["grid_a2"].code]["properties"]["place"] == "永安里社区 · 永安里第二网格"
    assert {f["properties"]["level"] for f in features} == {"community", "grid"}


def test_each_role_opens_the_map_on_its_own_area(world):
    u, tree = world.users, world.tree
    assert mapdata.focus(u.grid_a1) == tree["grid_a1"].code
    assert mapdata.focus(u.comm_a_staff) == "110105001001"
    assert mapdata.focus(u.dispatcher) == "110105001"
    assert mapdata.focus(u.cg_clerk) == "110105"  # the unit's jurisdiction
    assert mapdata.focus(u.resident) == ""  # no registered community: everything
    u.resident.region = tree["comm_b"]
    assert mapdata.focus(u.resident) == "110105001002"


def test_the_pages_embed_outlines_and_the_users_focus(world, signed_in):
    html = signed_in(world.users.grid_a1).get("/grid/map/").content.decode()
    assert f'data-focus="{world.tree["grid_a1"].code}"' in html
    codes = {f["properties"]["code"] for f in data_block(html, "map-outlines")["features"]}
    assert codes == {world.tree["comm_a"].code, world.tree["grid_a1"].code, world.tree["grid_a2"].code}
    html = signed_in(world.users.resident, "zh-hans").get("/r/new/").content.decode()
    assert 'data-template-place="已标点：{place}"' in html
    assert len(data_block(html, "map-outlines")["features"]) == 5  # two communities, three grids


def test_the_density_legend_and_the_map_use_the_same_classes(world, signed_in, new_case):
    from django.utils import timezone

    for _ in range(3):
        new_case(at=timezone.now())
    html = signed_in(world.users.leader, "zh-hans").get("/dashboard/").content.decode()
    density = data_block(html, "density-data")["features"]
    assert [(f["properties"]["count"], f["properties"]["shade"]) for f in density] == [(3, 6)]
    legend = re.search(r'<ul class="legend" id="density-legend".*?</ul>', html, re.S).group(0)
    assert "无工单" in legend and "3 件工单" in legend and 'data-shade="6"' in legend


def test_density_classes_are_equal_width_and_cover_every_count():
    assert mapdata.density_classes(0) == []
    assert mapdata.density_classes(1) == [{"low": 1, "high": 1, "shade": 6}]
    classes = mapdata.density_classes(10)
    assert [(c["low"], c["high"]) for c in classes] == [(1, 1), (2, 3), (4, 5), (6, 6), (7, 8), (9, 10)]
    assert [c["shade"] for c in classes] == [1, 2, 3, 4, 5, 6]
    assert all(mapdata.shade_of(n, classes) for n in range(1, 11)) and mapdata.shade_of(0, classes) == 0


def test_no_tiles_by_default_and_the_policy_admits_only_a_configured_host(world, signed_in, settings):
    assert settings.MAP_TILE_LAYERS == []
    response = signed_in(world.users.grid_a1).get("/grid/map/")
    assert data_block(response.content.decode(), "map-tiles") == []
    img_src = re.search(r"img-src ([^;]*)", response["Content-Security-Policy"]).group(1)
    assert img_src.split() == ["'self'", "data:", "blob:"]

    assert _tile_layers("", "", "abc", "") == []
    intranet = _tile_layers("https://tiles.gov.example.cn/{z}/{x}/{y}.png", "区测绘院", "abc", "KEY")
    assert intranet == [{"url": "https://tiles.gov.example.cn/{z}/{x}/{y}.png", "attribution": "区测绘院",
                         "subdomains": "abc"}]  # the intranet server wins over 天地图
    tianditu = _tile_layers("", "", "abc", "0123abcd")
    assert [layer["url"].split("/")[3] for layer in tianditu] == ["vec_w", "cva_w"]
    assert all(layer["url"].endswith("&tk=0123abcd") and layer["subdomains"] == "01234567" for layer in tianditu)
    assert {o for layer in tianditu for o in _tile_origin(layer["url"])} == {"https://*.tianditu.gov.cn"}


# --- item 7: the phone layout ------------------------------------------------------

def test_the_language_is_chosen_on_the_profile_page(world, signed_in):
    client = signed_in(world.users.comm_a_staff, "zh-hans")
    home = client.get("/console/cases/").content.decode()
    assert 'id="lang-select"' not in home and 'href="/me/"' in home
    profile = client.get("/me/").content.decode()
    assert 'id="lang-select"' in profile and "永安里社区" in profile and "永安里社区居委会" in profile
    assert 'id="lang-select"' in client.__class__().get("/login/").content.decode()  # signed out: in the header


def test_stacked_cells_keep_their_labels_and_rows_have_one_link(world, signed_in, new_case):
    case = new_case()
    html = signed_in(world.users.resident, "zh-hans").get("/r/").content.decode()
    row = re.search(rf'<tr data-case="{case.pk}">.*?</tr>', html, re.S).group(0)
    assert 'data-label="类别"' in row and 'data-label="状态"' in row
    assert row.count('class="row-link"') == 1


@pytest.fixture
def due_visit(world):
    grid = world.tree["grid_a1"]
    head = Person.objects.create(name="王秀英", grid=grid)
    household = Household.objects.create(grid=grid, head=head, external_id="H-001")
    HouseholdMember.objects.create(household=household, person=head, relation=Relation.HEAD)
    Household.objects.create(grid=grid, head=Person.objects.create(name="李四", grid=grid), external_id="H-002")
    registry_services.tag_person(actor=world.users.grid_a1, person=head,
                                 tag=CareTag.objects.get(code="elderly_alone"), since=dt.date(2025, 1, 6))
    return household


def test_the_visit_opens_from_the_visits_due_with_the_household_chosen(world, signed_in, due_visit):
    client = signed_in(world.users.grid_a1)
    tasks = client.get("/grid/").content.decode()
    link = f"/grid/visit/?person={due_visit.head_id}"
    assert link in tasks
    form = client.get(link).content.decode()
    assert "王秀英" in form and "李四" not in form and 'name="household"' in form and "<select" not in form
    response = client.post(link, {"household": due_visit.pk, "visited_at": "2025-09-15T10:00", "notes": "身体尚可"})
    assert response.status_code == 302 and HouseholdVisit.objects.get().household == due_visit


def test_a_visit_without_a_household_of_my_grid_is_not_opened(world, signed_in, due_visit):
    client = signed_in(world.users.grid_a1)
    assert client.get("/grid/visit/")["Location"] == "/grid/#visits-due"
    assert client.get("/grid/visit/?person=abc")["Location"] == "/grid/#visits-due"
    other = Household.objects.create(grid=world.tree["grid_b1"], external_id="H-B")
    assert client.get(f"/grid/visit/?household={other.pk}")["Location"] == "/grid/#visits-due"
    response = client.post("/grid/visit/", {"household": other.pk, "visited_at": "2025-09-15T10:00"})
    assert response["Location"] == "/grid/#visits-due" and not HouseholdVisit.objects.exists()


# --- item 9: photos ----------------------------------------------------------------

def test_the_residents_photos_and_the_result_photos_are_shown_apart(world, signed_in, case_in):
    case = case_in(CaseState.IN_PROGRESS)
    services.add_attachment(case=case, actor=world.users.resident, content=png_bytes(), name="a.png")
    services.add_attachment(case=case, actor=world.users.cg_clerk, purpose=AttachmentPurpose.REPLY,
                            content=SimpleUploadedFile("r.png", png_bytes((0, 0, 200)), "image/png"))
    for user, url in ((world.users.resident, f"/r/cases/{case.pk}/"), (world.users.cg_clerk, f"/console/cases/{case.pk}/")):
        html = signed_in(user, "zh-hans").get(url).content.decode()
        groups = re.findall(r'<section class="photo-group" data-purpose="(\w+)">\s*<h3>([^<]*)', html)
        assert [(p, t.strip()) for p, t in groups] == [("report", "反映问题的照片"), ("reply", "办理结果照片")]
        assert "web/js/photo-viewer.js" in html and 'data-close="返回"' in html

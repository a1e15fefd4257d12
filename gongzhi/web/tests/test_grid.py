"""The grid worker's pages: tasks, map, patrol report creating a case, visit, masked look-up."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState
from gongzhi.registry.models import Household, HouseholdVisit, Patrol, Person

from .conftest import POINT_A1, POINT_B1, png_bytes


@pytest.fixture
def household(world):
    grid = world.tree["grid_a1"]
    head = Person.objects.create(name="王秀英", grid=grid, id_number="110105195001011234", phone="13812345678")
    return Household.objects.create(grid=grid, head=head, external_id="H-001")


@pytest.mark.django_db
def test_tasks_show_the_cases_of_my_unit_in_my_grid(world, signed_in, new_case):
    case = services.dispatch_case(case=new_case(), actor=world.users.dispatcher, unit=world.units.comm_a)
    other = new_case(point=POINT_B1)
    html = signed_in(world.users.grid_a1).get("/grid/").content.decode()
    assert f'data-case="{case.pk}"' in html and f'data-case="{other.pk}"' not in html
    assert f"/grid/cases/{case.pk}/" in html


@pytest.mark.django_db
def test_grid_worker_acknowledges_from_the_mobile_case_page(world, signed_in, new_case):
    case = services.dispatch_case(case=new_case(), actor=world.users.dispatcher, unit=world.units.comm_a)
    client = signed_in(world.users.grid_a1)
    assert 'data-action="acknowledge"' in client.get(f"/grid/cases/{case.pk}/").content.decode()
    client.post(f"/grid/cases/{case.pk}/", {"action": "acknowledge", "version": case.version})
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS


@pytest.mark.django_db
def test_map_of_my_grid_has_its_outline_and_open_cases(world, signed_in, new_case):
    case = new_case()
    html = signed_in(world.users.grid_a1).get("/grid/map/").content.decode()
    assert "永安里第一网格" in html and f"#{case.pk} " in html and 'id="map-points"' in html


@pytest.mark.django_db
def test_patrol_report_creates_a_case_with_photo_and_a_patrol(world, signed_in):
    client = signed_in(world.users.grid_a1)
    response = client.post("/grid/patrol/", {
        "category": "0205", "title": "垃圾堆放", "description": "楼下垃圾三天未清运。", "urgency": "urgent",
        "lon": POINT_A1[0], "lat": POINT_A1[1], "photos": [SimpleUploadedFile("p.png", png_bytes(), "image/png")]})
    case = Case.objects.get()
    assert response["Location"] == f"/grid/cases/{case.pk}/"
    assert case.channel == "grid_patrol" and case.urgency == "urgent" and case.created_by == world.users.grid_a1
    assert case.attachments.count() == 1
    assert Patrol.objects.get().problems.get().description == "垃圾堆放"


@pytest.mark.django_db
def test_patrol_report_outside_my_grid_is_refused_and_keeps_the_input(world, signed_in):
    html = signed_in(world.users.grid_a1).post("/grid/patrol/", {
        "category": "0205", "title": "垃圾堆放", "description": "楼下垃圾三天未清运。", "urgency": "normal",
        "lon": POINT_B1[0], "lat": POINT_B1[1]}).content.decode()
    assert "垃圾堆放" in html and "楼下垃圾三天未清运。" in html
    assert 'class="errors"' in html
    assert not Case.objects.exists() and not Patrol.objects.exists()


@pytest.mark.django_db
def test_household_visit(world, signed_in, household):
    client = signed_in(world.users.grid_a1)
    html = client.post("/grid/visit/", {"household": household.pk, "visited_at": "2025-09-15T10:00",
                                        "follow_up_needed": "on", "notes": "老人独居"}).content.decode()
    assert "Say what needs to be followed up." in html and "老人独居" in html
    assert not HouseholdVisit.objects.exists()
    response = client.post("/grid/visit/", {"household": household.pk, "visited_at": "2025-09-15T10:00",
                                            "notes": "老人独居，身体尚可"})
    assert response.status_code == 302
    assert HouseholdVisit.objects.get().household == household


@pytest.mark.django_db
def test_lookup_shows_personal_numbers_masked(world, signed_in, household):
    html = signed_in(world.users.grid_a1).get("/grid/lookup/", {"q": "王秀英"}).content.decode()
    assert "王秀英" in html
    assert "110105195001011234" not in html and "13812345678" not in html
    assert "138****5678" in html


@pytest.mark.django_db
def test_lookup_of_another_grid_finds_nothing(world, signed_in, household):
    html = signed_in(world.users.grid_b1).get("/grid/lookup/", {"q": "王秀英"}).content.decode()
    assert "Nobody found." in html

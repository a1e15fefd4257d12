"""The registry admin is a face like the others (#13.2) and names nothing outside the area (#11.2).

Its add and change forms print no name or address of a person, dwelling or
household outside the user's area, whatever ids the query string carries; its
saves and deletes go through the services, so they leave the services' audit
events, and what a service refuses comes back as the form's errors.
"""

import json

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.registry import services
from gongzhi.registry.models import (
    Building,
    Compound,
    Dwelling,
    Entrance,
    Household,
    HouseholdMember,
    HouseholdVisit,
    Person,
    Relation,
)

from .conftest import id_number_for

pytestmark = pytest.mark.django_db


def management(prefix, rows=()):
    """Inline formset data: ``rows`` are dicts of a new row's fields."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def outside(tree, make_person):
    """A household of grid B1, its head and its dwelling, with names and an address to look for."""
    dwelling = Dwelling(grid=tree["grid_b1"], room="1203", street_address="光华路9号")
    dwelling.refresh_address_text()
    dwelling.save()
    head = make_person(tree["grid_b1"], name="欧阳秘密")
    household = Household.objects.create(grid=tree["grid_b1"], dwelling=dwelling, head=head)
    return {"dwelling": dwelling, "head": head, "household": household}


# --- #11.2: the add forms of the issue ------------------------------------------------------


def assert_names_nothing(body, outside):
    for text in ("欧阳秘密", "光华路9号", "1203", "光华里"):
        assert text not in body, text


def test_household_add_form_names_no_head_or_dwelling_outside_the_grid(client, staff, outside):
    client.force_login(staff["worker_a1"])
    response = client.get("/admin/registry/household/add/",
                          {"head": outside["head"].pk, "dwelling": outside["dwelling"].pk})
    assert response.status_code == 200
    assert_names_nothing(response.content.decode(), outside)
    form = response.context["adminform"].form
    assert "head" not in form.initial and "dwelling" not in form.initial  # ids from outside are dropped


def test_visit_add_form_names_no_household_outside_the_grid(client, staff, outside):
    client.force_login(staff["worker_a1"])
    response = client.get("/admin/registry/householdvisit/add/",
                          {"household": outside["household"].pk, "dwelling": outside["dwelling"].pk,
                           "persons": str(outside["head"].pk)})
    assert response.status_code == 200
    assert_names_nothing(response.content.decode(), outside)


def test_add_form_still_names_what_lies_inside_the_grid(client, staff, tree, place, make_person):
    inside = make_person(tree["grid_a1"], name="李内部")
    client.force_login(staff["worker_a1"])
    response = client.get("/admin/registry/household/add/", {"head": inside.pk, "dwelling": place["dwelling"].pk})
    body = response.content.decode()
    assert "李内部" in body and place["dwelling"].address_text in body


def test_raw_id_label_of_a_row_refering_outside_names_nothing(client, staff, tree, outside, make_person):
    """A household of A1 whose head was set (by a bug or an old import) to a person of B1."""
    household = Household.objects.create(grid=tree["grid_a1"], head=outside["head"], dwelling=outside["dwelling"])
    client.force_login(staff["worker_a1"])
    response = client.get(f"/admin/registry/household/{household.pk}/change/")
    assert response.status_code == 200
    assert_names_nothing(response.content.decode().replace(str(household), ""), outside)


def test_inline_raw_id_labels_are_scoped(client, staff, tree, outside):
    household = Household.objects.create(grid=tree["grid_a1"])
    HouseholdMember.objects.create(household=household, person=outside["head"], relation=Relation.SPOUSE)
    client.force_login(staff["worker_a1"])
    body = client.get(f"/admin/registry/household/{household.pk}/change/").content.decode()
    assert "欧阳秘密" not in body.replace(str(HouseholdMember.objects.get(household=household)), "")


def test_autocomplete_answers_only_rows_of_the_area(client, staff, tree, outside, make_person):
    make_person(tree["grid_a1"], name="欧阳内部")
    client.force_login(staff["worker_a1"])
    response = client.get("/admin/autocomplete/", {"app_label": "registry", "model_name": "household",
                                                   "field_name": "head", "term": "欧阳"})
    assert response.status_code == 200
    names = [item["text"] for item in json.loads(response.content)["results"]]
    assert names == ["欧阳内部"]


# --- #13.2: saves and deletes through the services ------------------------------------------


def test_admin_places_leave_the_services_audit_events(client, staff, tree):
    client.force_login(staff["worker_a1"])
    grid = tree["grid_a1"].pk
    response = client.post("/admin/registry/compound/add/", {"name": "安和小区", "kind": "compound", "grid": grid,
                                                             "street_address": "安和路1号", "external_id": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    compound = Compound.objects.get(name="安和小区")
    response = client.post("/admin/registry/building/add/", {
        "compound": compound.pk, "number": "5", "grid": grid, "name": "", "floors": "6", "external_id": "",
        **management("entrances", [{"number": "1"}])})
    assert response.status_code == 302, response.content.decode()[:3000]
    building = Building.objects.get(compound=compound)
    entrance = Entrance.objects.get(building=building)
    response = client.post("/admin/registry/dwelling/add/", {
        "grid": grid, "compound": compound.pk, "building": building.pk, "entrance": entrance.pk, "room": "302",
        "floor": "3", "street_address": "", "floor_area": "70", "use": "owner_occupied", "external_id": "",
        "note": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    dwelling = Dwelling.objects.get(room="302")
    assert dwelling.address_text == "安和小区 5号楼 1单元 302室"
    response = client.post(f"/admin/registry/compound/{compound.pk}/change/", {
        "name": "安和新村", "kind": "compound", "grid": grid, "street_address": "安和路1号", "external_id": ""})
    assert response.status_code == 302
    dwelling.refresh_from_db()
    assert dwelling.address_text.startswith("安和新村")  # the service refreshes the printed addresses
    assert actions() == ["registry.compound.create", "registry.building.create", "registry.entrance.create",
                         "registry.dwelling.create", "registry.compound.update"]
    assert set(AuditEvent.objects.values_list("reason", flat=True)) <= {"", "admin"}


def test_admin_persons_and_households_leave_the_services_audit_events(client, staff, tree, place):
    client.force_login(staff["worker_a1"])
    number = id_number_for()
    response = client.post("/admin/registry/person/add/", {
        "name": "王五", "id_type": "resident_id", "new_id_number": number, "new_phone": "13900001111",
        "gender": "", "birth_date": "", "residence_type": "registered", "status": "active",
        "grid": tree["grid_a1"].pk, "dwelling": place["dwelling"].pk, "dwelling_role": "owner",
        "external_id": "", "note": "", **management("tag_links"), **management("residences")})
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(name="王五")
    assert person.birth_date is not None and person.residences.count() == 1  # derived and moved in by the service
    response = client.post("/admin/registry/household/add/", {
        "grid": tree["grid_a1"].pk, "dwelling": place["dwelling"].pk, "head": person.pk, "external_id": "H-1",
        "note": "", **management("members")})
    assert response.status_code == 302, response.content.decode()[:3000]
    household = Household.objects.get(external_id="H-1")
    assert household.members.get().relation == Relation.HEAD
    response = client.post(f"/admin/registry/household/{household.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Household.objects.filter(pk=household.pk).exists()
    assert actions() == ["registry.person.create", "registry.household.create", "registry.household.delete"]
    event = AuditEvent.objects.get(action="registry.person.create")
    assert number not in json.dumps(event.changes, ensure_ascii=False)


def test_admin_visit_is_recorded_by_the_service(client, staff, tree, make_person):
    head = make_person(tree["grid_a1"], name="赵六")
    household = services.create_household(actor=staff["admin"], head=head)
    before = AuditEvent.objects.count()
    client.force_login(staff["worker_a1"])
    response = client.post("/admin/registry/householdvisit/add/", {
        "household": household.pk, "dwelling": "", "persons": "", "visited_at_0": "2026-01-05",
        "visited_at_1": "10:00:00", "longitude": "", "latitude": "", "notes": "一切正常",
        "follow_up_needed": "", "follow_up_note": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = HouseholdVisit.objects.get()
    assert visit.visitor == staff["worker_a1"] and visit.grid == tree["grid_a1"]
    assert list(visit.persons.all()) == [head]  # the service's default: the household's members
    assert actions()[before:] == ["registry.visit.create"]


def test_service_refusals_are_form_errors_and_nothing_is_written(client, staff, tree, place, make_person):
    client.force_login(staff["worker_a1"])
    other = Building.objects.create(number="9", grid=tree["grid_a1"])
    response = client.post("/admin/registry/dwelling/add/", {
        "grid": tree["grid_a1"].pk, "compound": "", "building": other.pk, "entrance": place["entrance"].pk,
        "room": "101", "floor": "", "street_address": "x路1号", "floor_area": "", "use": "owner_occupied",
        "external_id": "", "note": ""})
    assert response.status_code == 200
    assert "The entrance belongs to another building." in response.content.decode()
    assert not Dwelling.objects.filter(room="101").exists()
    # a second head, added through the inline: the service refuses, nothing of the household is kept
    taken = make_person(tree["grid_a1"], name="孙七")
    head = make_person(tree["grid_a1"], name="周八")
    before = AuditEvent.objects.count()
    response = client.post("/admin/registry/household/add/", {
        "grid": tree["grid_a1"].pk, "dwelling": "", "head": head.pk, "external_id": "H-2", "note": "",
        **management("members", [{"person": taken.pk, "relation": "head"}])})
    assert response.status_code == 200
    assert "The household already has a head." in response.content.decode()
    assert not Household.objects.filter(external_id="H-2").exists()
    assert AuditEvent.objects.count() == before


def test_a_duplicate_id_number_is_refused_on_the_new_id_number_field(client, staff, tree, make_person):
    number = id_number_for()
    make_person(tree["grid_a1"], name="甲", id_number=number)
    client.force_login(staff["worker_a1"])
    response = client.post("/admin/registry/person/add/", {
        "name": "乙", "id_type": "resident_id", "new_id_number": number, "new_phone": "", "gender": "",
        "birth_date": "", "residence_type": "registered", "status": "active", "grid": tree["grid_a1"].pk,
        "dwelling": "", "dwelling_role": "", "external_id": "", "note": "",
        **management("tag_links"), **management("residences")})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_id_number"] == [
        "A person with this ID number is already registered."]
    assert not Person.objects.filter(name="乙").exists()


def test_a_refused_delete_of_an_inline_row_is_a_form_error(client, staff, tree, place):
    """An entrance that a dwelling still refers to: refused, the form again, nothing deleted or audited."""
    client.force_login(staff["admin"])
    entrance = place["entrance"]
    response = client.post(f"/admin/registry/building/{place['building'].pk}/change/", {
        "compound": place["compound"].pk, "number": "3", "grid": tree["grid_a1"].pk, "name": "", "floors": "",
        "external_id": "", "entrances-TOTAL_FORMS": "1", "entrances-INITIAL_FORMS": "1",
        "entrances-MIN_NUM_FORMS": "0", "entrances-MAX_NUM_FORMS": "1000", "entrances-0-id": entrance.pk,
        "entrances-0-building": place["building"].pk, "entrances-0-number": "2", "entrances-0-DELETE": "on"})
    assert response.status_code == 200  # the form again, with the refusal
    assert "protected" in response.content.decode()
    assert Entrance.objects.filter(pk=entrance.pk).exists()
    assert not AuditEvent.objects.filter(action="registry.entrance.delete").exists()


def test_services_refuse_outside_the_area_through_the_admin_too(client, staff, tree, outside):
    client.force_login(staff["worker_a1"])
    response = client.post("/admin/registry/household/add/", {
        "grid": tree["grid_a1"].pk, "dwelling": "", "head": outside["head"].pk, "external_id": "H-3", "note": "",
        **management("members")})
    assert response.status_code == 200
    assert not Household.objects.filter(external_id="H-3").exists()
    assert "欧阳秘密" not in response.content.decode()


# --- the services the admin needed: area, capability, audit ----------------------------------


def test_the_new_update_services_refuse_rows_outside_the_area(staff, tree):
    from django.core.exceptions import PermissionDenied

    from .scoping_factories import FACTORIES

    worker = staff["worker_a1"]
    b1 = tree["grid_b1"]
    attempts = [
        lambda: services.update_building(actor=worker, building=FACTORIES[Building](b1, 1), name="x"),
        lambda: services.update_entrance(actor=worker, entrance=FACTORIES[Entrance](b1, 2), number="9"),
        lambda: services.update_household(actor=worker, household=FACTORIES[Household](b1, 3), note="x"),
        lambda: services.update_visit(actor=worker, visit=FACTORIES[HouseholdVisit](b1, 4), notes="x"),
        lambda: services.delete_record(actor=worker, obj=FACTORIES[Compound](b1, 5)),
        lambda: services.delete_record(actor=worker, obj=FACTORIES[HouseholdMember](b1, 6)),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert not AuditEvent.objects.exists()


def test_moving_a_household_into_another_grid_is_refused(staff, tree):
    from django.core.exceptions import PermissionDenied

    household = Household.objects.create(grid=tree["grid_a1"])
    with pytest.raises(PermissionDenied):
        services.update_household(actor=staff["worker_a1"], household=household, grid=tree["grid_b1"])
    household.refresh_from_db()
    assert household.grid == tree["grid_a1"]


def test_a_new_head_becomes_the_head_member(staff, tree, make_person):
    old, new = make_person(tree["grid_a1"], name="老户主"), make_person(tree["grid_a1"], name="新户主")
    household = services.create_household(actor=staff["worker_a1"], head=old)
    services.update_household(actor=staff["worker_a1"], household=household, head=new, reason="户主变更")
    relations = dict(household.members.values_list("person__name", "relation"))
    assert relations == {"老户主": Relation.OTHER, "新户主": Relation.HEAD}
    event = AuditEvent.objects.get(action="registry.household.update")
    assert event.changes == {"head_id": [old.pk, new.pk]} and event.reason == "户主变更"


def test_admin_care_tag_inline_and_list_go_through_the_services(client, staff, tree, make_person):
    from gongzhi.registry.models import CareTag, PersonCareTag

    person = make_person(tree["grid_a1"], name="钱九")
    tag = CareTag.objects.filter(sensitivity="normal").first()
    client.force_login(staff["worker_a1"])
    response = client.post(f"/admin/registry/person/{person.pk}/change/", {
        "name": "钱九", "id_type": "resident_id", "new_id_number": "", "new_phone": "", "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "residence_type": person.residence_type, "status": person.status, "grid": tree["grid_a1"].pk,
        "external_id": "", "note": "", **management("tag_links", [{"tag": tag.pk, "since": "2026-01-05",
                                                                     "note": ""}]),
        **management("residences")})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PersonCareTag.objects.get(person=person).tag == tag
    assert actions() == ["registry.person.tag"]
    client.force_login(staff["admin"])
    response = client.post("/admin/registry/caretag/", {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "form-0-id": tag.pk, "form-0-position": "42", "_save": "Save"}, follow=True)
    assert response.status_code == 200
    tag.refresh_from_db()
    assert tag.position == 42
    assert AuditEvent.objects.filter(action="registry.care_tag.save", object_id=str(tag.pk)).exists()


def test_admin_patrol_is_recorded_by_the_service(client, staff, tree):
    from gongzhi.registry.models import Patrol

    client.force_login(staff["worker_a1"])
    response = client.post("/admin/registry/patrol/add/", {
        "grid": tree["grid_a1"].pk, "started_at_0": "2026-01-05", "started_at_1": "09:00:00", "ended_at_0": "",
        "ended_at_1": "", "route": "[[116.441, 39.901], [116.442, 39.902]]", "notes": "",
        **management("problems", [{"description": "井盖缺失", "category": "", "found_at_0": "2026-01-05",
                                   "found_at_1": "09:10:00", "longitude": "", "latitude": "",
                                   "resolved_on_the_spot": ""}])})
    assert response.status_code == 302, response.content.decode()[:3000]
    patrol = Patrol.objects.get()
    assert patrol.patroller == staff["worker_a1"] and patrol.problems.count() == 1
    assert actions() == ["registry.patrol.create", "registry.patrol.problem"]


def test_admin_changes_of_organisations_dwellings_and_members_go_through_the_services(
        client, staff, tree, place, make_person):
    from gongzhi.registry.models import Organisation

    client.force_login(staff["community_a"])
    org_form = {"name": "永安里物业", "kind": "property_company", "credit_code": "", "legal_representative": "",
                "contact_name": "", "new_contact_phone": "137-0000-1111", "address": "", "longitude": "",
                "latitude": "", "grid": tree["grid_a1"].pk, "dwelling": "", "external_id": "", "note": ""}
    response = client.post("/admin/registry/organisation/add/", org_form)
    assert response.status_code == 302, response.content.decode()[:3000]
    org = Organisation.objects.get()
    assert org.contact_phone == "13700001111"  # normalised by the service
    response = client.post(f"/admin/registry/organisation/{org.pk}/change/", {
        **org_form, "new_contact_phone": "", "longitude": "116.44"})
    assert response.status_code == 200  # longitude without latitude: the service's rule
    assert "Give both longitude and latitude, or neither." in response.content.decode()
    dwelling = place["dwelling"]
    response = client.post(f"/admin/registry/dwelling/{dwelling.pk}/change/", {
        "grid": tree["grid_a1"].pk, "compound": place["compound"].pk, "building": place["building"].pk,
        "entrance": place["entrance"].pk, "room": "502", "floor": "5", "street_address": "", "floor_area": "86.50",
        "use": "owner_occupied", "external_id": "", "note": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    dwelling.refresh_from_db()
    assert dwelling.address_text.endswith("502室")
    head, spouse = make_person(tree["grid_a1"], name="户主甲"), make_person(tree["grid_a1"], name="配偶乙")
    household = services.create_household(actor=staff["community_a"], head=head)
    member = household.members.get()
    response = client.post(f"/admin/registry/household/{household.pk}/change/", {
        "grid": tree["grid_a1"].pk, "dwelling": "", "head": head.pk, "external_id": "", "note": "",
        "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "1", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000", "members-0-id": member.pk, "members-0-household": household.pk,
        "members-0-person": head.pk, "members-0-relation": "head", "members-1-person": spouse.pk,
        "members-1-relation": "spouse"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert dict(household.members.values_list("person__name", "relation")) == {"户主甲": "head", "配偶乙": "spouse"}
    assert actions()[-4:] == ["registry.organisation.create", "registry.dwelling.update",
                              "registry.household.create", "registry.household.add_member"]

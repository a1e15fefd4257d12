"""/api/v1/registry/: scoped, masked, reveal with reason."""

import json

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.registry import services
from gongzhi.registry.models import CareTag, DwellingRole, Person

SAMPLE_ID = "11010519491231002X"
PHONE = "13812345678"
BASE = "/api/v1/registry"


@pytest.fixture
def zhang(staff, tree, place):
    return services.create_person(actor=staff["worker_a1"], name="张三", id_number=SAMPLE_ID, phone=PHONE,
                                  dwelling=place["dwelling"], dwelling_role=DwellingRole.OWNER)


def _client(client, user):
    client.force_login(user)
    return client


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_person_list_and_detail_are_masked(client, staff, zhang):
    c = _client(client, staff["community_a"])
    listing = c.get(f"{BASE}/persons?q=zs")
    detail = c.get(f"{BASE}/persons/{zhang.pk}")
    for response in (listing, detail):
        assert response.status_code == 200
        body = response.content.decode()
        assert SAMPLE_ID not in body and PHONE not in body
    item = listing.json()["items"][0]
    assert (item["id_number_masked"], item["phone_masked"]) == ("1101**********002X", "138****5678")
    assert item["dwelling_address"] == "永安里小区 3号楼 2单元 501室"
    assert detail.json()["residences"][0]["role"] == "owner"
    assert "id_number" not in item and "phone" not in item


def test_exact_lookup_by_id_number_or_phone_is_a_post(client, staff, zhang):
    c = _client(client, staff["worker_a1"])
    assert [p["name"] for p in _post(c, f"{BASE}/persons/lookup", {"id_number": SAMPLE_ID.lower()}).json()] == [
        "张三"]
    assert len(_post(c, f"{BASE}/persons/lookup", {"phone": "+86 138-1234-5678"}).json()) == 1
    assert _post(c, f"{BASE}/persons/lookup", {"phone": "13800000000"}).json() == []
    assert _post(c, f"{BASE}/persons/lookup", {}).status_code == 422
    # In a URL they would end up in access logs: refused.
    for value in (SAMPLE_ID, PHONE):
        response = c.get(f"{BASE}/persons", {"q": value})
        assert response.status_code == 422 and "lookup" in response.json()["detail"]
    assert c.get(f"{BASE}/persons", {"q": "zs"}).json()["count"] == 1


def test_grid_worker_sees_only_own_grid(client, staff, tree, zhang, make_person):
    other = make_person(tree["grid_b1"], name="李四")
    c = _client(client, staff["worker_b1"])
    assert [p["name"] for p in c.get(f"{BASE}/persons").json()["items"]] == ["李四"]
    assert c.get(f"{BASE}/persons/{zhang.pk}").status_code == 404
    assert c.get(f"{BASE}/persons", {"grid": tree["grid_a1"].code}).status_code == 404
    assert _post(c, f"{BASE}/persons/{zhang.pk}/reveal", {"field": "phone", "reason": "x"}).status_code == 404
    assert other.pk


def test_reveal_through_the_api(client, staff, zhang):
    worker = _client(client, staff["worker_a1"])
    assert _post(worker, f"{BASE}/persons/{zhang.pk}/reveal",
                 {"field": "id_number", "reason": "核实身份"}).status_code == 403
    client.logout()
    c = _client(client, staff["community_a"])
    missing_reason = _post(c, f"{BASE}/persons/{zhang.pk}/reveal", {"field": "id_number", "reason": ""})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.json()["errors"]
    response = _post(c, f"{BASE}/persons/{zhang.pk}/reveal", {"field": "id_number", "reason": "办理低保审核"})
    assert response.json() == {"field": "id_number", "value": SAMPLE_ID}
    event = AuditEvent.objects.get(action="registry.person.reveal")
    assert event.reason == "办理低保审核" and SAMPLE_ID not in json.dumps(event.changes)


def test_create_person_with_a_bad_id_number_names_the_field(client, staff, tree):
    c = _client(client, staff["worker_a1"])
    response = _post(c, f"{BASE}/persons", {"name": "王五", "grid": tree["grid_a1"].code,
                                            "id_number": "110105194912310021"})
    assert response.status_code == 422
    assert "id_number" in response.json()["errors"]
    assert "110105194912310021" not in response.content.decode()
    assert not Person.objects.exists()


def test_create_and_change_through_the_api(client, staff, tree):
    c = _client(client, staff["worker_a1"])
    compound = _post(c, f"{BASE}/compounds", {"name": "永安里小区", "grid": tree["grid_a1"].code})
    assert compound.status_code == 201
    building = _post(c, f"{BASE}/buildings", {"number": "3", "compound_id": compound.json()["id"]}).json()
    entrance = _post(c, f"{BASE}/entrances", {"building_id": building["id"], "number": "2"}).json()
    dwelling = _post(c, f"{BASE}/dwellings", {"entrance_id": entrance["id"], "room": "501", "floor_area": "86.5"})
    assert dwelling.status_code == 201, dwelling.content
    assert dwelling.json()["address"] == "永安里小区 3号楼 2单元 501室"
    person = _post(c, f"{BASE}/persons", {"name": "赵六", "dwelling_id": dwelling.json()["id"],
                                          "dwelling_role": "tenant", "id_number": SAMPLE_ID, "phone": PHONE})
    assert person.status_code == 201, person.content
    assert person.json()["gender"] == "F" and person.json()["grid"]["code"] == tree["grid_a1"].code
    changed = c.patch(f"{BASE}/persons/{person.json()['id']}", data=json.dumps({"phone": "13900001111"}),
                      content_type="application/json")
    assert changed.json()["phone_masked"] == "139****1111"
    household = _post(c, f"{BASE}/households", {"head_id": person.json()["id"],
                                                "dwelling_id": dwelling.json()["id"]})
    assert household.status_code == 201 and household.json()["members"][0]["relation"] == "head"
    visit = _post(c, f"{BASE}/visits", {"household_id": household.json()["id"], "notes": "一切正常"})
    assert visit.status_code == 201
    assert c.get(f"{BASE}/coverage").json()[0]["share"] == 1.0
    patrol = _post(c, f"{BASE}/patrols", {"grid": tree["grid_a1"].code, "route": [[116.441, 39.901]],
                                          "problems": [{"description": "路灯不亮"}]})
    assert patrol.status_code == 201 and patrol.json()["problems"][0]["description"] == "路灯不亮"
    org = _post(c, f"{BASE}/organisations", {"name": "永安里物业", "kind": "property_company",
                                             "grid": tree["grid_a1"].code, "credit_code": "91350100M000100Y43",
                                             "contact_phone": "13700001111"})
    assert org.status_code == 201 and org.json()["contact_phone_masked"] == "137****1111"
    assert "13700001111" not in c.get(f"{BASE}/organisations").content.decode()


def test_sensitive_tags_do_not_leak_through_the_api(client, staff, zhang):
    services.tag_person(actor=staff["community_a"], person=zhang, tag=CareTag.objects.get(code="key_person"))
    worker = _client(client, staff["worker_a1"])
    assert worker.get(f"{BASE}/persons/{zhang.pk}").json()["care_tags"] == []
    assert "key_person" not in [t["code"] for t in worker.get(f"{BASE}/care-tags").json()]
    assert worker.get(f"{BASE}/persons", {"tag": "key_person"}).status_code == 403
    client.logout()
    community = _client(client, staff["community_a"])
    assert community.get(f"{BASE}/persons/{zhang.pk}").json()["care_tags"] == ["key_person"]


def test_anonymous_callers_are_refused(client):
    assert client.get(f"{BASE}/persons").status_code == 401


def test_import_templates_and_import_through_the_api(client, staff, tree):
    from .sheets import csv_bytes, person_values

    c = _client(client, staff["community_a"])
    template = c.get(f"{BASE}/import-templates/registry.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert c.get(f"{BASE}/import-templates/persons.csv").content.decode("utf-8-sig").startswith("人员编号,姓名")
    assert c.get(f"{BASE}/import-templates/nope.csv").status_code == 404

    good = csv_bytes("persons", [person_values(1, grid=tree["grid_a1"].code)])
    bad = csv_bytes("persons", [{**person_values(2, grid=tree["grid_a1"].code), "证件号码": "110105194912310021"}])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = c.post(f"{BASE}/imports", {"file": SimpleUploadedFile("bad.csv", bad), "dry_run": "false"})
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False and (body["errors"][0]["row"], body["errors"][0]["column"]) == (2, "证件号码")
    assert "110105194912310021" not in response.content.decode()
    response = c.post(f"{BASE}/imports", {"file": SimpleUploadedFile("good.csv", good), "dry_run": "true"})
    assert response.json()["counts"]["persons"]["created"] == 1 and not Person.objects.exists()
    response = c.post(f"{BASE}/imports", {"file": SimpleUploadedFile("good.csv", good)})
    assert response.status_code == 200 and Person.objects.count() == 1
    client.logout()
    worker = _client(client, staff["worker_a1"])
    assert worker.post(f"{BASE}/imports", {"file": SimpleUploadedFile("good.csv", good)}).status_code == 403


def test_overdue_visits_through_the_api(client, staff, zhang):
    import datetime as dt

    services.tag_person(actor=staff["worker_a1"], person=zhang, tag=CareTag.objects.get(code="elderly_alone"),
                        since=dt.date(2024, 1, 2))
    c = _client(client, staff["worker_a1"])
    body = c.get(f"{BASE}/overdue-visits").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["person"]["name"] == "张三" and item["tag"] == "elderly_alone" and item["last_visit"] is None
    assert SAMPLE_ID not in json.dumps(body)

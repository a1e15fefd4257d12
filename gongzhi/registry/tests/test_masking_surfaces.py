"""Masking on every surface: exports and admin (API: test_api.py); reveal is audited."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.registry import services
from gongzhi.registry.exporting import export_persons
from gongzhi.registry.models import DwellingRole, Organisation, Person

SAMPLE_ID = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def zhang(staff, place):
    return services.create_person(actor=staff["worker_a1"], name="张三", id_number=SAMPLE_ID, phone=PHONE,
                                  dwelling=place["dwelling"], dwelling_role=DwellingRole.OWNER)


def _cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_is_masked_and_logged(staff, zhang, tree, make_person):
    make_person(tree["grid_b1"], name="外区居民")
    content, count = export_persons(actor=staff["community_a"])
    assert count == 1
    rows = _cells(content)
    assert rows[0][:4] == ["人员编号", "姓名", "证件类型", "证件号码"]
    assert rows[1][1:4] == ["张三", "居民身份证", "1101**********002X"]
    assert "138****5678" in rows[1]
    assert SAMPLE_ID.encode() not in content and PHONE.encode() not in content
    event = AuditEvent.objects.get(action="registry.person.export")
    assert event.changes == {"rows": 1, "masked": True}


def test_export_with_clear_values_needs_reveal_and_reason(staff, zhang):
    with pytest.raises(PermissionDenied):
        export_persons(actor=staff["leader"], reveal=True, reason="统计核对")
    with pytest.raises(ValidationError):
        export_persons(actor=staff["community_a"], reveal=True, reason="")
    content, _count = export_persons(actor=staff["community_a"], reveal=True, reason="民政局核对低保名单")
    assert _cells(content)[1][3] == SAMPLE_ID
    event = AuditEvent.objects.get(action="registry.person.export_revealed")
    assert event.reason == "民政局核对低保名单" and event.changes["masked"] is False


def test_grid_workers_cannot_export(staff, zhang):
    with pytest.raises(PermissionDenied):
        export_persons(actor=staff["worker_a1"])


def test_export_through_the_api_is_masked(client, staff, zhang):
    client.force_login(staff["community_a"])
    response = client.get("/api/v1/registry/exports/persons.xlsx")
    assert response.status_code == 200
    assert SAMPLE_ID.encode() not in response.content
    assert _cells(response.content)[1][3] == "1101**********002X"


def test_admin_list_and_change_form_show_masked_values(client, staff, zhang):
    client.force_login(staff["community_a"])
    listing = client.get("/admin/registry/person/")
    change = client.get(f"/admin/registry/person/{zhang.pk}/change/")
    for response in (listing, change):
        assert response.status_code == 200
        html = response.content.decode()
        assert SAMPLE_ID not in html and PHONE not in html
        assert "1101**********002X" in html and "138****5678" in html
    assert "reveal" in change.content.decode()


def test_admin_lookup_by_id_number_is_a_post_through_the_blind_index(client, staff, zhang):
    client.force_login(staff["community_a"])
    response = client.post("/admin/registry/person/lookup/", {"value": SAMPLE_ID.lower()})
    assert response.status_code == 302 and response["Location"].endswith(f"/person/{zhang.pk}/change/")
    response = client.post("/admin/registry/person/lookup/", {"value": "13900000000"}, follow=True)
    assert "Nobody in your area" in response.content.decode()
    # The search box (a GET, logged with its URL) refuses ID numbers and does not search by them.
    response = client.get("/admin/registry/person/", {"q": SAMPLE_ID})
    assert response.context["cl"].result_count == 0 and "lookup form" in response.content.decode()
    assert client.get("/admin/registry/person/", {"q": "zs"}).context["cl"].result_count == 1


def test_admin_reveal_asks_a_reason_and_is_audited(client, staff, zhang):
    client.force_login(staff["community_a"])
    url = f"/admin/registry/person/{zhang.pk}/reveal/"
    assert SAMPLE_ID not in client.get(url).content.decode()
    assert SAMPLE_ID not in client.post(url, {"field": "id_number", "reason": ""}).content.decode()
    assert not AuditEvent.objects.filter(action="registry.person.reveal").exists()
    response = client.post(url, {"field": "id_number", "reason": "核对高龄津贴"})
    assert SAMPLE_ID in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.get(action="registry.person.reveal").reason == "核对高龄津贴"


def test_grid_workers_cannot_reveal_in_the_admin(client, staff, zhang):
    client.force_login(staff["worker_a1"])
    assert client.get(f"/admin/registry/person/{zhang.pk}/change/").status_code == 200
    assert client.post(f"/admin/registry/person/{zhang.pk}/reveal/",
                       {"field": "id_number", "reason": "看看"}).status_code == 403
    assert "reveal" not in client.get(f"/admin/registry/person/{zhang.pk}/change/").content.decode()


def test_admin_sees_only_own_area(client, staff, zhang):
    client.force_login(staff["worker_b1"])
    assert "张三" not in client.get("/admin/registry/person/").content.decode()
    assert client.get(f"/admin/registry/person/{zhang.pk}/change/").status_code in (302, 403, 404)


def test_admin_change_of_the_phone_is_saved_encrypted_and_audited_masked(client, staff, zhang):
    client.force_login(staff["community_a"])
    url = f"/admin/registry/person/{zhang.pk}/change/"
    form = {"name": "张三", "grid": zhang.grid_id, "residence_type": "registered", "status": "active",
            "id_type": "resident_id", "new_id_number": "", "new_phone": "139 8765 4321", "external_id": "",
            "note": "", "tag_links-TOTAL_FORMS": "0", "tag_links-INITIAL_FORMS": "0",
            "residences-TOTAL_FORMS": "1", "residences-INITIAL_FORMS": "1",
            "residences-0-id": zhang.residences.get().pk, "residences-0-person": zhang.pk}
    response = client.post(url, form)
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.phone == "13987654321" and zhang.id_number == SAMPLE_ID  # empty field kept the ID number
    event = AuditEvent.objects.filter(action="registry.person.update").latest("id")
    assert "13987654321" not in str(event.changes) and "139****4321" in str(event.changes)


def test_admin_add_refuses_a_bad_id_number_naming_the_field(client, staff, tree):
    client.force_login(staff["community_a"])
    response = client.post("/admin/registry/person/add/", {
        "name": "王五", "grid": tree["grid_a1"].pk, "residence_type": "registered", "status": "active",
        "id_type": "resident_id", "new_id_number": "110105194912310021", "new_phone": "", "external_id": "",
        "note": "", "dwelling_role": "", "tag_links-TOTAL_FORMS": "0", "tag_links-INITIAL_FORMS": "0",
        "residences-TOTAL_FORMS": "0", "residences-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not Person.objects.exists()


def test_admin_organisation_contact_phone_is_masked(client, staff, tree):
    org = services.create_organisation(actor=staff["community_a"], name="永安里物业", kind="property_company",
                                       grid=tree["grid_a1"], contact_phone="13700001111")
    client.force_login(staff["community_a"])
    for url in ("/admin/registry/organisation/", f"/admin/registry/organisation/{org.pk}/change/"):
        html = client.get(url).content.decode()
        assert "13700001111" not in html and "137****1111" in html
    assert Organisation.objects.get().contact_phone == "13700001111"


def test_admin_import_page_reports_rows(client, staff, tree):
    from .sheets import csv_bytes, person_values

    client.force_login(staff["community_a"])
    data = csv_bytes("persons", [{**person_values(1, grid=tree["grid_a1"].code), "证件号码": "110105194912310021"}])
    upload = io.BytesIO(data)
    upload.name = "persons.csv"
    response = client.post("/admin/registry/person/import/", {"file": upload, "dry_run": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "证件号码" in html and "check character" in html
    assert "110105194912310021" not in html
    assert client.get("/admin/registry/person/import-template/").status_code == 200

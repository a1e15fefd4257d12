"""Import of organisations (组织机构): checked credit codes, all or nothing, idempotent."""

import io

from django.db import connection
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.core import crypto
from gongzhi.core.ids import credit_check_char
from gongzhi.registry.importing import import_registry
from gongzhi.registry.models import Dwelling, Organisation, OrganisationKind
from gongzhi.registry.spreadsheets import template_workbook

from .sheets import csv_bytes, xlsx_bytes

GRID_A1 = "110105001001001"
GRID_B1 = "110105001002001"


def credit_code(n: int) -> str:
    first17 = f"91110105{n:09d}"
    return first17 + credit_check_char(first17)


def _organisations():
    return [
        {"单位名称": "永安里物业服务有限公司", "单位类型": "物业企业", "统一社会信用代码": credit_code(1),
         "法定代表人": "王五", "联系人": "李经理", "联系电话": "010-6500 1234", "房屋编号": "D-1"},
        {"单位编号": "ORG-2", "单位名称": "永安里社区业主委员会", "单位类型": "业委会", "网格编码": GRID_A1,
         "经度": "116.4460", "纬度": "39.9080"},
        {"单位名称": "建外小卖部", "单位类型": "商户", "统一社会信用代码": credit_code(3).lower(), "网格编码": GRID_A1,
         "地址": "建国路8号", "备注": "个体"},
    ]


def _workbook(organisations=None):
    dwellings = [{"房屋编号": "D-1", "网格编码": GRID_A1, "门牌地址": "建国门外大街22号", "用途": "商用"}]
    return xlsx_bytes({"dwellings": dwellings, "organisations": organisations or _organisations()})


def _table(name="registry_organisation"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name} ORDER BY id")
        return cursor.fetchall()


def test_organisations_are_imported_with_their_premises(staff, tree):
    report = import_registry(actor=staff["community_a"], data=_workbook(), filename="orgs.xlsx")
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts()["organisations"] == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    company = Organisation.objects.get(credit_code=credit_code(1))
    assert company.kind == OrganisationKind.PROPERTY_COMPANY and company.legal_representative == "王五"
    assert company.dwelling == Dwelling.objects.get(external_id="D-1") and company.grid.code == GRID_A1
    assert company.contact_phone == "01065001234"  # normalised, and stored encrypted
    assert "01065001234" not in str(_table())
    committee = Organisation.objects.get(external_id="ORG-2")
    assert committee.kind == OrganisationKind.OWNERS_COMMITTEE and committee.credit_code == ""
    assert (committee.longitude, committee.latitude) == (116.446, 39.908)
    shop = Organisation.objects.get(name="建外小卖部")
    assert shop.credit_code == credit_code(3) and shop.kind == OrganisationKind.MERCHANT  # upper-cased
    event = AuditEvent.objects.get(action="registry.import")
    assert event.changes["organisations"]["created"] == 3


def test_a_bad_credit_code_writes_nothing_and_names_the_row(staff, tree):
    organisations = _organisations()
    good = credit_code(3)
    organisations[2]["统一社会信用代码"] = good[:17] + ("0" if good[17] != "0" else "1")
    report = import_registry(actor=staff["community_a"], data=_workbook(organisations), filename="orgs.xlsx")
    assert not report.ok
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("组织机构", 4, "统一社会信用代码")]
    assert "check character" in report.errors[0].message
    assert "row 4" in str(report.errors[0])
    # Nothing of the workbook was written, not even the valid dwelling sheet.
    assert not Organisation.objects.exists() and not Dwelling.objects.exists()
    assert not AuditEvent.objects.filter(action="registry.import").exists()


def test_every_bad_cell_is_reported(staff, tree):
    rows = [
        {"单位名称": "", "单位类型": "外星组织", "统一社会信用代码": "91110105ABC", "网格编码": GRID_A1},
        {"单位名称": "无编号单位", "单位类型": "其他", "网格编码": GRID_A1, "经度": "116.4"},
        {"单位名称": "外区单位", "单位类型": "其他", "单位编号": "X-1", "网格编码": GRID_B1, "联系电话": "12"},
        {"单位名称": "重复", "单位类型": "商户", "单位编号": "X-1", "房屋编号": "NOPE"},
    ]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("organisations", rows), filename="o.csv")
    assert {(e.row, e.column) for e in report.errors} == {
        (2, "单位名称"), (2, "单位类型"), (2, "统一社会信用代码"), (3, "统一社会信用代码"), (3, "经度"),
        (4, "网格编码"), (4, "联系电话"), (5, "单位编号"), (5, "房屋编号")}
    assert not Organisation.objects.exists()


def test_importing_the_same_file_again_changes_nothing(staff, tree):
    data = _workbook()
    assert import_registry(actor=staff["community_a"], data=data, filename="orgs.xlsx").ok
    before, events = _table(), AuditEvent.objects.count()
    report = import_registry(actor=staff["community_a"], data=data, filename="orgs.xlsx")
    assert report.ok and report.counts()["organisations"] == {"rows": 3, "created": 0, "updated": 0,
                                                                "unchanged": 3}
    assert _table() == before and AuditEvent.objects.count() == events


def test_a_registered_organisation_is_matched_by_credit_code_or_number(staff, tree):
    assert import_registry(actor=staff["community_a"], data=_workbook(), filename="orgs.xlsx").ok
    rows = [
        {"单位名称": "永安里物业", "单位类型": "物业", "统一社会信用代码": credit_code(1), "网格编码": GRID_A1,
         "单位编号": "ORG-1"},
        {"单位编号": "ORG-2", "单位名称": "永安里社区业主委员会", "单位类型": "业委会", "网格编码": GRID_A1,
         "统一社会信用代码": credit_code(2)},
    ]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("organisations", rows), filename="o.csv")
    assert report.ok and report.counts()["organisations"] == {"rows": 2, "created": 0, "updated": 2, "unchanged": 0}
    company = Organisation.objects.get(credit_code=credit_code(1))
    assert (company.name, company.external_id, company.dwelling_id) == ("永安里物业", "ORG-1", None)
    assert Organisation.objects.get(external_id="ORG-2").credit_code == credit_code(2)
    assert Organisation.objects.count() == 3

    # The number of one and the credit code of another: refused.
    rows = [{"单位编号": "ORG-2", "单位名称": "x", "单位类型": "其他", "统一社会信用代码": credit_code(1),
             "网格编码": GRID_A1}]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("organisations", rows), filename="o.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "单位编号")]


def test_an_organisation_of_another_area_is_not_touched(staff, tree):
    Organisation.objects.create(name="外区物业", kind="property_company", grid=tree["grid_b1"],
                                credit_code=credit_code(7))
    rows = [{"单位名称": "改名", "单位类型": "物业企业", "统一社会信用代码": credit_code(7), "网格编码": GRID_A1}]
    report = import_registry(actor=staff["community_a"], data=csv_bytes("organisations", rows), filename="o.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
    assert Organisation.objects.get().name == "外区物业"


def test_templates_hold_the_organisation_sheet(client, staff):
    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert "组织机构" in workbook.sheetnames
    assert [c.value for c in workbook["组织机构"][1]][:4] == ["单位编号", "单位名称", "单位类型", "统一社会信用代码"]
    client.force_login(staff["community_a"])
    response = client.get("/api/v1/registry/import-templates/organisations.csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("单位编号,单位名称,单位类型,统一社会信用代码")
    # A CSV with these headers is recognised as organisations without being told.
    data = csv_bytes("organisations", [{"单位名称": "社区志愿者协会", "单位类型": "社会组织", "单位编号": "ORG-9",
                                        "网格编码": GRID_A1}])
    report = import_registry(actor=staff["community_a"], data=data, filename="any.csv")
    assert report.ok and Organisation.objects.get().kind == OrganisationKind.SOCIAL_ORGANISATION
    assert crypto.mask_phone(Organisation.objects.get().contact_phone) == ""

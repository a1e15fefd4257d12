"""The dwelling's exclusive area (专有部分面积) and villagers' groups (村民小组): written, imported, refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongzhi.registry import services
from gongzhi.registry.importing import import_registry
from gongzhi.registry.models import Compound, Dwelling

from .sheets import xlsx_bytes

GRID_A1 = "110105001001001"


def test_a_dwelling_keeps_its_exclusive_area_apart_from_its_floor_area(staff, place):
    dwelling = services.create_dwelling(actor=staff["worker_a1"], compound=place["compound"], room="601",
                                        floor_area=Decimal("98.20"), exclusive_area=Decimal("81.35"))
    dwelling.refresh_from_db()
    assert dwelling.floor_area == Decimal("98.20") and dwelling.exclusive_area == Decimal("81.35")
    services.update_dwelling(actor=staff["worker_a1"], dwelling=dwelling, exclusive_area=Decimal("80.00"))
    assert Dwelling.objects.get(pk=dwelling.pk).exclusive_area == Decimal("80.00")


def test_a_negative_exclusive_area_is_refused(staff, place):
    with pytest.raises(ValidationError) as caught:
        services.update_dwelling(actor=staff["worker_a1"], dwelling=place["dwelling"], exclusive_area=Decimal("-1"))
    assert "exclusive_area" in caught.value.message_dict
    assert Dwelling.objects.get(pk=place["dwelling"].pk).exclusive_area is None


def test_the_import_reads_the_exclusive_area_and_names_a_bad_cell(staff, tree):
    good = xlsx_bytes({"dwellings": [{"房屋编号": "D-9", "网格编码": GRID_A1, "小区": "永安里小区", "楼栋": "1",
                                      "房号": "101", "建筑面积": "90", "专有部分面积": "75.25"}]})
    assert import_registry(actor=staff["community_a"], data=good, filename="d.xlsx").ok
    assert Dwelling.objects.get(external_id="D-9").exclusive_area == Decimal("75.25")
    bad = xlsx_bytes({"dwellings": [{"房屋编号": "D-10", "网格编码": GRID_A1, "小区": "永安里小区",
                                     "房号": "102", "专有部分面积": "七十"}]})
    report = import_registry(actor=staff["community_a"], data=bad, filename="d.xlsx")
    assert not report.ok
    assert any("exclusive area" in str(error) for error in report.errors)
    assert not Dwelling.objects.filter(external_id="D-10").exists()


def test_a_household_belongs_to_a_villagers_group_and_nothing_else(staff, tree, make_person, place):
    group = Compound.objects.create(name="张家村三组", kind=Compound.Kind.VILLAGE_GROUP, grid=tree["grid_a1"])
    head = make_person(tree["grid_a1"])
    household = services.create_household(actor=staff["worker_a1"], head=head, grid=tree["grid_a1"],
                                          villager_group=group)
    assert list(group.households.all()) == [household]
    with pytest.raises(ValidationError) as caught:
        services.update_household(actor=staff["worker_a1"], household=household, villager_group=place["compound"])
    assert "villager_group" in caught.value.message_dict
    household.refresh_from_db()
    assert household.villager_group == group

"""Models: printed addresses, encryption at rest, pinyin, constraints."""

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from gongzhi.core import crypto
from gongzhi.registry.models import Dwelling, Person
from gongzhi.registry.names import name_pinyin


def test_dwelling_prints_a_chinese_address(place):
    dwelling = Dwelling.objects.select_related("grid__parent__parent__parent", "compound", "building",
                                               "entrance").get(pk=place["dwelling"].pk)
    assert dwelling.full_address() == "朝阳区建外街道永安里社区 永安里小区 3号楼 2单元 501室"
    assert dwelling.address_text == "永安里小区 3号楼 2单元 501室"


def test_dwelling_outside_a_compound_prints_its_street_address(tree):
    dwelling = Dwelling(grid=tree["grid_b1"], street_address="光华路8号", room="底商")
    assert dwelling.full_address() == "朝阳区建外街道光华里社区 光华路8号 底商"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_personal_fields_are_stored_encrypted(tree, make_person):
    person = make_person(tree["grid_a1"], id_number="11010519491231002X", phone="13812345678")
    raw_id, raw_phone = _raw("registry_person", "id_number", person.pk), _raw("registry_person", "phone", person.pk)
    assert raw_id.startswith("gz1:") and "11010519491231002X" not in raw_id
    assert raw_phone.startswith("gz1:") and "13812345678" not in raw_phone
    reloaded = Person.objects.get(pk=person.pk)
    assert (reloaded.id_number, reloaded.phone) == ("11010519491231002X", "13812345678")
    assert (reloaded.id_number_masked, reloaded.phone_masked) == ("1101**********002X", "138****5678")


def test_empty_personal_field_is_null(tree, make_person):
    person = make_person(tree["grid_a1"], phone="")
    assert _raw("registry_person", "phone", person.pk) is None
    assert Person.objects.get(pk=person.pk).phone == ""
    assert Person.objects.filter(phone__isnull=True).count() == 1


def test_ciphertext_cannot_be_searched(tree, make_person):
    make_person(tree["grid_a1"], id_number="11010519491231002X")
    with pytest.raises(FieldError):
        Person.objects.filter(id_number="11010519491231002X").count()
    index = crypto.blind_index("id_number", "11010519491231002x")
    assert Person.objects.filter(id_number_index=index).count() == 1


def test_the_same_id_number_cannot_be_registered_twice(tree, make_person):
    make_person(tree["grid_a1"], id_number="11010519491231002X")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_person(tree["grid_b1"], name="李四", id_number="11010519491231002x")


def test_name_pinyin():
    assert name_pinyin("张三") == ("zhangsan", "zs")
    assert name_pinyin("单田芳") == ("shantianfang", "stf")  # surname reading, not dān
    assert name_pinyin("Tom Li") == ("tomli", "tl")

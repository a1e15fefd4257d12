"""The audit trail records that a personal field changed, never its value."""

import pytest

from gongzhi.audit.services import diff, snapshot
from gongzhi.registry.models import Person

ID_NUMBER = "11010519491231002X"


@pytest.mark.django_db
def test_diff_masks_encrypted_fields_on_create_and_update():
    person = Person(name="张三", id_number=ID_NUMBER, phone="13812345678")
    created = diff(person, None)
    assert created["id_number"] == [None, "1101**********002X"]
    assert created["phone"] == [None, "138****5678"]

    before = snapshot(person)
    person.phone = "13900001111"
    changed = diff(person, before)
    assert changed["phone"] == ["138****5678", "139****1111"]
    assert "13812345678" not in repr(changed) and "13900001111" not in repr(changed)
    assert changed.keys() == {"phone"}

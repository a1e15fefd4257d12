"""What cases declare to the privacy holders registry finds a caller's contacts and a resident's cases."""

from gongzhi.cases.models import Case, CaseContact
from gongzhi.core.crypto import blind_index
from gongzhi.privacy import holders


def _found(subject):
    return {f.model: sorted(r.pk for r in f.rows) for f in holders.find_all(subject) if f.holder.app_label == "cases"}


def test_a_caller_is_found_by_phone_and_a_resident_by_account(world, new_case):
    called = new_case(reporter=world.users.dispatcher)
    contact = CaseContact.objects.create(case=called, name="王五", phone="13812345678",
                                         phone_index=blind_index("phone", "13812345678"))
    other = new_case(reporter=world.users.dispatcher)
    CaseContact.objects.create(case=other, name="赵六", phone="13900000000",
                               phone_index=blind_index("phone", "13900000000"))
    reported = new_case(reporter=world.users.resident)

    assert _found(holders.Subject(phone="138 1234 5678")) == {CaseContact: [contact.pk], Case: [called.pk]}
    assert _found(holders.Subject(user_id=world.users.resident.pk)) == {Case: [reported.pk]}
    assert _found(holders.Subject(user_id=world.users.neighbour.pk)) == {}

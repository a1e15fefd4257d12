"""A deletion request carried out through the holders: what may go goes, what the law keeps is kept, figures stay."""

import pytest

from gongzhi.accounts.models import PhoneCode, User
from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Callback, Case, CaseContact, CaseEvent
from gongzhi.core.crypto import blind_index
from gongzhi.privacy import holders, services
from gongzhi.privacy.models import RequestState
from gongzhi.registry.models import Person

PHONE = "13812345678"


@pytest.mark.django_db
def test_a_deletion_request_erases_where_the_law_allows(world, case_in, new_case):
    u = world.users
    resident = u.resident
    resident.phone, resident.display_name = PHONE, "王五"
    resident.save()
    PhoneCode.objects.create(phone_index=blind_index("phone", PHONE), code_hash="x" * 64,
                             expires_at=resident.date_joined)
    closed = case_in("closed")  # reported by the resident, called back
    Callback.objects.filter(case=closed).update(comment="谢谢，我的电话13812345678")
    called = new_case(reporter=u.dispatcher)
    CaseContact.objects.create(case=called, name="王五", phone=PHONE, phone_index=blind_index("phone", PHONE))
    person = Person(name="王五", phone=PHONE, grid=world.tree["grid_a1"])
    person.refresh_derived()
    person.save()
    other = new_case(reporter=u.neighbour)
    events_before = list(CaseEvent.objects.order_by("pk").values_list("pk", "action", "solved", "satisfaction"))

    request = services.file_request(actor=resident, kind="deletion", details="请删除我的个人信息")
    assert request.owner == u.admin and request.subject_user == resident
    with pytest.raises(Exception):
        services.erase_for_request(actor=u.dispatcher, request=request)  # not theirs to handle
    request = services.erase_for_request(actor=u.admin, request=request)

    outcomes = {line["app"]: (line["outcome"], line["rows"]) for line in request.erasure}
    assert outcomes["accounts"] == (holders.ERASED, 2)  # the account, the SMS code
    assert outcomes["cases"][0] == holders.ERASED
    assert outcomes["registry"][0] == holders.KEPT
    assert outcomes["privacy"][0] == holders.KEPT
    resident.refresh_from_db()
    assert (resident.is_active, resident.phone, resident.display_name, resident.username) == (
        False, "", "", f"erased-{resident.pk}")
    assert not resident.has_usable_password() and not PhoneCode.objects.exists()
    contact = CaseContact.objects.get(case=called)
    assert (contact.name, contact.phone, contact.phone_index) == ("", "", "")
    assert Callback.objects.get(case=closed).comment == ""
    assert Person.objects.get(pk=person.pk).phone == PHONE  # base data kept by law
    assert Case.objects.filter(pk=other.pk).exists() and Case.objects.count() == 3
    assert list(CaseEvent.objects.order_by("pk").values_list("pk", "action", "solved", "satisfaction")) == events_before
    assert AuditEvent.objects.filter(action="privacy.request.erase", object_id=str(request.pk)).exists()

    with pytest.raises(Exception, match="already been erased"):
        services.erase_for_request(actor=u.admin, request=request)
    answered = services.answer_request(actor=u.admin, request=request, answer="已删除账户和来电信息；户籍基础信息依法保留。")
    assert answered.state == RequestState.ANSWERED
    assert User.objects.filter(pk=resident.pk, is_active=False).exists()


@pytest.mark.django_db
def test_only_a_deletion_request_erases(world):
    request = services.open_request(actor=world.users.admin, kind="access", owner=world.users.admin,
                                    subject_phone=PHONE)
    with pytest.raises(Exception, match="Only a deletion request"):
        services.erase_for_request(actor=world.users.admin, request=request)

"""What the registry declares to the privacy holders registry finds one person's rows, and only theirs."""

from gongzhi.privacy import holders
from gongzhi.registry.models import HouseholdVisit, Organisation, Person, PersonCareTag
from gongzhi.registry.models.care import CareTag

from .conftest import id_number_for


def _found(subject):
    return {f.model: sorted(r.pk for r in f.rows) for f in holders.find_all(subject) if f.holder.app_label == "registry"}


def test_a_person_is_found_by_id_number_or_phone_with_what_hangs_off_them(tree, make_person, make_user):
    number = id_number_for()
    person = make_person(tree["grid_a1"], id_number=number, phone="13812345678")
    other = make_person(tree["grid_a1"], name="李四", phone="")
    tag = CareTag.objects.create(code="holders-test", name="独居")
    link = PersonCareTag.objects.create(person=person, tag=tag, note="每周探望")
    PersonCareTag.objects.create(person=other, tag=tag)
    visitor = make_user("visitor")
    visit = HouseholdVisit.objects.create(grid=tree["grid_a1"], visitor=visitor, notes="在家")
    visit.persons.add(person)
    HouseholdVisit.objects.create(grid=tree["grid_a1"], visitor=visitor, notes="别人").persons.add(other)
    org = Organisation.objects.create(name="小卖部", kind="merchant", grid=tree["grid_a1"], contact_name="张三",
                                      contact_phone="138-1234-5678")
    Organisation.objects.create(name="别家", kind="merchant", grid=tree["grid_a1"], contact_phone="13900000000")

    by_id = _found(holders.Subject(id_number=number.lower()))
    assert by_id[Person] == [person.pk]
    assert by_id[PersonCareTag] == [link.pk]
    assert by_id[HouseholdVisit] == [visit.pk]
    assert Organisation not in by_id  # no phone given

    by_phone = _found(holders.Subject(phone="+86 138 1234 5678"))
    assert by_phone[Person] == [person.pk]
    assert by_phone[Organisation] == [org.pk]

    # The other person has no phone: a subject known by ID number only never matches empty indexes.
    assert _found(holders.Subject(id_number=id_number_for())) == {}

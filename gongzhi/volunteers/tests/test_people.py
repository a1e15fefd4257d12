"""Volunteers: a resident applies, the community verifies against the register; numbers stay masked."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.volunteers.models import TeamRole, Volunteer, VolunteerStatus
from gongzhi.volunteers.services import people

from .conftest import id_number_for, make_person


@pytest.mark.django_db
def test_a_resident_applies_and_staff_verify_by_the_register(world, make_user):
    tree = world.tree
    number = id_number_for()
    person = make_person(tree["grid_a2"], "孙申请", phone="13900001111", id_number=number)
    applicant = make_user("applicant")
    volunteer = people.apply(actor=applicant, region=tree["comm_a"], name="孙申请", phone="139 0000 1111",
                             id_number=number, skills="理发、维修，理发")
    assert volunteer.status == VolunteerStatus.APPLIED
    assert volunteer.skills == "理发, 维修"
    assert volunteer.phone == "13900001111" and volunteer.phone_masked == "139****1111"
    event = AuditEvent.objects.get(action="volunteers.volunteer.apply")
    assert number not in str(event.changes) and "13900001111" not in str(event.changes)
    with pytest.raises(ValidationError, match="already applied"):
        people.apply(actor=applicant, region=tree["comm_a"], name="孙申请", phone="13900001111", id_number=number)
    with pytest.raises(PermissionDenied):
        people.verify(actor=world.users.staff_b, volunteer=volunteer)
    verified = people.verify(actor=world.users.staff_a, volunteer=volunteer)
    assert verified.person == person and verified.status == VolunteerStatus.VERIFIED
    assert verified.region == tree["grid_a2"]  # placed in their grid


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "11-digit"),
    ("id_number", "110105196005010000", "not a valid resident ID number"),
    ("id_number", "", "Give your resident ID number"),
    ("name", " ", "Your name is required"),
])
def test_an_application_with_bad_input_is_refused_and_writes_nothing(world, make_user, field, value, message):
    values = {"region": world.tree["comm_a"], "name": "孙申请", "phone": "13900001111", "id_number": id_number_for()}
    values[field] = value
    count = Volunteer.objects.count()
    with pytest.raises(ValidationError, match=message):
        people.apply(actor=make_user("applicant"), **values)
    assert Volunteer.objects.count() == count


@pytest.mark.django_db
def test_revealing_a_number_needs_the_capability_a_reason_and_is_audited(world):
    with pytest.raises(PermissionDenied):
        people.reveal_personal_field(actor=world.users.worker_a1, volunteer=world.mother, field="phone",
                                     reason="联系活动安排")
    with pytest.raises(ValidationError):
        people.reveal_personal_field(actor=world.users.staff_a, volunteer=world.mother, field="phone", reason="")
    with pytest.raises(PermissionDenied):
        people.reveal_personal_field(actor=world.users.staff_b, volunteer=world.mother, field="phone",
                                     reason="联系活动安排")
    value = people.reveal_personal_field(actor=world.users.staff_a, volunteer=world.mother, field="phone",
                                         reason="联系活动安排")
    assert value == world.mother.phone
    event = AuditEvent.objects.get(action="volunteers.volunteer.reveal")
    assert event.changes == {"field": "phone"} and event.reason == "联系活动安排"


@pytest.mark.django_db
def test_suspend_and_reinstate_need_a_reason_where_it_matters(world):
    with pytest.raises(ValidationError, match="reason is required"):
        people.change_status(actor=world.users.staff_a, volunteer=world.mother, action="suspend")
    people.change_status(actor=world.users.staff_a, volunteer=world.mother, action="suspend", reason="多次缺席")
    with pytest.raises(ValidationError, match="cannot be changed so"):
        people.change_status(actor=world.users.staff_a, volunteer=world.mother, action="suspend", reason="再次")
    back = people.change_status(actor=world.users.staff_a, volunteer=world.mother, action="reinstate")
    assert back.status == VolunteerStatus.VERIFIED


@pytest.mark.django_db
def test_a_team_takes_verified_volunteers_of_its_community(world):
    team = people.create_team(actor=world.users.staff_a, region=world.tree["comm_a"], name="银发志愿队")
    with pytest.raises(ValidationError, match="already has a team"):
        people.create_team(actor=world.users.staff_a, region=world.tree["comm_a"], name="银发志愿队")
    people.add_member(actor=world.users.staff_a, team=team, volunteer=world.mother, role=TeamRole.LEADER)
    with pytest.raises(ValidationError, match="already in this team"):
        people.add_member(actor=world.users.staff_a, team=team, volunteer=world.mother)
    with pytest.raises(PermissionDenied):
        people.add_member(actor=world.users.staff_a, team=team, volunteer=world.other)
    assert list(team.members.all()) == [world.mother]


@pytest.mark.django_db
def test_the_privacy_holder_finds_a_volunteer_by_number_or_account(world):
    from gongzhi.privacy import holders

    by_phone = holders.Subject(phone=world.mother.phone)
    found = {f.model._meta.label: f.rows for f in holders.find_all(by_phone) if f.holder.app_label == "volunteers"}
    assert [v.pk for v in found["volunteers.Volunteer"]] == [world.mother.pk]
    by_account = holders.Subject(user_id=world.users.son.pk)
    found = {f.model._meta.label: f.rows for f in holders.find_all(by_account) if f.holder.app_label == "volunteers"}
    assert [v.pk for v in found["volunteers.Volunteer"]] == [world.son.pk]
    nobody = holders.Subject(phone="13000000000")
    assert not any(f.rows for f in holders.find_all(nobody) if f.holder.app_label == "volunteers")

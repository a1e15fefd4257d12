"""Registry services and selectors: validation, area, capabilities, audit, search."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride
from gongzhi.registry import selectors, services
from gongzhi.registry.models import CareTag, DwellingRole, Person, Relation, Residence

from .conftest import id_number_for

SAMPLE_ID = "11010519491231002X"


def _person(staff, tree, **extra):
    values = {"actor": staff["worker_a1"], "name": "张三", "grid": tree["grid_a1"], "id_number": id_number_for(),
              "phone": "13812345678"}
    values.update(extra)
    return services.create_person(**values)


def test_create_person_derives_gender_and_birth_date(staff, tree, place):
    person = _person(staff, tree, id_number="11010519491231002x", dwelling=place["dwelling"],
                     dwelling_role=DwellingRole.OWNER)
    assert (person.gender, person.birth_date) == ("F", dt.date(1949, 12, 31))
    assert person.id_number == SAMPLE_ID
    assert person.grid == tree["grid_a1"]
    assert Residence.objects.get(person=person).role == DwellingRole.OWNER


def test_invalid_id_number_is_refused_naming_the_field(staff, tree):
    with pytest.raises(ValidationError) as excinfo:
        _person(staff, tree, id_number="110105194912310021")
    assert "check character" in excinfo.value.message_dict["id_number"][0]
    assert Person.objects.count() == 0


def test_duplicate_id_number_is_refused(staff, tree):
    _person(staff, tree, id_number=SAMPLE_ID)
    with pytest.raises(ValidationError) as excinfo:
        _person(staff, tree, name="李四", id_number=SAMPLE_ID.lower(), actor=staff["admin"], grid=tree["grid_b1"])
    assert "already registered" in excinfo.value.message_dict["id_number"][0]


def test_audit_events_hold_no_clear_personal_data(staff, tree):
    person = _person(staff, tree, id_number=SAMPLE_ID, phone="13812345678")
    services.update_person(actor=staff["worker_a1"], person=person, phone="13987654321")
    events = AuditEvent.objects.filter(object_type="registry.person")
    assert events.count() == 2
    text = " ".join(str(e.changes) for e in events)
    for secret in (SAMPLE_ID, "13812345678", "13987654321", person.id_number_index):
        assert secret not in text
    assert "139****4321" in text


def test_grid_worker_works_only_in_own_grid(staff, tree, make_person):
    with pytest.raises(PermissionDenied):
        _person(staff, tree, grid=tree["grid_b1"])
    mine = _person(staff, tree, name="张三")
    other = make_person(tree["grid_b1"], name="张四")
    assert list(selectors.persons(staff["worker_a1"])) == [mine]
    assert set(selectors.persons(staff["worker_b1"])) == {other}
    assert set(selectors.persons(staff["leader"])) == {mine, other}
    with pytest.raises(PermissionDenied):
        services.update_person(actor=staff["worker_a1"], person=other, name="王五")


def test_residents_and_departments_cannot_read_the_registry(tree, make_user):
    from gongzhi.accounts.roles import Role

    with pytest.raises(PermissionDenied):
        selectors.persons(make_user("resident", Role.RESIDENT, tree["grid_a1"]))


def test_reveal_needs_the_capability_and_a_reason_and_is_audited(staff, tree):
    person = _person(staff, tree, id_number=SAMPLE_ID)
    with pytest.raises(PermissionDenied):
        services.reveal_personal_field(actor=staff["worker_a1"], person=person, field="id_number", reason="核实身份")
    with pytest.raises(ValidationError):
        services.reveal_personal_field(actor=staff["community_a"], person=person, field="id_number", reason=" ")
    assert not AuditEvent.objects.filter(action="registry.person.reveal").exists()

    value = services.reveal_personal_field(actor=staff["community_a"], person=person, field="id_number",
                                           reason="办理高龄津贴")
    assert value == SAMPLE_ID
    event = AuditEvent.objects.get(action="registry.person.reveal")
    assert (event.actor, event.object_id, event.reason) == (staff["community_a"], str(person.pk), "办理高龄津贴")
    assert event.changes == {"field": "id_number"}
    assert event.region_code == tree["grid_a1"].code


def test_community_staff_cannot_reveal_outside_their_area(staff, tree, make_person):
    other = make_person(tree["grid_b1"])
    with pytest.raises(PermissionDenied):
        services.reveal_personal_field(actor=staff["community_a"], person=other, field="phone", reason="核实")


def test_search_by_pinyin_initials_id_phone_and_address(staff, tree, place):
    zhang = _person(staff, tree, name="张三", id_number=SAMPLE_ID, phone="13812345678",
                    dwelling=place["dwelling"], dwelling_role=DwellingRole.OWNER)
    _person(staff, tree, name="李四", phone="13900000000")
    worker = staff["worker_a1"]

    def names(**kwargs):
        return [p.name for p in selectors.search_persons(worker, **kwargs)]

    assert names(q="zs") == ["张三"]
    assert names(q="zhangsan") == ["张三"]
    assert names(q="ZHANG san") == ["张三"]
    assert names(q="张") == ["张三"]
    assert names(q="11010519491231002x") == ["张三"]
    assert names(q="+86 138 1234 5678") == ["张三"]
    assert names(phone="13900000000") == ["李四"]
    assert names(q="永安里 3号楼") == ["张三"]
    assert names(address="501室") == ["张三"]
    assert names(q="13800000000") == []
    assert [d.pk for d in selectors.search_dwellings(worker, q="永安里 2单元")] == [place["dwelling"].pk]
    # The same search in another grid finds nothing.
    assert list(selectors.search_persons(staff["worker_b1"], q="zs")) == []
    assert zhang.pk


def test_high_sensitivity_tags_are_hidden_from_grid_workers(staff, tree):
    person = _person(staff, tree)
    key_person = CareTag.objects.get(code="key_person")
    elderly = CareTag.objects.get(code="elderly_alone")
    with pytest.raises(PermissionDenied):
        services.tag_person(actor=staff["worker_a1"], person=person, tag=key_person)
    services.tag_person(actor=staff["community_a"], person=person, tag=key_person)
    services.tag_person(actor=staff["worker_a1"], person=person, tag=elderly)
    assert [link.tag.code for link in selectors.tags_of(staff["worker_a1"], person)] == ["elderly_alone"]
    assert {link.tag.code for link in selectors.tags_of(staff["community_a"], person)} == {"elderly_alone",
                                                                                          "key_person"}
    with pytest.raises(PermissionDenied):
        list(selectors.search_persons(staff["worker_a1"], tag=key_person))
    assert list(selectors.search_persons(staff["community_a"], tag=key_person)) == [person]


def test_move_person_keeps_history(staff, tree, place):
    person = _person(staff, tree, dwelling=place["dwelling"], dwelling_role=DwellingRole.TENANT,
                     since=dt.date(2020, 1, 1))
    other = services.create_dwelling(actor=staff["admin"], grid=tree["grid_b1"], street_address="光华路8号",
                                     room="101")
    services.move_person(actor=staff["admin"], person=person, dwelling=other, role=DwellingRole.OWNER,
                         since=dt.date(2024, 6, 1))
    person.refresh_from_db()
    assert (person.dwelling, person.dwelling_role, person.grid) == (other, DwellingRole.OWNER, tree["grid_b1"])
    history = list(Residence.objects.filter(person=person).order_by("start_date").values_list(
        "dwelling_id", "start_date", "end_date"))
    assert history == [(place["dwelling"].pk, dt.date(2020, 1, 1), dt.date(2024, 6, 1)),
                       (other.pk, dt.date(2024, 6, 1), None)]


def test_household_with_head_and_members(staff, tree, place):
    head = _person(staff, tree, name="王大")
    child = _person(staff, tree, name="王小")
    household = services.create_household(actor=staff["worker_a1"], head=head, dwelling=place["dwelling"],
                                          members=[(child, Relation.CHILD)], external_id="H-001")
    assert household.grid == tree["grid_a1"]
    assert {(m.person.name, m.relation) for m in household.members.all()} == {("王大", "head"), ("王小", "child")}
    other = services.create_household(actor=staff["worker_a1"], head=_person(staff, tree, name="赵一"))
    with pytest.raises(ValidationError):
        services.add_household_member(actor=staff["worker_a1"], household=other, person=child,
                                      relation=Relation.CHILD)
    with pytest.raises(ValidationError):
        services.add_household_member(actor=staff["worker_a1"], household=household, person=child,
                                      relation=Relation.HEAD)


def test_organisation_credit_code_is_checked(staff, tree):
    with pytest.raises(ValidationError) as excinfo:
        services.create_organisation(actor=staff["worker_a1"], name="永安里物业", kind="property_company",
                                     grid=tree["grid_a1"], credit_code="91350100M000100Y44")
    assert "credit_code" in excinfo.value.message_dict
    org = services.create_organisation(actor=staff["worker_a1"], name="永安里物业", kind="property_company",
                                       grid=tree["grid_a1"], credit_code="91350100m000100y43",
                                       contact_phone="138 0000 1111")
    assert org.credit_code == "91350100M000100Y43"
    assert org.contact_phone_masked == "138****1111"
    assert list(selectors.organisations(staff["worker_a1"], q="物业")) == [org]
    assert list(selectors.organisations(staff["worker_b1"])) == []


def test_a_social_organisation_has_a_type_and_a_registration(staff, tree):
    """Community groups (文体队, 志愿队, 兴趣社团) are organisations of kind 社会组织, not a second list."""
    team = services.create_organisation(actor=staff["worker_a1"], name="永安里舞蹈队", kind="social_organisation",
                                        grid=tree["grid_a1"], social_type="culture_sports")
    assert team.registration == "informal"
    with pytest.raises(ValidationError) as excinfo:
        services.update_organisation(actor=staff["worker_a1"], organisation=team, registration="registered")
    assert "registered_on" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.create_organisation(actor=staff["worker_a1"], name="某商户", kind="merchant", grid=tree["grid_a1"],
                                     social_type="interest")
    assert "social_type" in excinfo.value.message_dict


def test_visit_counts_for_household_members_and_coverage(staff, tree, place):
    head = _person(staff, tree, name="王大")
    household = services.create_household(actor=staff["worker_a1"], head=head, dwelling=place["dwelling"])
    services.create_household(actor=staff["worker_a1"], head=_person(staff, tree, name="赵一"))
    visit = services.record_visit(actor=staff["worker_a1"], household=household, notes="身体状况良好",
                                  longitude=116.445, latitude=39.905)
    assert list(visit.persons.all()) == [head]
    with pytest.raises(ValidationError):
        services.record_visit(actor=staff["worker_a1"], household=household, follow_up_needed=True)
    rows = selectors.coverage(staff["community_a"], days=30)
    assert [(r.grid.code, r.households, r.visited, r.share) for r in rows] == [(tree["grid_a1"].code, 2, 1, 0.5)]
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=staff["worker_b1"], household=household)


def test_patrol_with_route_and_problems(staff, tree):
    patrol = services.record_patrol(
        actor=staff["worker_a1"], grid=tree["grid_a1"], route=[[116.441, 39.901], [116.442, 39.902]],
        problems=[{"description": "3号楼前井盖缺失", "category": "市政设施", "longitude": 116.441,
                   "latitude": 39.901}])
    assert patrol.problems.count() == 1 and len(patrol.route) == 2
    with pytest.raises(ValidationError):
        services.record_patrol(actor=staff["worker_a1"], grid=tree["grid_a1"], route=[["x", 1]])
    services.finish_patrol(actor=staff["worker_a1"], patrol=patrol)
    with pytest.raises(ValidationError):
        services.finish_patrol(actor=staff["worker_a1"], patrol=patrol)
    assert list(selectors.patrols(staff["worker_b1"])) == []


def _visit_on(staff, person, day):
    from django.utils import timezone

    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return services.record_visit(actor=staff["worker_a1"], dwelling=person.dwelling, persons=[person],
                                 visited_at=moment)


def test_overdue_visits_count_working_days_across_a_holiday(staff, tree, place):
    """National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked."""
    elderly = CareTag.objects.get(code="elderly_alone")  # every 5 working days
    assert elderly.visit_interval_days == 5
    person = _person(staff, tree, name="孙奶奶", dwelling=place["dwelling"], dwelling_role=DwellingRole.OWNER)
    services.tag_person(actor=staff["worker_a1"], person=person, tag=elderly, since=dt.date(2025, 9, 1))
    _visit_on(staff, person, dt.date(2025, 9, 26))  # Friday
    # 5 working days after Friday 26 Sep: Sun 28, Mon 29, Tue 30 Sep, Thu 9, Fri 10 Oct.
    worker = staff["worker_a1"]
    assert selectors.overdue_visits(worker, today=dt.date(2025, 10, 8)) == []  # 12 calendar days, still on time
    assert selectors.overdue_visits(worker, today=dt.date(2025, 10, 10)) == []
    [late] = selectors.overdue_visits(worker, today=dt.date(2025, 10, 11))  # the working Saturday
    assert (late.person, late.tag, late.due_date, late.working_days_overdue) == (person, elderly,
                                                                                 dt.date(2025, 10, 10), 1)
    assert selectors.overdue_visits(worker, grid=tree["grid_a1"], today=dt.date(2025, 10, 11))
    assert selectors.overdue_visits(staff["worker_b1"], today=dt.date(2025, 10, 11)) == []
    _visit_on(staff, person, dt.date(2025, 10, 11))
    assert selectors.overdue_visits(worker, today=dt.date(2025, 10, 13)) == []


def test_never_visited_person_is_due_from_the_day_tagged(staff, tree):
    person = _person(staff, tree)
    services.tag_person(actor=staff["worker_a1"], person=person, tag=CareTag.objects.get(code="elderly_alone"),
                        since=dt.date(2025, 3, 3))  # Monday
    assert selectors.overdue_visits(staff["worker_a1"], today=dt.date(2025, 3, 10)) == []
    [late] = selectors.overdue_visits(staff["worker_a1"], today=dt.date(2025, 3, 11))
    assert late.last_visit is None and late.due_date == dt.date(2025, 3, 10)


def test_overdue_visits_count_on_the_calendar_of_the_person_grid(staff, tree, request):
    """Community A (grid A1) is closed on Wednesday 5 March 2025; grid B1 works."""
    request.addfinalizer(workcal.reset)  # the override is rolled back without a signal
    CalendarOverride.objects.create(date=dt.date(2025, 3, 5), kind="holiday", region_code=tree["comm_a"].code)
    elderly = CareTag.objects.get(code="elderly_alone")  # every 5 working days
    in_a = _person(staff, tree, name="孙奶奶")
    in_b = _person(staff, tree, name="李爷爷", grid=tree["grid_b1"], actor=staff["worker_b1"])
    services.tag_person(actor=staff["worker_a1"], person=in_a, tag=elderly, since=dt.date(2025, 3, 3))
    services.tag_person(actor=staff["worker_b1"], person=in_b, tag=elderly, since=dt.date(2025, 3, 3))
    assert selectors.overdue_visits(staff["worker_a1"], today=dt.date(2025, 3, 11)) == []  # due Tuesday 11
    [late] = selectors.overdue_visits(staff["worker_b1"], today=dt.date(2025, 3, 11))  # due Monday 10
    assert (late.person, late.due_date, late.working_days_overdue) == (in_b, dt.date(2025, 3, 10), 1)
    [late] = selectors.overdue_visits(staff["worker_a1"], today=dt.date(2025, 3, 13))
    assert (late.person, late.due_date, late.working_days_overdue) == (in_a, dt.date(2025, 3, 11), 2)


def test_overdue_list_hides_sensitive_rules(staff, tree):
    person = _person(staff, tree)
    services.tag_person(actor=staff["community_a"], person=person, tag=CareTag.objects.get(code="key_person"),
                        since=dt.date(2025, 3, 3))
    assert selectors.overdue_visits(staff["worker_a1"], today=dt.date(2025, 6, 1)) == []
    assert len(selectors.overdue_visits(staff["community_a"], today=dt.date(2025, 6, 1))) == 1

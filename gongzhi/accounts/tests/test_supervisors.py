"""Who is told when someone oversteps: the leaders and administrators of their unit, else of the unit above."""

import pytest

from gongzhi.accounts.models import ApiKey, Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.accounts.selectors import supervisors_of


@pytest.fixture
def org(tree, street_office, make_user):
    community = Unit.objects.create(code="U-YAL", name="永安里社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE,
                                    region=tree["comm_a"], supervisor=street_office)
    return {
        "community": community,
        "street": street_office,
        "clerk": make_user("clerk", Role.COMMUNITY_STAFF, region=tree["comm_a"], unit=community),
        "street_chief": make_user("street_chief", Role.LEADER, region=tree["street"], unit=street_office),
        "street_admin": make_user("street_admin", Role.ADMIN, region=tree["street"], unit=street_office),
        "dispatcher": make_user("dispatcher", Role.DISPATCHER, region=tree["street"], unit=street_office),
        "unitless_leader": make_user("unitless_leader", Role.LEADER, region=tree["street"]),
    }


def names(users):
    return [u.username for u in users]


@pytest.mark.django_db
def test_without_a_leader_in_the_unit_the_unit_above_is_told(org):
    assert names(supervisors_of(org["clerk"])) == ["street_chief", "street_admin"]


@pytest.mark.django_db
def test_the_units_own_leaders_come_first_and_alone(org, make_user, tree):
    make_user("community_head", Role.LEADER, region=tree["comm_a"], unit=org["community"])
    assert names(supervisors_of(org["clerk"])) == ["community_head"]


@pytest.mark.django_db
def test_inactive_users_other_roles_and_oneself_are_not_supervisors(org):
    org["street_admin"].is_active = False
    org["street_admin"].save()
    assert names(supervisors_of(org["clerk"])) == ["street_chief"]
    assert names(supervisors_of(org["street_chief"])) == []  # the unit's only leader; no unit above
    assert "dispatcher" not in names(supervisors_of(org["dispatcher"]))


@pytest.mark.django_db
def test_a_unit_without_leaders_and_without_a_unit_above_has_none(tree, make_user):
    lonely = Unit.objects.create(code="U-X", name="某单位", kind=UnitKind.OTHER, region=tree["comm_b"])
    assert names(supervisors_of(make_user("x", Role.DEPARTMENT, unit=lonely))) == []
    assert names(supervisors_of(make_user("y", Role.GRID_WORKER, region=tree["grid_b1"]))) == []


@pytest.mark.django_db
def test_an_api_keys_supervisors_are_those_of_its_unit(org):
    key = ApiKey.objects.create(name="民政对接", key_prefix="gz_test", key_hash="k" * 64, unit=org["community"])
    assert names(supervisors_of(key)) == ["street_chief", "street_admin"]
    assert names(supervisors_of(ApiKey.objects.create(name="无单位", key_prefix="gz_x", key_hash="j" * 64))) == []

"""Volunteers test data: a community with staff, registry persons and verified volunteers."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.utils import translation

from gongzhi.accounts.roles import Role
from gongzhi.core.ids import make_id_number
from gongzhi.registry.models import Household, HouseholdMember, Person
from gongzhi.volunteers.models import Volunteer, VolunteerStatus

_sequence = itertools.count(300)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def id_number_for(birth=dt.date(1960, 5, 1)):
    return make_id_number("110105", birth, next(_sequence) % 1000)


def make_person(grid, name="张三", phone=None, id_number=None):
    person = Person(grid=grid, name=name, id_number=id_number or id_number_for(),
                    phone=phone or f"139{next(_sequence):08d}")
    person.refresh_derived()
    person.save()
    return person


def make_volunteer(community, grid, name="李志愿", user=None, status=VolunteerStatus.VERIFIED, person=None):
    person = person or make_person(grid, name)
    return Volunteer.objects.create(region=grid, person=person, user=user, name=person.name,
                                    phone=person.phone, id_number=person.id_number, status=status)


@pytest.fixture
def world(tree, make_user):
    """Community A with staff and three verified volunteers (two of one household), community B with one."""
    users = SimpleNamespace(
        staff_a=make_user("staff_a", Role.COMMUNITY_STAFF, tree["comm_a"], is_staff=True),
        staff_b=make_user("staff_b", Role.COMMUNITY_STAFF, tree["comm_b"], is_staff=True),
        worker_a1=make_user("worker_a1", Role.GRID_WORKER, tree["grid_a1"], is_staff=True),
        leader=make_user("leader", Role.LEADER, tree["street"], is_staff=True),
        admin=make_user("admin", Role.ADMIN, is_staff=True),
        mother=make_user("mother", Role.RESIDENT, tree["grid_a1"]),
        son=make_user("son", Role.RESIDENT, tree["grid_a1"]),
        neighbour=make_user("neighbour", Role.RESIDENT, tree["grid_a2"]),
        other=make_user("other", Role.RESIDENT, tree["grid_b1"]),
    )
    mother = make_volunteer(tree["comm_a"], tree["grid_a1"], "王妈妈", users.mother)
    son = make_volunteer(tree["comm_a"], tree["grid_a1"], "王小明", users.son)
    neighbour = make_volunteer(tree["comm_a"], tree["grid_a2"], "赵邻居", users.neighbour)
    other = make_volunteer(tree["comm_b"], tree["grid_b1"], "钱外区", users.other)
    household = Household.objects.create(grid=tree["grid_a1"], head=mother.person)
    HouseholdMember.objects.create(household=household, person=mother.person, relation="head")
    HouseholdMember.objects.create(household=household, person=son.person, relation="child")
    return SimpleNamespace(tree=tree, users=users, mother=mother, son=son, neighbour=neighbour, other=other)

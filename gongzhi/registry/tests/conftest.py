"""Registry test data: places and persons built directly (services have their own tests)."""

import datetime as dt
import itertools

import pytest
from django.utils import translation

from gongzhi.core.ids import make_id_number
from gongzhi.registry.models import Building, Compound, Dwelling, Entrance, Person

_sequence = itertools.count(100)


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in their English source form, whatever catalogues are compiled."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.5 s a user on a busy machine; these tests never test passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def id_number_for(birth=dt.date(1950, 3, 1), region="110105", sequence=None):
    return make_id_number(region, birth, next(_sequence) % 1000 if sequence is None else sequence)


@pytest.fixture
def place(tree):
    """永安里小区 3号楼 2单元 501室 in grid A1."""
    compound = Compound.objects.create(name="永安里小区", grid=tree["grid_a1"], street_address="建国门外大街22号")
    building = Building.objects.create(compound=compound, number="3", grid=tree["grid_a1"])
    entrance = Entrance.objects.create(building=building, number="2")
    dwelling = Dwelling(grid=tree["grid_a1"], compound=compound, building=building, entrance=entrance, room="501",
                        floor=5, floor_area="86.50")
    dwelling.refresh_address_text()
    dwelling.save()
    return {"compound": compound, "building": building, "entrance": entrance, "dwelling": dwelling}


@pytest.fixture
def make_person(db):
    def make(grid, name="张三", id_number=None, phone="13812345678", **extra):
        person = Person(grid=grid, name=name, id_number=id_number if id_number is not None else id_number_for(),
                        phone=phone, **extra)
        person.refresh_derived()
        person.save()
        return person

    return make


@pytest.fixture
def staff(tree, make_user):
    """A grid worker of A1, one of B1, community staff of A, a leader, an admin."""
    from gongzhi.accounts.roles import Role

    return {
        "worker_a1": make_user("worker_a1", Role.GRID_WORKER, tree["grid_a1"], is_staff=True),
        "worker_b1": make_user("worker_b1", Role.GRID_WORKER, tree["grid_b1"], is_staff=True),
        "community_a": make_user("community_a", Role.COMMUNITY_STAFF, tree["comm_a"], is_staff=True),
        "leader": make_user("leader", Role.LEADER, tree["street"], is_staff=True),
        "admin": make_user("admin", Role.ADMIN, is_staff=True),
    }

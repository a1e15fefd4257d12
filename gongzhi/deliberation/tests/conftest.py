"""Deliberation test data: staff, residents who are persons of the registry, a compound with owners."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.core.ids import make_id_number
from gongzhi.registry.models import Compound, Dwelling, DwellingRole, Person, Residence

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(tree, make_user):
    return {
        "community_a": make_user("delib_staff_a", Role.COMMUNITY_STAFF, tree["comm_a"], is_staff=True),
        "community_b": make_user("delib_staff_b", Role.COMMUNITY_STAFF, tree["comm_b"], is_staff=True),
        "leader": make_user("delib_leader", Role.LEADER, tree["street"], is_staff=True),
        "worker_a1": make_user("delib_worker_a1", Role.GRID_WORKER, tree["grid_a1"], is_staff=True),
    }


def make_person(grid, *, birth=dt.date(1970, 5, 1), phone="", dwelling=None, role="", name=""):
    n = next(_numbers)
    person = Person(grid=grid, name=name or f"居民{n}", id_number=make_id_number("110105", birth, n % 997),
                    birth_date=birth, phone=phone, dwelling=dwelling, dwelling_role=role)
    person.refresh_derived()
    person.save()
    return person


@pytest.fixture
def resident(tree):
    """``resident(grid)`` → (user, person): an account whose mobile number is a person of the registry."""

    def make(grid=None, *, birth=dt.date(1970, 5, 1), dwelling=None, role="", username=""):
        n = next(_numbers)
        phone = f"139{n:08d}"
        person = make_person(grid or tree["grid_a1"], birth=birth, phone=phone, dwelling=dwelling, role=role)
        user = User.objects.create(username=username or f"res{n}", role=Role.RESIDENT, phone=phone,
                                   region=grid or tree["grid_a1"])
        return user, person

    return make


@pytest.fixture
def compound(tree):
    return Compound.objects.create(name="永安里小区", grid=tree["grid_a1"])


@pytest.fixture
def add_dwelling(compound):
    """``add_dwelling(area, *owners)``: a dwelling of the compound owned by ``owners`` (an ownership record each)."""

    def make(area, *owners, room=""):
        n = next(_numbers)
        dwelling = Dwelling(grid=compound.grid, compound=compound, room=room or str(100 + n),
                            exclusive_area=None if area is None else Decimal(str(area)))
        dwelling.refresh_address_text()
        dwelling.save()
        for owner in owners:
            Residence.objects.create(person=owner, dwelling=dwelling, role=DwellingRole.OWNER)
        return dwelling

    return make


@pytest.fixture
def window():
    now = timezone.now()
    return now - dt.timedelta(minutes=1), now + dt.timedelta(days=3)

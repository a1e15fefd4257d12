"""Party test data: a tree of regions (gongzhi/conftest.py), staff, persons and units built directly."""

import itertools

import pytest
from django.utils import translation

from gongzhi.accounts.roles import Role
from gongzhi.registry.models import Building, Organisation, OrganisationKind, Person

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def staff(tree, make_user):
    """Community staff of A and of B, a grid worker of A1, a leader of the street, an administrator."""
    return {
        "a": make_user("party_staff_a", Role.COMMUNITY_STAFF, tree["comm_a"]),
        "b": make_user("party_staff_b", Role.COMMUNITY_STAFF, tree["comm_b"]),
        "grid_a1": make_user("party_grid_a1", Role.GRID_WORKER, tree["grid_a1"]),
        "leader": make_user("party_leader", Role.LEADER, tree["street"]),
        "admin": make_user("party_admin", Role.ADMIN, None, is_superuser=True, is_staff=True),
    }


@pytest.fixture
def make_person(db):
    def make(grid, name=None, **extra):
        person = Person(grid=grid, name=name or f"党员{next(_n)}", phone="13812345678", **extra)
        person.refresh_derived()
        person.save()
        return person

    return make


@pytest.fixture
def make_unit(db):
    def make(grid, name=None, kind=OrganisationKind.RESIDENT_UNIT, **extra):
        return Organisation.objects.create(grid=grid, name=name or f"驻区单位{next(_n)}", kind=kind, **extra)

    return make


@pytest.fixture
def building(tree):
    return Building.objects.create(number="3", grid=tree["grid_a1"])


@pytest.fixture
def party_tree(tree, staff, building):
    """街道党工委 → 永安里社区党委 (大党委) → 第一网格党支部 → 3号楼党小组; 光华里社区党委."""
    from gongzhi.party import services
    from gongzhi.party.models import OrgLevel

    admin = staff["admin"]
    working = services.create_organisation(actor=admin, name="建外街道党工委", level=OrgLevel.WORKING_COMMITTEE,
                                           region=tree["street"])
    comm_a = services.create_organisation(actor=admin, name="永安里社区党委", level=OrgLevel.COMMUNITY_COMMITTEE,
                                          region=tree["comm_a"], parent=working, is_joint_committee=True)
    comm_b = services.create_organisation(actor=admin, name="光华里社区党委", level=OrgLevel.COMMUNITY_COMMITTEE,
                                          region=tree["comm_b"], parent=working)
    branch = services.create_organisation(actor=admin, name="永安里第一网格党支部", level=OrgLevel.BRANCH,
                                          region=tree["grid_a1"], parent=comm_a)
    group = services.create_organisation(actor=admin, name="3号楼党小组", level=OrgLevel.GROUP,
                                         region=tree["grid_a1"], parent=branch, building=building)
    return {"working": working, "comm_a": comm_a, "comm_b": comm_b, "branch": branch, "group": group}

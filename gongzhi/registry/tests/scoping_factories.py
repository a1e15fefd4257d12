"""Rows of the registry's scoped models placed in a grid, for accounts/tests/test_scoping_proof.py.

Written with the ORM (the services' own checks are tested beside them): the proof asks only
where a row lies, and each factory puts it in ``place`` through the path its ScopeSpec reads.
"""

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.registry.models import (
    Building,
    CareTag,
    Compound,
    Dwelling,
    Entrance,
    Household,
    HouseholdMember,
    HouseholdVisit,
    Organisation,
    Patrol,
    PatrolProblem,
    Person,
    PersonCareTag,
    Residence,
)
from gongzhi.registry.models.organisations import OrganisationKind
from gongzhi.registry.models.people import DwellingRole, Relation


def _worker(place, n):
    return User.objects.create(username=f"registry_worker_{n}", role=Role.GRID_WORKER, region=place)


def compound(place, n):
    return Compound.objects.create(name=f"小区{n}", grid=place)


def building(place, n):
    return Building.objects.create(number=str(n), grid=place, compound=compound(place, n))


def entrance(place, n):
    return Entrance.objects.create(number="1", building=building(place, n))


def dwelling(place, n):
    return Dwelling.objects.create(grid=place, room=f"{n}01", street_address=f"测试路{n}号")


def person(place, n):
    return Person.objects.create(name=f"居民{n}", grid=place)


def residence(place, n):
    return Residence.objects.create(person=person(place, n), dwelling=dwelling(place, n), role=DwellingRole.OWNER)


def household(place, n):
    return Household.objects.create(grid=place)


def household_member(place, n):
    return HouseholdMember.objects.create(household=household(place, n), person=person(place, n),
                                          relation=Relation.HEAD)


def person_care_tag(place, n):
    tag, _created = CareTag.objects.get_or_create(code="factory-tag", defaults={"name": "测试关爱"})
    return PersonCareTag.objects.create(person=person(place, n), tag=tag)


def organisation(place, n):
    return Organisation.objects.create(name=f"单位{n}", kind=OrganisationKind.RESIDENT_UNIT, grid=place)


def visit(place, n):
    return HouseholdVisit.objects.create(grid=place, household=household(place, n), visitor=_worker(place, n))


def patrol(place, n):
    return Patrol.objects.create(grid=place, patroller=_worker(place, n))


def patrol_problem(place, n):
    return PatrolProblem.objects.create(patrol=patrol(place, n), description="井盖缺失")


FACTORIES = {
    Compound: compound, Building: building, Entrance: entrance, Dwelling: dwelling, Person: person,
    Residence: residence, Household: household, HouseholdMember: household_member, PersonCareTag: person_care_tag,
    Organisation: organisation, HouseholdVisit: visit, Patrol: patrol, PatrolProblem: patrol_problem,
}


def care_tag(n):
    return CareTag.objects.create(code=f"factory-{n}", name=f"关爱{n}")


# The care tag catalogue is read through its own selectors; the scope admits nobody to it.
CATALOGUES = {CareTag: care_tag}

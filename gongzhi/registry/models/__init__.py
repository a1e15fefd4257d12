"""Base data (人房地事物组织): places, people, households, organisations, care, visits."""

from .care import CareTag, PersonCareTag, Sensitivity
from .organisations import Organisation, OrganisationKind
from .people import (
    DwellingRole,
    Gender,
    Household,
    HouseholdMember,
    IdType,
    Person,
    PersonStatus,
    Relation,
    Residence,
    ResidenceType,
)
from .places import Building, Compound, Dwelling, Entrance, numbered, region_prefix_of
from .visits import HouseholdVisit, Patrol, PatrolProblem

__all__ = [
    "Building", "CareTag", "Compound", "Dwelling", "DwellingRole", "Entrance", "Gender", "Household",
    "HouseholdMember", "HouseholdVisit", "IdType", "Organisation", "OrganisationKind", "Patrol", "PatrolProblem",
    "Person", "PersonCareTag", "PersonStatus", "Relation", "Residence", "ResidenceType", "Sensitivity", "numbered",
    "region_prefix_of",
]

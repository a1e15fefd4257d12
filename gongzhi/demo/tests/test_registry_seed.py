"""The registry part of seed_demo: valid, realistic, idempotent."""

import random

from gongzhi.core.ids import is_valid_id_number
from gongzhi.demo.registry import seed_registry
from gongzhi.registry import selectors
from gongzhi.registry.models import Dwelling, Household, HouseholdVisit, IdType, Person, PersonCareTag


def test_small_seed_fills_grids_with_valid_data(staff, tree):
    grids = [tree["grid_a1"], tree["grid_a2"], tree["grid_b1"]]
    result = seed_registry(rng=random.Random(1), size="small", grids=grids, visitors=list(staff.values()))
    assert result.persons == Person.objects.count() >= 3 * 60
    assert result.households == Household.objects.count() > 0
    assert result.visits == HouseholdVisit.objects.count() > 0
    people = list(Person.objects.all())
    residents = [p for p in people if p.id_type == IdType.RESIDENT_ID]
    assert residents and all(is_valid_id_number(p.id_number) for p in residents)
    assert len({p.id_number_index for p in people}) == len(people)
    assert all(p.name_initials and p.dwelling_id for p in people)
    dwelling = Dwelling.objects.exclude(building=None).select_related("compound", "building", "entrance").first()
    dwelling.refresh_address_text()
    assert dwelling.address_text == Dwelling.objects.get(pk=dwelling.pk).address_text
    assert PersonCareTag.objects.exists()
    # Visits are recorded by someone allowed in that grid.
    for visit in HouseholdVisit.objects.select_related("visitor", "grid")[:50]:
        assert visit.visitor.scope.covers_code(visit.grid.code)
    # The data is usable through the selectors.
    assert selectors.search_persons(staff["worker_a1"], q=people[0].name_initials).exists() or people[0].grid_id != \
        tree["grid_a1"].pk

    again = seed_registry(rng=random.Random(2), size="small", grids=grids, visitors=list(staff.values()))
    assert again.skipped and Person.objects.count() == result.persons

"""The party and volunteers part of seed_demo: a tree with members, 双报到 with some below the minimum, a 大党委
whose decisions are done, open and overdue, incubations; a year of activities credited to a balanced ledger."""

import random

from django.utils import timezone

from gongzhi.demo.party import seed_party, seed_volunteers
from gongzhi.demo.regions import seed_regions
from gongzhi.demo.registry import seed_registry
from gongzhi.demo.users import seed_units, seed_users
from gongzhi.party import selectors as party_selectors
from gongzhi.party.models import Decision, DecisionState, Incubation, Participation, PartyMember
from gongzhi.volunteers import ledger
from gongzhi.volunteers.models import Activity, ActivityState, Transfer


def test_the_demo_has_a_party_tree_and_a_year_of_volunteering(db, fast_password_hashing):
    rng = random.Random(7)
    regions = seed_regions(rng=rng, size="small")
    units = seed_units(regions)
    users = seed_users(regions, units, "Demo-password-2026")
    street = regions.subdistricts[0]
    grids = [g for g in regions.grids if g.parent.parent_id == street.pk]
    seed_registry(rng=rng, size="small", grids=grids, visitors=users)
    counts = seed_party(rng=rng, regions=regions, users=users)
    assert counts is not None and PartyMember.objects.count() == counts["members"] > 0
    admin = next(u for u in users if u.username == "demo_admin")
    assert party_selectors.below_minimum(admin, year=timezone.localdate().year)  # some stay below it
    states = set(Decision.objects.values_list("state", flat=True))
    assert states == {DecisionState.DONE, DecisionState.OPEN}
    assert Incubation.objects.count() == 2
    volunteering = seed_volunteers(rng=rng, regions=regions, users=users)
    assert volunteering["activities"] == 27
    assert Activity.objects.filter(state=ActivityState.FINISHED).count() == 24
    months = {t.created_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m")
              for t in Transfer.objects.filter(kind="earn")}
    assert len(months) >= 10  # the hours are dated at the check-outs of the year, not all today
    assert ledger.verify_ledger() == []
    if timezone.localdate().month > 1:  # members report from the new year: this year's attendances count
        assert Participation.objects.filter(source_ref__startswith="volunteers.attendance:").exists()
    assert seed_party(rng=rng, regions=regions, users=users) is None  # idempotent
    assert seed_volunteers(rng=rng, regions=regions, users=users) is None

"""The deliberation part of seed_demo: complete deliberations, an owners' vote tallied, idempotent."""

import random

from gongzhi.deliberation.models import Fund, Item, ItemState, Proposal, Vote, VoteState
from gongzhi.demo.deliberation import seed_deliberation
from gongzhi.demo.regions import seed_regions
from gongzhi.demo.registry import seed_registry
from gongzhi.demo.users import seed_units, seed_users


def test_the_demo_has_complete_deliberations_and_an_owners_vote(db, fast_password_hashing):
    rng = random.Random(7)
    regions = seed_regions(rng=rng, size="small")
    units = seed_units(regions)
    users = seed_users(regions, units, "Demo-password-2026")
    community = regions.communities[0]
    grids = [g for g in regions.grids if g.parent_id == community.pk]
    seed_registry(rng=rng, size="small", grids=grids, visitors=users)
    counts = seed_deliberation(rng=rng, regions=regions, users=users)
    assert counts is not None and counts["owners"] > 0
    owners_vote = Vote.objects.get(state=VoteState.CLOSED)
    assert owners_vote.rule == "art278_ordinary" and owners_vote.result["explanation"].endswith(
        ("adopted", "rejected", "nothing decided", "通过", "未通过", "未作决定"))
    assert Vote.objects.filter(state=VoteState.OPEN, secret=True).exists()
    assert Item.objects.filter(state=ItemState.DONE).exists()
    assert Proposal.objects.count() == 3 and Fund.objects.get().state == "closed"
    assert seed_deliberation(rng=rng, regions=regions, users=users) is None  # idempotent
    assert Item.objects.filter(state=ItemState.DONE).count() == 1

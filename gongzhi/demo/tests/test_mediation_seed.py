"""The mediation part of seed_demo: disputes in every state, an agreement whose PDF renders, a screening
round with one report missing; idempotent."""

import random

from django.utils import timezone

from gongzhi.demo.mediation import seed_mediation
from gongzhi.demo.regions import seed_regions
from gongzhi.demo.registry import seed_registry
from gongzhi.demo.users import seed_units, seed_users
from gongzhi.mediation import selectors
from gongzhi.mediation.documents import agreement_pdf
from gongzhi.mediation.models import Agreement, Dispute, DisputeState, EarlyWarning, ScreeningReport


def test_the_demo_has_disputes_in_every_state_and_a_screening_round(db, fast_password_hashing):
    rng = random.Random(7)
    regions = seed_regions(rng=rng, size="small")
    units = seed_units(regions)
    users = seed_users(regions, units, "Demo-password-2026")
    community = regions.communities[0]
    grids = [g for g in regions.grids if g.parent_id == community.pk]
    seed_registry(rng=rng, size="small", grids=grids, visitors=users)
    counts = seed_mediation(rng=rng, regions=regions, users=users)
    assert counts is not None and counts["disputes"] >= 7
    states = set(Dispute.objects.values_list("state", flat=True))
    assert set(DisputeState.values) <= states
    mediator = next(u for u in users if u.username == "demo_mediator")
    written = Agreement.objects.filter(form="written").order_by("id").first()
    assert written.follow_ups.exists() and written.confirmations.exists()
    assert agreement_pdf(actor=mediator, agreement=written, reason="演示数据检查")[:4] == b"%PDF"
    assert EarlyWarning.objects.filter(dispute__risk_level="major").exists()
    assert selectors.my_disputes(mediator).count() == 2 and selectors.due_follow_ups(mediator).exists()
    staff = next(u for u in users if u.username == "demo_community_staff")
    missing = selectors.missing_reports(staff, timezone.localdate())
    assert [r.pk for r in missing] == [grids[0].pk]
    assert ScreeningReport.objects.filter(is_zero=True).exists() and ScreeningReport.objects.filter(is_zero=False).exists()
    total = Dispute.objects.count()
    assert seed_mediation(rng=rng, regions=regions, users=users) is None  # idempotent
    assert Dispute.objects.count() == total

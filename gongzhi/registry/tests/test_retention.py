"""Visit notes past their retention are cleared; the visits (what the figures count) stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.actors import SystemActor
from gongzhi.accounts.roles import Role
from gongzhi.privacy import retention_services
from gongzhi.registry.models import HouseholdVisit


@pytest.mark.django_db
def test_old_visit_notes_are_cleared_and_the_visits_kept(tree, make_user):
    worker = make_user("gw_a1", role=Role.GRID_WORKER, region=tree["grid_a1"])
    now = timezone.now()
    old = HouseholdVisit.objects.create(grid=tree["grid_a1"], visitor=worker, visited_at=now - timedelta(days=4 * 365),
                                        notes="老人独居，儿子电话13812345678", follow_up_needed=True,
                                        follow_up_note="下周再访")
    recent = HouseholdVisit.objects.create(grid=tree["grid_a1"], visitor=worker, visited_at=now - timedelta(days=30),
                                           notes="一切正常")
    actor = SystemActor(username="system:test")

    counted = retention_services.sweep(actor=actor, dry_run=True, only=["visit_notes"])
    assert counted.results[0]["rows"] == 1 and HouseholdVisit.objects.get(pk=old.pk).notes

    run = retention_services.sweep(actor=actor, only=["visit_notes"])
    assert run.results[0] == {**run.results[0], "kind": "visit_notes", "action": "anonymise", "days": 3 * 365, "rows": 1}
    old.refresh_from_db()
    assert (old.notes, old.follow_up_note, old.follow_up_needed, old.visitor_id) == ("", "", True, worker.pk)
    assert HouseholdVisit.objects.get(pk=recent.pk).notes == "一切正常"
    assert HouseholdVisit.objects.count() == 2
    assert retention_services.sweep(actor=actor, only=["visit_notes"]).results[0]["rows"] == 0

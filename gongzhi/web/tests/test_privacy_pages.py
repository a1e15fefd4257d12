"""The data administrators' pages of personal-data protection: retention rules and sweeps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.models import LoginFailure
from gongzhi.privacy.models import RetentionRule, RetentionRun

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_changes_and_runs_the_retention_rules(world, signed_in):
    client = signed_in(world.users.admin)
    html = client.get("/console/privacy/retention/").content.decode()
    assert 'data-kind="audit_events"' in html and 'data-kind="closed_case_contacts"' in html
    assert "No sweep has run yet." in html
    assert 'href="/console/privacy/retention/"' in client.get("/console/").content.decode()  # the menu

    too_short = client.post("/console/privacy/retention/", {"kind": "audit_events", "days": "30", "enabled": "1"},
                            follow=True)
    assert "must be kept for at least 180 days" in too_short.content.decode()
    assert not RetentionRule.objects.exists()
    client.post("/console/privacy/retention/", {"kind": "failed_signins", "days": "30", "enabled": "1"})
    assert RetentionRule.objects.get(kind="failed_signins").days == 30

    LoginFailure.objects.create(name_hash="a" * 64, at=timezone.now() - timedelta(days=31))
    client.post("/console/privacy/retention/", {"action": "sweep", "dry_run": "1"})
    assert LoginFailure.objects.count() == 1 and RetentionRun.objects.get().dry_run
    response = client.post("/console/privacy/retention/", {"action": "sweep", "dry_run": "0"}, follow=True)
    assert not LoginFailure.objects.exists()
    assert "Failed sign-ins: 1" in response.content.decode()


def test_nobody_else_reaches_the_retention_page(world, signed_in):
    for user in (world.users.dispatcher, world.users.leader, world.users.resident):
        client = signed_in(user)
        assert client.get("/console/privacy/retention/").status_code == 403
        assert client.post("/console/privacy/retention/", {"kind": "failed_signins", "days": "30"}).status_code == 403
    assert not RetentionRule.objects.exists()

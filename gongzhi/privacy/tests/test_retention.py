"""Retention rules: defaults, administrators' changes within the legal minimum, the sweep and what it records."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gongzhi.accounts.actors import SystemActor
from gongzhi.accounts.models import LoginFailure, PhoneCode
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.ops import schedule
from gongzhi.privacy import retention, retention_services
from gongzhi.privacy.models import RetentionRule, RetentionRun

SWEEPER = SystemActor(username="system:test")


@pytest.fixture
def officer(make_user):
    return make_user("dpo", role=Role.ADMIN)


def test_every_kind_the_issue_names_is_registered_with_a_period():
    keys = {k.key for k in retention.kinds()}
    assert {"closed_case_contacts", "visit_notes", "failed_signins", "phone_codes", "audit_events"} <= keys
    assert retention.kind("audit_events").minimum_days == 180


@pytest.mark.django_db
def test_an_administrator_changes_a_period_within_its_minimum_audited(officer, make_user):
    rules = {r.key: r for r in retention_services.rules(actor=officer)}
    assert rules["failed_signins"].days == 180 and rules["failed_signins"].is_default
    with pytest.raises(ValidationError) as caught:
        retention_services.set_rule(actor=officer, kind="audit_events", days=90)
    assert "at least 180 days" in str(caught.value)
    with pytest.raises(ValidationError):
        retention_services.set_rule(actor=officer, kind="nothing_such", days=90)
    with pytest.raises(ValidationError):
        retention_services.set_rule(actor=officer, kind="failed_signins", days="soon")
    with pytest.raises(PermissionDenied):
        retention_services.set_rule(actor=make_user("staff", role=Role.COMMUNITY_STAFF), kind="failed_signins", days=30)
    assert not RetentionRule.objects.exists()

    retention_services.set_rule(actor=officer, kind="failed_signins", days=30)
    retention_services.set_rule(actor=officer, kind="phone_codes", days=30, enabled=False)
    rules = {r.key: r for r in retention_services.rules(actor=officer)}
    assert (rules["failed_signins"].days, rules["failed_signins"].is_default) == (30, False)
    assert not rules["phone_codes"].enabled
    event = AuditEvent.objects.filter(action="privacy.retention.rule").order_by("id").first()
    assert event.changes == {"kind": "failed_signins", "days": [180, 30], "enabled": [True, True]}


@pytest.mark.django_db
def test_the_sweep_deletes_old_sign_in_traces_and_records_what_it_did(officer):
    now = timezone.now()
    old_failure = LoginFailure.objects.create(name_hash="a" * 64, client_ip="10.0.0.1", at=now - timedelta(days=200))
    new_failure = LoginFailure.objects.create(name_hash="b" * 64, client_ip="10.0.0.2", at=now - timedelta(days=2))
    PhoneCode.objects.create(phone_index="c" * 64, code_hash="d" * 64, created_at=now - timedelta(days=31),
                             expires_at=now - timedelta(days=31))
    retention_services.set_rule(actor=officer, kind="audit_events", days=5 * 365)  # nothing old enough

    run = retention_services.sweep(actor=SWEEPER, only=["failed_signins", "phone_codes", "audit_events"])

    assert {r["kind"]: r["rows"] for r in run.results} == {"failed_signins": 1, "phone_codes": 1, "audit_events": 0}
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [new_failure.pk]
    assert not LoginFailure.objects.filter(pk=old_failure.pk).exists() and not PhoneCode.objects.exists()
    stored = RetentionRun.objects.get()
    assert stored.total_rows == 2 and not stored.failed and stored.finished_at and stored.actor_label == "system:test"
    event = AuditEvent.objects.get(action="privacy.retention.sweep")
    assert event.changes["rows"] == {"failed_signins": 1, "phone_codes": 1, "audit_events": 0}
    assert event.object_id == str(stored.pk)


@pytest.mark.django_db
def test_a_switched_off_kind_is_not_swept_and_a_failing_kind_does_not_stop_the_others(officer):
    LoginFailure.objects.create(name_hash="a" * 64, at=timezone.now() - timedelta(days=400))
    retention_services.set_rule(actor=officer, kind="failed_signins", days=180, enabled=False)
    retention.register("broken", title="broken", action=retention.DELETE, default_days=10,
                       apply="gongzhi.privacy.tests.test_retention.no_such_function")
    try:
        run = retention_services.sweep(actor=SWEEPER, only=["failed_signins", "broken", "phone_codes"])
    finally:
        retention.unregister("broken")
    assert [r["kind"] for r in run.results] == ["phone_codes", "broken"]
    assert run.failed and "ImportError" in run.results[1]["error"]
    assert LoginFailure.objects.count() == 1


@pytest.mark.django_db
def test_audit_events_older_than_the_rule_go_and_the_database_refuses_younger_ones(officer):
    now = timezone.now()
    ancient = AuditEvent.objects.create(action="test.ancient", at=now - timedelta(days=4 * 365))
    half_year = AuditEvent.objects.create(action="test.half_year", at=now - timedelta(days=179))
    retention_services.set_rule(actor=officer, kind="audit_events", days=180)

    run = retention_services.sweep(actor=SWEEPER, only=["audit_events"])

    assert run.results[0]["rows"] == 1
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()
    assert AuditEvent.objects.filter(pk=half_year.pk).exists()
    # Below the ORM too: the triggers refuse deleting (or changing) an event younger than 180 days.
    for sql in ("DELETE FROM audit_auditevent WHERE id = %s", "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [half_year.pk])
    assert AuditEvent.objects.filter(pk=half_year.pk).exists()


@pytest.mark.django_db
def test_the_sweep_is_a_daily_periodic_job_and_a_command(officer):
    job = next(j for j in schedule.registered() if j.name == "retention_sweep")
    assert job.every == timedelta(days=1)
    LoginFailure.objects.create(name_hash="a" * 64, at=timezone.now() - timedelta(days=400))
    schedule.run_job("retention_sweep")
    assert not LoginFailure.objects.exists() and RetentionRun.objects.count() == 1

    LoginFailure.objects.create(name_hash="a" * 64, at=timezone.now() - timedelta(days=400))
    out = StringIO()
    call_command("retention_sweep", "--dry-run", "--kind", "failed_signins", stdout=out)
    assert "failed_signins: would change 1 rows" in out.getvalue() and LoginFailure.objects.count() == 1
    call_command("retention_sweep", "--rules", stdout=out)
    assert "audit_events: delete after 1095 days" in out.getvalue()

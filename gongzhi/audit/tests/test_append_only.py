"""Audit events cannot be changed or deleted: not by the model, the queryset, nor raw SQL (triggers)."""

import pytest
from django.db import IntegrityError, connection, transaction

from gongzhi.audit import triggers
from gongzhi.audit.models import AppendOnlyError, AuditEvent
from gongzhi.audit.services import record


@pytest.fixture
def event(db):
    return record(actor=None, action="test.thing", object_type="test", object_id="1", object_repr="thing",
                  region_code="110105001001001")


def test_triggers_are_installed(db):
    expected = {"postgresql": {"audit_auditevent_no_update_delete", "audit_auditevent_no_truncate"},
                "sqlite": {"audit_auditevent_no_update", "audit_auditevent_no_delete"}}[connection.vendor]
    assert expected <= triggers.installed(connection)


def test_model_refuses_save_and_delete(event):
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"


def test_queryset_refuses_update_and_delete(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.thing").exists()


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET action = 'test.rewritten' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
])
def test_raw_sql_is_refused_by_the_database(event, sql):
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.thing").exists()


def test_raw_truncate_is_refused_on_postgresql(event):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused row by row")
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_inserting_is_still_allowed(event):
    with transaction.atomic():
        record(actor=None, action="test.second")
    assert AuditEvent.objects.count() == 2


def test_triggers_come_back_after_a_migration_rebuilds_the_table(event):
    """SQLite drops a table's triggers when a migration rebuilds it; post_migrate puts them back."""
    from gongzhi.audit.apps import ensure_triggers

    triggers.remove(connection)
    assert not (triggers.installed(connection) & {"audit_auditevent_no_update", "audit_auditevent_no_update_delete"})
    ensure_triggers(sender=None, using="default")
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

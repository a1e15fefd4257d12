"""Outside a test transaction: record() refuses to run alone, and flush may (only) empty everything."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from gongzhi.audit import triggers
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record

# serialized_rollback: the flush after each test then leaves the database as the migrations made
# it (content types included), so later transactional tests that reload it are not disturbed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=None, action="test.alone")
    assert not AuditEvent.objects.exists()


def test_flush_empties_the_trail_and_leaves_the_triggers_in_place():
    before = triggers.installed(connection)
    with transaction.atomic():
        record(actor=None, action="test.flushed")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers.installed(connection) == before
    with transaction.atomic():
        event = record(actor=None, action="test.after_flush")
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

"""record() refuses to run outside a transaction; flush (only) may empty the trail, triggers stay.

No transactional test here: flush runs inside the test's transaction (the audit
table has no foreign-key constraint, so PostgreSQL can TRUNCATE it there) and
everything is rolled back afterwards, so tests that follow keep the data the
migrations made.
"""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from gongzhi.audit import triggers
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record


def test_record_refuses_to_run_outside_a_transaction():
    # No database fixture: outside any atomic block, and record() must stop before touching the database.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(actor=None, action="test.alone")


def test_flush_empties_the_trail_and_leaves_the_triggers_in_place(db):
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

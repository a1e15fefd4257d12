"""The one sanctioned deletion of audit events: those older than the retention period.

The trail is append-only (:mod:`gongzhi.audit.triggers`); the database triggers let a
DELETE through only for events older than ``triggers.MIN_RETENTION_DAYS`` (180 days, the
legal minimum for logs), whatever the caller asks. This function is what the
privacy app's retention sweep registers for the kind ``audit_events``; the sweep's own
audit event says how many were deleted and up to when.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from . import triggers
from .models import AuditEvent

BATCH = 5000


def purge_before(cutoff: datetime, *, dry_run: bool = False) -> int:
    """Delete the events dated before ``cutoff`` (never younger than the legal minimum); returns how many."""
    floor = timezone.now() - timedelta(days=triggers.MIN_RETENTION_DAYS, minutes=1)
    cutoff = min(cutoff, floor)
    old = AuditEvent.objects.filter(at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted = 0
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    while True:
        ids = list(old.order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: the model and its queryset refuse every delete, by design.
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
            deleted += cursor.rowcount

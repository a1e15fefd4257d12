"""The export log: every file handed out with a watermark (``core.exports``) is one ``export.file`` audit event.

``core`` imports no app, so the writer calls the handlers registered with
``core.exports.register_log``; this one is registered from ``AuditConfig.ready()``.
The event names who (the watermark's actor), when, the format, the file's title,
the rows and the purpose; the data administrators read the log at
``/console/privacy/exports/``. Being audit events, the entries are append-only and
kept as long as the audit trail (the retention kind ``audit_events``).
"""

from django.db import transaction

from .services import record

ACTION = "export.file"


def record_export(watermark, *, fmt: str, title: str, rows: int) -> None:
    with transaction.atomic():
        record(actor=watermark.actor, action=ACTION, object_type="export", object_repr=title[:200],
               changes={"format": fmt, "title": title, "rows": rows, "who": watermark.who,
                        "at": watermark.stamp, "why": watermark.why})

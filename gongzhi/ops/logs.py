"""One JSON object per log line, carrying the request id of the request.

The request id is not a second mechanism: it is the one that
:class:`gongzhi.audit.middleware.AuditContextMiddleware` binds (from the
``X-Request-ID`` header or a new uuid) and that audit events store, so a log
line, an audit event and the ``X-Request-ID`` response header of one request
all carry the same id. Tasks enqueued through :func:`gongzhi.ops.tasks.task`
run under the id of the request that enqueued them.

This module must stay importable before Django is set up (``LOGGING`` and the
gunicorn master load it), so it imports nothing but the audit context.
"""

import json
import logging
from datetime import UTC, datetime

from gongzhi.audit import context

# Attributes every LogRecord has; whatever else a record carries came from
# ``extra=`` and is written out as a field of its own.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", "request_id",
}


def request_id_of(record) -> str:
    """The id set on the record, else the one bound now, else the one on its request.

    django.request logs error responses after the middleware chain has
    returned and the context is unbound, but it passes the request, on which
    :class:`gongzhi.ops.middleware.RequestIdMiddleware` left the id.
    """
    return (getattr(record, "request_id", "") or context.current().request_id
            or getattr(getattr(record, "request", None), "request_id", ""))


class RequestIdFilter(logging.Filter):
    """Stamp every record with its request id (for formats that name ``%(request_id)s``)."""

    def filter(self, record):
        record.request_id = request_id_of(record)
        return True


def _jsonable(value):
    """Extras may be any object; the line must still be valid JSON."""
    if hasattr(value, "method") and hasattr(value, "get_full_path"):  # a Django request
        return f"{value.method} {value.get_full_path()}"
    return str(value)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extras}``, one per line.

    Times are UTC with milliseconds; an exception is carried whole in
    ``exception`` so that a log shipper keeps it with its line.
    """

    def format(self, record):
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_of(record),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=_jsonable)

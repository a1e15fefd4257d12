"""One JSON object per log line, carrying the request id of the request.

The request id is not a second mechanism: it is the one that
:class:`gongzhi.audit.middleware.AuditContextMiddleware` binds (from the
``X-Request-ID`` header or a new uuid) and that audit events store, so a log
line, an audit event and the ``X-Request-ID`` response header of one request
all carry the same id. Tasks enqueued through :func:`gongzhi.ops.tasks.task`
run under the id of the request that enqueued them.

:class:`MaskPersonalNumbers` is the one log filter that masks phone and ID
numbers (``gongzhi.core.crypto.mask_free_text``) in every record: settings.py
attaches it to every handler of ``LOGGING``, and the gunicorn logger to its own.

This module must stay importable before Django is set up (``LOGGING`` and the
gunicorn master load it), so it imports nothing but the audit context and
``core.crypto`` (which reads settings only when a key is used).
"""

import copy
import json
import logging
import logging.config
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from gongzhi.audit import context
from gongzhi.core import crypto

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
    if _is_request(value):  # a Django request
        return f"{value.method} {value.get_full_path()}"
    return str(value)


def mask_text(text: str) -> str:
    """``text`` with phone and ID numbers masked, also where they are percent-encoded (a query string)."""
    masked = crypto.mask_free_text(text)
    if "%" in masked or "+" in masked:
        decoded = unquote_plus(masked)
        if decoded != masked and crypto.personal_numbers(decoded):
            return crypto.mask_free_text(decoded)
    return masked


def _is_request(value) -> bool:
    return hasattr(value, "method") and hasattr(value, "get_full_path")


def _masked(value):
    if isinstance(value, str):
        return mask_text(value)
    if _is_request(value):
        return mask_text(_jsonable(value))  # as JsonFormatter writes it: the path and its query string
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return value


_TRACEBACKS = logging.Formatter()


class MaskPersonalNumbers(logging.Filter):
    """Mask phone and ID numbers in the message, the arguments, every extra field, the exception and stack.

    The handler gets a masked copy of the record (Python 3.12+ filters may
    return one): other handlers, and code holding the record, keep it as it was.
    A request passed as an extra (``django.request``) becomes its masked
    ``"METHOD /path?query"``, as :class:`JsonFormatter` writes it.
    """

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format: the handler reports it as it always does
            return record
        masked = copy.copy(record)
        masked.msg, masked.args = mask_text(message), None
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                setattr(masked, key, _masked(value))
        masked.request_id = mask_text(request_id_of(record))  # a client may send any X-Request-ID
        if record.exc_info or record.exc_text:
            masked.exc_text = mask_text(record.exc_text or _TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            masked.stack_info = mask_text(record.stack_info)
        return masked


def mask_every_handler() -> None:
    """Attach :class:`MaskPersonalNumbers` to every handler of every logger that lacks it."""
    loggers = [logging.getLogger(), *list(logging.root.manager.loggerDict.values())]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):  # a PlaceHolder has none
            if not any(isinstance(f, MaskPersonalNumbers) for f in handler.filters):
                handler.addFilter(MaskPersonalNumbers())


def configure(config: dict) -> None:
    """``LOGGING_CONFIG``: apply ``LOGGING``, then mask every handler, Django's defaults included.

    Django applies its own default handlers before calling this, and does so again whenever it
    is set up again (``get_wsgi_application()`` calls ``django.setup()``), so masking them once
    at start-up is not enough: every configuration ends here.
    """
    logging.config.dictConfig(config)
    mask_every_handler()


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
        if record.exc_info or record.exc_text:
            payload["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=_jsonable)

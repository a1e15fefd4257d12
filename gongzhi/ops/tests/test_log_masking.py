"""One log filter masks phone and ID numbers in every log record, gunicorn's access log included (#11 item 9)."""

import io
import json
import logging
import sys
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings

from gongzhi.core import crypto
from gongzhi.ops.logs import JsonFormatter, MaskPersonalNumbers

from .log_check import LeakCatcher, numbers_in

PHONE, ID_NUMBER = "+86 138-0013-8000", "110105 19491231 002X"


def handled(record, *, formatter=None, masked=True) -> str:
    """What a handler writes of ``record`` (handed to it directly: no logger, so the session check does
    not see the clear numbers this test needs)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or JsonFormatter())
    if masked:
        handler.addFilter(MaskPersonalNumbers())
    handler.handle(record)
    return stream.getvalue()


def leaky_record():
    record = logging.LogRecord("gongzhi.test", logging.ERROR, __file__, 1, "sign-in failed for %s (%s)",
                               (PHONE, {"id": ID_NUMBER}), None)
    record.query = "q=" + quote("１３８ ００１３ ８０００")  # full-width, percent-encoded, as in a query string
    record.path = "/api/v1/registry/persons"
    record.status = 422
    record.request_id = "13800138000"  # X-Request-ID is the client's choice
    record.names = ["110105194912310021", 7]
    record.request = SimpleNamespace(method="GET", get_full_path=lambda: "/persons?q=138%200013%208000")
    try:
        raise ValueError(f"duplicate key (phone)=({PHONE})")
    except ValueError:
        record.exc_info = sys.exc_info()
    return record


def test_the_filter_masks_message_arguments_extras_request_and_exception():
    record = leaky_record()
    line = handled(record)
    assert numbers_in(line) == []
    payload = json.loads(line)
    assert payload["message"] == "sign-in failed for 138****8000 ({'id': '1101**********002X'})"
    assert payload["query"] == "q=138****8000" and payload["status"] == 422
    assert payload["request_id"] == "138****8000"
    assert payload["names"] == ["1101**********0021", 7]
    assert payload["request"] == "GET /persons?q=138****8000"
    assert "ValueError: duplicate key (phone)=(138****8000)" in payload["exception"]
    # The record itself is untouched: other handlers (and the code that logged it) keep what they had.
    assert record.getMessage().startswith(f"sign-in failed for {PHONE}") and record.exc_text is None
    # Without the filter the same line leaks: the filter, not luck, masks it.
    assert "phone" in numbers_in(handled(leaky_record(), masked=False))


def test_plain_lines_are_masked_too():
    line = handled(leaky_record(), formatter=logging.Formatter("%(levelname)s %(message)s"))
    assert numbers_in(line) == [] and "138****8000" in line and "ValueError" in line


def test_every_handler_of_the_settings_masks():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal_numbers" in handler.get("filters", []), name
    configured = [h for h in logging.getLogger().handlers if h.get_name() in settings.LOGGING["handlers"]]
    assert configured
    for handler in configured:
        assert any(isinstance(f, MaskPersonalNumbers) for f in handler.filters), handler


def test_djangos_default_handlers_mask_too():
    """runserver's access log and the "django" logger's handlers are configured outside LOGGING."""
    for name in ("django", "django.server"):
        handlers = [h for h in logging.getLogger(name).handlers if not type(h).__module__.startswith("_pytest")]
        assert handlers, name
        for handler in handlers:
            assert any(isinstance(f, MaskPersonalNumbers) for f in handler.filters), (name, handler)


def test_the_session_check_catches_a_handler_without_the_filter(monkeypatch):
    catcher = LeakCatcher()
    record = logging.LogRecord("gongzhi.test", logging.INFO, __file__, 1, "call %s", (PHONE,), None)
    monkeypatch.setattr(catcher, "product_handlers", lambda: [logging.StreamHandler(io.StringIO())])
    catcher.emit(record)
    [leak] = catcher.leaks
    assert "phone" in leak and "138****8000" in leak and "0013" not in leak
    masking = logging.StreamHandler(io.StringIO())
    masking.addFilter(MaskPersonalNumbers())
    monkeypatch.setattr(catcher, "product_handlers", lambda: [masking])
    catcher.emit(record)
    assert len(catcher.leaks) == 1


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_gunicorn_access_log_masks_the_query_of_a_refused_search(tmp_path, monkeypatch, log_format):
    from gunicorn.config import Config

    from gongzhi.ops.gunicorn_logging import Logger

    monkeypatch.setenv("LOG_FORMAT", log_format)
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    logger = Logger(cfg)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/registry/persons", "RAW_URI": "/api/v1/registry/persons",
               "QUERY_STRING": "q=%2B86%20138%200013%208000&id=11010519491231002X", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "10.0.0.1"}
    response = SimpleNamespace(status="422 Unprocessable Content", headers=[("X-Request-ID", "r-1")], sent=10,
                               response_length=10)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    logger.error("worker saw %s", PHONE)
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    written = (tmp_path / "access.log").read_text() + (tmp_path / "error.log").read_text()
    assert "registry/persons" in written and "138****8000" in written
    assert numbers_in(written) == [], written
    if log_format == "json":
        [line] = (tmp_path / "access.log").read_text().splitlines()
        assert json.loads(line)["query"] == "q=138****8000&id=1101**********002X"
    assert crypto.personal_numbers(written) == []

"""Log lines are JSON objects that carry the request id of their request."""

import io
import json
import logging
import subprocess
import sys

import pytest

from gongzhi.audit import context
from gongzhi.ops.logs import JsonFormatter, RequestIdFilter

from .sites import ROOT, clean_env


@pytest.fixture
def json_lines():
    """Capture what the django.request logger writes, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_log_line_of_a_request_carries_the_request_id_given_by_the_client(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-7f3a")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-7f3a"
    [line] = json_lines()
    assert line["request_id"] == "req-7f3a"
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert "/no-such-page/" in line["message"]
    assert line["status_code"] == 404
    assert set(line) >= {"time", "level", "logger", "message", "request_id"}


@pytest.mark.django_db
def test_without_a_client_id_the_generated_one_is_on_the_response_and_the_log(client, json_lines):
    response = client.get("/no-such-page/")
    generated = response["X-Request-ID"]
    assert len(generated) == 32
    [line] = json_lines()
    assert line["request_id"] == generated


@pytest.mark.django_db
def test_every_response_names_its_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first["X-Request-ID"] and second["X-Request-ID"]
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_extras_and_exceptions_are_fields_of_the_object():
    record = logging.LogRecord("gongzhi.test", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
    record.case_id = 42
    record.who = object()  # not JSON-serialisable: written as text, the line stays valid
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    with context.bind("10.0.0.1", "bound-id"):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert line["request_id"] == "bound-id"
    assert line["case_id"] == 42
    assert line["who"].startswith("<object")
    assert "ValueError: boom" in line["exception"]
    assert "\n" not in JsonFormatter().format(record)


def _log_from_a_command(log_format):
    env = clean_env(LOG_FORMAT=log_format)
    code = "import logging; logging.getLogger('gongzhi.probe').warning('probe %s', 1, extra={'case_id': 7})"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stderr.splitlines() if "probe" in line]


def test_settings_select_json_or_plain_lines_by_log_format():
    [json_line] = _log_from_a_command("json")
    line = json.loads(json_line)
    assert line["logger"] == "gongzhi.probe" and line["message"] == "probe 1" and line["case_id"] == 7
    assert line["request_id"] == ""
    [plain_line] = _log_from_a_command("plain")
    assert plain_line.endswith("WARNING gongzhi.probe probe 1")

"""A search for a phone or ID number in a URL is refused, and the log lines of that request are masked (#11 item 9).

The log is read where the product writes it: the handler that ``settings.LOGGING`` configured, switched to
the production JSON format for the test.
"""

import io
import json
import logging
from urllib.parse import unquote_plus

import pytest

from gongzhi.core import crypto
from gongzhi.ops.logs import JsonFormatter

BASE = "/api/v1/registry"
WRITTEN = ["13812345678", "+86 138 1234 5678", "１３８－１２３４－５６７８", "11010519491231002X",
           "110105 19491231 002x"]


@pytest.fixture
def product_log(settings):
    handler = next(h for h in logging.getLogger().handlers if h.get_name() in settings.LOGGING["handlers"])
    stream, formatter = io.StringIO(), handler.formatter
    previous = handler.setStream(stream)
    handler.setFormatter(JsonFormatter())
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)
        handler.setFormatter(formatter)


@pytest.mark.django_db
@pytest.mark.parametrize("value", WRITTEN)
def test_a_refused_search_for_a_phone_or_id_number_leaves_only_masked_log_lines(client, staff, product_log, value):
    client.force_login(staff["community_a"])
    response = client.get(f"{BASE}/persons", {"q": value})
    assert response.status_code == 422 and "lookup" in response.json()["detail"]
    lines = product_log()
    [refused] = [line for line in lines if line.get("status_code") == 422]
    assert refused["request"].startswith("GET /api/v1/registry/persons?q=")
    text = json.dumps(lines, ensure_ascii=False)
    assert crypto.personal_numbers(text) == [] and crypto.personal_numbers(unquote_plus(text)) == []
    assert "****" in unquote_plus(refused["request"])


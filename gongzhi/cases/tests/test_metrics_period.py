"""A period of the rates API is bounded (METRICS_MAX_PERIOD_DAYS) and a bad one is answered, never a 500."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from gongzhi.cases import metrics

URL = "/api/v1/cases/metrics"


@pytest.mark.django_db
@pytest.mark.parametrize("query, field, message", [
    ({"start": "0001-01-01", "end": "9999-12-31"}, "start", "Give a date between 2000 and 2100."),
    ({"start": "2000-01-01", "end": "2100-12-31"}, "end", "The period is longer than 366 days; choose a shorter one."),
    ({"start": "2025-13-01", "end": "2025-12-31"}, "start", "Write the date as YYYY-MM-DD, e.g. 2025-09-01."),
    ({"start": "2025-01-01", "end": "x"}, "end", "Write the date as YYYY-MM-DD, e.g. 2025-09-01."),
    ({"month": "0001-01"}, "month", "Give a date between 2000 and 2100."),
])
def test_a_bad_period_is_answered_with_a_message(client, world, query, field, message):
    client.force_login(world.users.leader)
    for path in ("", "/ranking", "/ranking.xlsx") if "month" in query else ("",):
        response = client.get(URL + path, query)
        assert response.status_code == 422, (path, response.content)
        assert response.json()["errors"] == {field: [message]}


@pytest.mark.django_db
def test_the_message_is_in_the_callers_language(client, world):
    client.force_login(world.users.leader)
    response = client.get(URL, {"start": "2000-01-01", "end": "2100-12-31"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["errors"]["end"] == ["统计时段不能超过 366 天，请缩短时段。"]


def test_the_longest_period_is_a_setting(settings):
    assert metrics.Period.between(date(2024, 1, 1), date(2024, 12, 31)).label == "2024-01-01–2024-12-31"  # 366 days
    with pytest.raises(ValidationError):
        metrics.Period.between(date(2024, 1, 1), date(2025, 1, 1))
    settings.METRICS_MAX_PERIOD_DAYS = 31
    with pytest.raises(ValidationError, match="31 days"):
        metrics.Period.between(date(2025, 1, 1), date(2025, 2, 1))
    assert metrics.Period.month("2025-01").label == "2025-01"

"""/metrics: only for allowed addresses or the token; counts requests; serves registered gauges."""

import re

import pytest
from django.test import override_settings

from gongzhi.ops import metrics

TOKEN = "metrics-token-for-tests-0123456789"


def sample(text, name, **labels):
    """The value of one sample in the exposition text, or None."""
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(4))
    return None


@pytest.fixture
def gauges():
    before = {gauge.name for gauge in metrics.registered_gauges()}
    yield metrics
    for gauge in metrics.registered_gauges():
        if gauge.name not in before:
            metrics.unregister_gauge(gauge.name)


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_refused_from_an_address_not_allowed_and_without_token(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_allowed_with_the_token_from_anywhere(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="")
def test_no_token_configured_means_no_token_opens_it(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_IPS=["127.0.0.1", "10.1.0.0/16"])
def test_allowed_from_listed_addresses_and_networks(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.200.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403


@pytest.mark.django_db
@override_settings(TRUST_X_FORWARDED_FOR=False)
def test_a_proxied_request_is_not_allowed_by_the_proxy_address(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 403


@pytest.mark.django_db
@override_settings(TRUST_X_FORWARDED_FOR=True)
def test_behind_a_trusted_proxy_the_client_address_decides(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_view_and_status(client):
    before = client.get("/metrics").content.decode()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    after = client.get("/metrics").content.decode()

    def delta(name, **labels):
        return (sample(after, name, **labels) or 0) - (sample(before, name, **labels) or 0)

    assert delta("gongzhi_http_requests_total", view="healthz", method="GET", status="200") == 2
    assert delta("gongzhi_http_requests_total", view="<unmatched>", method="GET", status="404") == 1
    assert delta("gongzhi_http_request_duration_seconds_count", view="healthz", status="200") == 2


@pytest.mark.django_db
def test_registered_gauges_are_computed_at_scrape_time(client, gauges):
    open_cases = {"new": 3, "dispatched": 5}
    gauges.register_gauge("gongzhi_test_cases_by_state", "Cases by state.", lambda: dict(open_cases),
                          labels=("state",))
    gauges.register_gauge("gongzhi_test_overdue", "Overdue cases.", lambda: 4)
    text = client.get("/metrics").content.decode()
    assert sample(text, "gongzhi_test_cases_by_state", state="new") == 3
    assert sample(text, "gongzhi_test_overdue") == 4
    open_cases["new"] = 9
    assert sample(client.get("/metrics").content.decode(), "gongzhi_test_cases_by_state", state="new") == 9


@pytest.mark.django_db
def test_a_failing_gauge_is_reported_and_the_rest_is_served(client, gauges):
    def broken():
        raise RuntimeError("database went away")

    gauges.register_gauge("gongzhi_test_broken", "Broken.", broken)
    gauges.register_gauge("gongzhi_test_fine", "Fine.", lambda: 1)
    response = client.get("/metrics")
    text = response.content.decode()
    assert response.status_code == 200
    assert sample(text, "gongzhi_scrape_collector_up", collector="gongzhi_test_broken") == 0
    assert sample(text, "gongzhi_scrape_collector_up", collector="gongzhi_test_fine") == 1
    assert sample(text, "gongzhi_test_fine") == 1


@pytest.mark.django_db
def test_queue_depth_of_the_database_queue(client):
    from gongzhi.ops.tasks import run_periodic_job

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        run_periodic_job.enqueue("nothing")
        run_periodic_job.enqueue("nothing")
        text = client.get("/metrics").content.decode()
    assert sample(text, "gongzhi_task_queue_depth", queue="default") == 2
    assert sample(text, "gongzhi_task_oldest_waiting_seconds") >= 0

"""/readyz: 200 when database, cache and queue answer; 503 naming what failed."""

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_ready_when_everything_answers(client, monkeypatch):
    from datetime import date

    from gongzhi.core import workcal

    monkeypatch.setattr(workcal, "today", lambda: date(2026, 6, 1))  # a year the calendar knows, before November
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["queue"].startswith("ok")


@pytest.mark.django_db
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_not_ready_when_the_cache_drops_what_it_is_given(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: CacheUnavailable"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
@override_settings(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}})
def test_not_ready_when_the_cache_server_is_unreachable(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["cache"].startswith("error: ")


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_database_queue_is_checked_through_its_table(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["queue"] == "ok"


@pytest.mark.django_db
@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:6379/0", "KEY_PREFIX": "gongzhi-test"}})
def test_ready_with_the_local_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()

import pytest


@pytest.mark.django_db
def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client, chinese_default):
    response = client.get("/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_login_page_in_english(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in response.content.decode()

"""Sign-in lockout through the login page, the admin login and authenticate().

Time is controlled without freezing the clock: failures are written with a
past ``at`` and the window and lockout are set to small numbers of seconds.
"""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from gongzhi.accounts import lockout
from gongzhi.accounts.models import LoginFailure
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.core import crypto

from .conftest import PASSWORD

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_FAILURE_WINDOW = 600
    settings.LOGIN_LOCKOUT_SECONDS = 600


@pytest.fixture
def zhang(make_user):
    return make_user("zhang", role=Role.RESIDENT)


def sign_in(client, username, password, ip="198.51.100.7", lang="en", url="/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip,
                       HTTP_ACCEPT_LANGUAGE=lang)


def signed_in(client):
    return "_auth_user_id" in client.session


def failures(username, ages_in_seconds, ip=None):
    now = timezone.now()
    for age in ages_in_seconds:
        LoginFailure.objects.create(name_hash=lockout.name_hash(username), client_ip=ip,
                                    at=now - timedelta(seconds=age))


def failures_of(username):
    return LoginFailure.objects.filter(name_hash=lockout.name_hash(username))


def test_right_password_signs_in(client, zhang):
    response = sign_in(client, "zhang", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_failures_lock_the_name_even_for_the_right_password(client, zhang):
    for _ in range(2):
        response = sign_in(client, "zhang", WRONG)
        assert "Too many failed sign-ins" not in response.content.decode()
    third = sign_in(client, "zhang", WRONG)
    assert "Too many failed sign-ins. Try again in 10 minutes." in third.content.decode()
    response = sign_in(client, "zhang", PASSWORD)
    assert response.status_code == 200 and not signed_in(client)
    assert "Too many failed sign-ins. Try again in 10 minutes." in response.content.decode()


def test_lockout_message_is_chinese_by_default(client, zhang, chinese_default):
    failures("zhang", [30, 20, 10])
    response = client.post("/login/", {"username": "zhang", "password": PASSWORD})
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录失败次数过多" in body and "10 分钟后再试" in body
    assert not signed_in(client)


def test_name_is_locked_whatever_its_case_and_address(client, zhang):
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        sign_in(client, "ZHANG", WRONG, ip=ip)
    sign_in(client, "zhang", PASSWORD, ip="203.0.113.99")
    assert not signed_in(client)


def test_failures_from_one_address_lock_that_address(client, zhang, make_user):
    make_user("li", role=Role.RESIDENT)
    for name in ("a", "b", "c"):
        sign_in(client, name, WRONG, ip="198.51.100.66")
    sign_in(client, "li", PASSWORD, ip="198.51.100.66")
    assert not signed_in(client)
    sign_in(client, "li", PASSWORD, ip="198.51.100.67")  # another address is not locked
    assert signed_in(client)


def test_failures_outside_the_window_do_not_lock(client, zhang):
    failures("zhang", [1900, 1300, 700])  # each 600 s apart: never 3 within 600 s
    sign_in(client, "zhang", PASSWORD)
    assert signed_in(client)


def test_lockout_ends_after_the_lockout_time(client, zhang):
    failures("zhang", [640, 630, 620])  # locked until 20 s ago
    assert lockout.locked_until("zhang", None) is None
    sign_in(client, "zhang", PASSWORD)
    assert signed_in(client)


def test_lockout_lasts_from_the_last_failure_even_when_the_first_is_old(zhang):
    # 3 failures within 590 s; the last 500 s ago, so locked for 100 s more. The first
    # failure is older than both the window and the lockout time and must still count.
    failures("zhang", [1090, 800, 500])
    until = lockout.locked_until("zhang", None)
    assert until is not None
    assert timedelta(seconds=90) < until - timezone.now() <= timedelta(seconds=100)


def test_small_window_from_settings(settings, zhang):
    settings.LOGIN_FAILURE_WINDOW = 5
    failures("zhang", [20, 12, 4])  # 16 s apart: more than the window
    assert lockout.locked_until("zhang", None) is None
    failures("zhang", [3])  # 12, 4, 3 → still 9 s apart
    assert lockout.locked_until("zhang", None) is None
    failures("zhang", [2])  # 4, 3, 2 → within 5 s
    assert lockout.locked_until("zhang", None) is not None


def test_success_clears_the_failures(client, zhang):
    sign_in(client, "zhang", WRONG)
    sign_in(client, "zhang", WRONG)
    sign_in(client, "zhang", PASSWORD)
    assert signed_in(client)
    assert not failures_of("zhang").exists()
    client.logout()
    sign_in(client, "zhang", WRONG)
    sign_in(client, "zhang", WRONG)
    sign_in(client, "zhang", PASSWORD)  # would be the 5th failure in the window without the clearing
    assert signed_in(client)


def test_each_failure_and_the_lockout_are_audited_and_logged(client, zhang, caplog):
    with caplog.at_level(logging.INFO, logger="gongzhi.security"):
        for _ in range(3):
            sign_in(client, "zhang", WRONG, ip="198.51.100.9")
        sign_in(client, "zhang", PASSWORD, ip="198.51.100.9")
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == 3
    assert set(failed.values_list("client_ip", flat=True)) == {"198.51.100.9"}
    assert set(failed.values_list("object_repr", flat=True)) == {f"name#{lockout.name_hash('zhang')[:16]}"}
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    assert AuditEvent.objects.filter(action="auth.login_refused_locked").count() == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "gongzhi.security"]
    assert sum("sign-in failed" in m for m in messages) == 2
    assert sum("locked out" in m for m in messages) == 1
    assert sum("refused during lockout" in m for m in messages) == 1
    assert all("198.51.100.9" in m for m in messages)


def test_the_admin_login_is_locked_too_and_says_so(client, make_user):
    make_user("boss", role=Role.ADMIN, is_staff=True)
    failures("boss", [30, 20, 10])
    response = sign_in(client, "boss", PASSWORD, url="/admin/login/?next=/admin/")
    assert response.status_code == 200 and not signed_in(client)
    assert "Too many failed sign-ins" in response.content.decode()


def test_authenticate_refuses_during_a_lockout_whatever_the_caller(zhang):
    failures("zhang", [30, 20, 10])
    assert authenticate(username="zhang", password=PASSWORD) is None
    LoginFailure.objects.all().delete()
    assert authenticate(username="zhang", password=PASSWORD) == zhang


def test_old_failures_are_pruned(zhang):
    failures("someone", [5000])
    lockout.note_failure("zhang", None)
    assert not failures_of("someone").exists()
    assert failures_of("zhang").count() == 1


@pytest.mark.parametrize("typed", ["13912345678", "+86 139 1234 5678", "１３９１２３４５６７８", "11010519491231002X"])
def test_a_phone_or_id_number_as_user_name_is_kept_only_as_its_keyed_hash(client, zhang, caplog, typed):
    """#11 item 9: the failure table, the audit trail and the log hold the hash, never the name typed."""
    with caplog.at_level(logging.INFO, logger="gongzhi.security"):
        for _ in range(3):
            sign_in(client, typed, WRONG)
        response = sign_in(client, typed, WRONG)
    assert "Too many failed sign-ins" in response.content.decode()  # the lockout still counts, by hash
    assert lockout.locked_until(typed.lower(), None) is not None
    hashed = lockout.name_hash(typed)
    assert len(hashed) == 64 and failures_of(typed).count() == 3
    stored = " ".join(str(row) for row in LoginFailure.objects.values_list())
    events = " ".join(str(row) for row in AuditEvent.objects.values_list())
    lines = " ".join(r.getMessage() for r in caplog.records)
    assert hashed[:16] in events and hashed[:16] in lines
    digits = "".join(ch for ch in typed.translate(crypto._FOLD) if ch.isalnum())
    for text in (stored, events, lines):
        assert crypto.personal_numbers(text) == [] and digits[-8:] not in text and typed not in text

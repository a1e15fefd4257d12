"""Residents reach their account by phone: sign-up and sign-in with a one-time SMS code.

The SMS channel is the real :class:`HttpSmsChannel`, talking HTTP to a local
stand-in for the provider's API that each test starts on a free port.
"""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import PhoneCode, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services
from gongzhi.core import crypto
from gongzhi.notifications import channels
from gongzhi.notifications.models import Delivery, DeliveryStatus

PHONE = "13800138000"


class StandInGateway:
    """A provider's SMS API on 127.0.0.1: keeps what it was sent, answers as told."""

    def __init__(self):
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.status = 200
        self.answer = {"ok": True}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                length = int(self.headers.get("Content-Length") or 0)
                gateway.received.append(json.loads(self.rfile.read(length)))
                gateway.headers.append(dict(self.headers))
                body = json.dumps(gateway.answer).encode()
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def codes(self) -> list[str]:
        return [re.search(r"\d{6}", message["text"]).group() for message in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    stand_in = StandInGateway()
    settings.NOTIFICATION_CHANNELS = {"sms": {
        "BACKEND": "gongzhi.notifications.channels.HttpSmsChannel", "URL": stand_in.url, "TOKEN": "t0ken",
        "SIGN_NAME": "共治", "TIMEOUT": "5"}}
    yield stand_in
    stand_in.close()


def send(client, phone=PHONE, **extra):
    return client.post(reverse("phone_login"), {"phone": phone, "send": "1", **extra})


def sign_in(client, code, phone=PHONE):
    return client.post(reverse("phone_login"), {"phone": phone, "code": code, "signin": "1"})


@pytest.mark.django_db
def test_a_new_number_signs_up_with_the_code_sent_through_the_providers_api(client, gateway):
    response = send(client, "+86 138-0013-8000")
    assert response.status_code == 200
    assert "138****8000" in response.content.decode()
    assert len(gateway.received) == 1
    message = gateway.received[0]
    assert message["phone"] == PHONE
    assert message["text"].startswith("【共治】")
    assert gateway.headers[0]["Authorization"] == "Bearer t0ken"

    response = sign_in(client, gateway.codes()[0], phone="138 0013 8000")
    assert response.status_code == 302
    user = User.objects.get(phone_index=crypto.blind_index("phone", PHONE))
    assert user.role == Role.RESIDENT and user.phone == PHONE
    assert client.get(reverse("home")).status_code == 302  # signed in: sent on to the resident's home
    # The number is stored encrypted, and the trail names it only masked.
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        assert PHONE not in cursor.fetchone()[0]
    trail = " ".join(str(e.changes) + e.object_repr for e in AuditEvent.objects.filter(action__startswith="auth.sms"))
    assert "138****8000" in trail and PHONE not in trail


@pytest.mark.django_db
def test_the_same_number_signs_in_to_the_same_account_again(client, gateway, settings):
    settings.SMS_CODE_INTERVAL = 0
    send(client)
    sign_in(client, gateway.codes()[-1])
    first = User.objects.get(phone_index=crypto.blind_index("phone", PHONE))
    client.post(reverse("logout"))
    send(client)
    assert sign_in(client, gateway.codes()[-1]).status_code == 302
    assert User.objects.filter(phone_index=first.phone_index).count() == 1


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_spends_the_code_after_the_allowed_attempts(client, gateway, settings):
    settings.SMS_CODE_MAX_ATTEMPTS = 3
    send(client)
    right = gateway.codes()[0]
    wrong = "000000" if right != "000000" else "111111"
    response = sign_in(client, wrong)
    assert response.status_code == 200
    assert "The code is wrong. 2 attempts left." in response.content.decode()
    sign_in(client, wrong)
    assert "Ask for a new one" in sign_in(client, wrong).content.decode()
    # Even the right code no longer works: the code is spent.
    response = sign_in(client, right)
    assert response.status_code == 200 and "expired or was used up" in response.content.decode()
    assert not User.objects.filter(role=Role.RESIDENT, phone_index=crypto.blind_index("phone", PHONE)).exists()


@pytest.mark.django_db
def test_an_expired_or_used_code_is_refused(client, gateway, settings):
    send(client)
    code = gateway.codes()[0]
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = sign_in(client, code)
    assert response.status_code == 200 and "expired or was used up" in response.content.decode()

    settings.SMS_CODE_INTERVAL = 0
    send(client)
    code = gateway.codes()[-1]
    assert sign_in(client, code).status_code == 302
    client.post(reverse("logout"))
    assert "expired or was used up" in sign_in(client, code).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["", "12345", "23800138000", "138001380001", "138-0013-800x"])
def test_a_number_that_is_no_mobile_number_is_refused_and_nothing_is_sent(client, gateway, phone):
    response = send(client, phone)
    assert response.status_code == 200
    assert "mobile number" in response.content.decode()
    assert gateway.received == [] and not PhoneCode.objects.exists()


@pytest.mark.django_db
def test_codes_are_rate_limited_per_number_and_per_address(client, gateway, settings):
    response = send(client)
    response = send(client)
    assert "You can ask for another in" in response.content.decode()
    assert len(gateway.received) == 1

    settings.SMS_CODE_INTERVAL = 0
    settings.SMS_CODE_PER_NUMBER_DAY = 2
    send(client)
    assert "Too many codes for this number today" in send(client).content.decode()
    assert len(gateway.received) == 2

    settings.SMS_CODE_PER_ADDRESS_HOUR = 3
    send(client, "13900139000")
    assert "Too many codes from this network" in send(client, "13700137000").content.decode()
    assert len(gateway.received) == 3


@pytest.mark.django_db
def test_a_failing_gateway_is_told_to_the_user_and_still_counts(client, gateway):
    gateway.status, gateway.answer = 500, {"ok": False, "error": "quota"}
    response = send(client)
    assert "could not be sent" in response.content.decode()
    assert PhoneCode.objects.count() == 1


@pytest.mark.django_db
def test_staff_numbers_do_not_sign_in_by_code(client, gateway, make_user):
    staff = make_user("clerk", Role.DISPATCHER)
    staff.phone = PHONE
    staff.save()
    send(client)
    response = sign_in(client, gateway.codes()[0])
    assert response.status_code == 200
    assert "Staff accounts sign in with their user name and password." in response.content.decode()


@pytest.mark.django_db
def test_the_development_channel_writes_the_code_to_the_log(client, settings, caplog):
    settings.NOTIFICATION_CHANNELS = {"sms": {"BACKEND": "gongzhi.notifications.channels.LoggingChannel"}}
    with caplog.at_level("INFO", logger="gongzhi.notifications"):
        send(client)
    line = next(r.getMessage() for r in caplog.records if r.name == "gongzhi.notifications")
    code = re.search(r"\d{6}", line).group()
    assert PHONE not in line and "138****8000" in line
    assert sign_in(client, code).status_code == 302


def test_an_http_sms_channel_without_a_url_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        channels.HttpSmsChannel("sms")


@pytest.mark.django_db
def test_the_reply_and_callback_request_reach_a_phone_resident_by_sms(client, gateway, case_in, world,
                                                                      django_capture_on_commit_callbacks):
    send(client)
    sign_in(client, gateway.codes()[0])
    resident = User.objects.get(phone_index=crypto.blind_index("phone", PHONE))
    case = case_in("in_progress", reporter=resident)
    before = len(gateway.received)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_case(case=case, actor=world.users.cg_clerk, content="已责令工地夜间停工。")
    texts = [m for m in gateway.received[before:] if m["phone"] == PHONE]
    assert len(texts) == 1 and case.number in texts[0]["text"]
    assert Delivery.objects.filter(notification__user=resident, channel="sms", status=DeliveryStatus.SENT).exists()


@pytest.mark.django_db
def test_a_resident_without_a_number_is_skipped_on_the_sms_channel(gateway, case_in, world,
                                                                   django_capture_on_commit_callbacks):
    case = case_in("in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_case(case=case, actor=world.users.cg_clerk, content="已处理。")
    assert not gateway.received
    delivery = Delivery.objects.get(notification__user=world.users.resident, channel="sms")
    assert delivery.status == DeliveryStatus.SKIPPED


@pytest.mark.django_db
def test_the_page_speaks_chinese_by_default(client, chinese_default):
    response = client.get(reverse("phone_login"))
    assert response.status_code == 200
    assert "手机号" in response.content.decode()

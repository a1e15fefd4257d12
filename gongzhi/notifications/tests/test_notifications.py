import logging

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.notifications import services
from gongzhi.notifications.models import Delivery, Notification
from gongzhi.notifications.tasks import deliver_notification

from . import outbox

OUTBOX = "gongzhi.notifications.tests.outbox.OutboxChannel"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    outbox.SENT.clear()


@pytest.fixture
def people(make_user):
    return make_user("alice", email="alice@example.org"), make_user("bob"), make_user("gone", is_active=False)


@pytest.mark.django_db
def test_notify_fills_inboxes_of_active_recipients_once(people):
    alice, bob, gone = people
    rows = services.notify(recipients=[alice, bob, alice, gone, None], kind="test", title="新工单", body="请签收")
    assert sorted(r.user.username for r in rows) == ["alice", "bob"]
    assert Notification.objects.filter(user=alice, read_at=None).count() == 1
    assert not Notification.objects.filter(user=gone).exists()
    assert AuditEvent.objects.filter(action="notifications.send").count() == 1


@pytest.mark.django_db
def test_outbound_delivery_runs_after_commit_on_every_channel(people, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = {"sms": {"BACKEND": OUTBOX}, "email": {"BACKEND": OUTBOX, "needs_email": True}}
    alice, bob, _ = people
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(recipients=[alice, bob], kind="test", title="新工单")
    assert outbox.SENT == []  # nothing goes out before the commit
    for callback in callbacks:
        callback()
    sent = sorted((m.username, m.channel) for m in outbox.SENT)
    assert sent == [("alice", "email"), ("alice", "sms"), ("bob", "sms")]
    statuses = dict(Delivery.objects.filter(notification__user=bob).values_list("channel", "status"))
    assert statuses == {"sms": "sent", "email": "skipped"}


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(people, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = {"sms": {"BACKEND": OUTBOX}}
    alice, _, _ = people
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.notify(recipients=[alice], kind="test", title="x")
                raise RuntimeError
    assert outbox.SENT == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_failing_channel_is_recorded_and_a_retry_does_not_resend(people, settings):
    settings.NOTIFICATION_CHANNELS = {"sms": {"BACKEND": OUTBOX, "fail": True}, "wechat": {"BACKEND": OUTBOX}}
    alice, _, _ = people
    notification = services.notify(recipients=[alice], kind="test", title="x")[0]
    result = deliver_notification.enqueue(notification.pk)
    assert result.return_value == {"sms": "failed", "wechat": "sent"}
    failed = Delivery.objects.get(notification=notification, channel="sms")
    assert "gateway down" in failed.error
    settings.NOTIFICATION_CHANNELS = {"sms": {"BACKEND": OUTBOX}, "wechat": {"BACKEND": OUTBOX}}
    deliver_notification.enqueue(notification.pk)
    assert [m.channel for m in outbox.SENT] == ["wechat", "sms"]  # wechat not sent twice
    assert Delivery.objects.get(notification=notification, channel="sms").attempts == 2


@pytest.mark.django_db
def test_the_default_channels_only_log(people, caplog, django_capture_on_commit_callbacks):
    alice, _, _ = people
    with caplog.at_level(logging.INFO, logger="gongzhi.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[alice], kind="test", title="新工单")
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "sms", "wechat"]
    assert "via sms to user alice" in caplog.text


@pytest.mark.django_db
def test_inbox_api_shows_only_my_notifications_and_marks_them_read(people, client):
    alice, bob, _ = people
    services.notify(recipients=[alice, bob], kind="test", title="给大家")
    services.notify(recipients=[bob], kind="test", title="只给 bob")
    client.force_login(alice)
    page = client.get("/api/v1/notifications/").json()
    assert [item["title"] for item in page["items"]] == ["给大家"]
    bobs = Notification.objects.get(user=bob, title="只给 bob")
    assert client.post(f"/api/v1/notifications/{bobs.pk}/read").status_code == 404
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    mine = page["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{mine}/read").json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    assert Notification.objects.get(pk=bobs.pk).read_at is None
    client.force_login(bob)
    assert client.post("/api/v1/notifications/read-all").json() == {"unread": 0}
    assert client.get("/api/v1/notifications/", {"unread": True}).json()["count"] == 0


@pytest.mark.django_db
def test_inbox_needs_a_signed_in_person(client):
    assert client.get("/api/v1/notifications/").status_code == 401

"""Notices saved in the admin go through the services: same checks, same audit events (#13.2)."""

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.tests.conftest import fast_passwords, world  # noqa: F401 - fixtures
from gongzhi.noticeboard.models import Notice

pytestmark = pytest.mark.django_db


def notice_form(region, **values):
    return {"title": "停水通知", "body": "周六上午停水。", "region": region.pk, "pinned": "",
            "publish_at_0": "2026-01-05", "publish_at_1": "08:00:00", "expire_at_0": "", "expire_at_1": "",
            "unpublished_at_0": "", "unpublished_at_1": "", **values}


@pytest.fixture
def publisher(world):
    user = world.users.comm_a_staff
    user.is_staff = True
    user.save()
    return user


def test_admin_notices_leave_the_services_audit_events(client, world, publisher):
    client.force_login(publisher)
    response = client.post("/admin/noticeboard/notice/add/", notice_form(world.tree["comm_a"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    notice = Notice.objects.get()
    assert notice.created_by == publisher
    response = client.post(f"/admin/noticeboard/notice/{notice.pk}/change/",
                           notice_form(world.tree["comm_a"], title="停水通知（更正）"))
    assert response.status_code == 302
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "noticeboard.publish", "noticeboard.change"]


def test_the_services_checks_are_the_admins(client, world, publisher):
    client.force_login(publisher)
    response = client.post("/admin/noticeboard/notice/add/", notice_form(
        world.tree["comm_a"], expire_at_0="2026-01-01", expire_at_1="08:00:00"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["expire_at"] == [
        "The notice must be shown until a time after it is published."]
    assert not Notice.objects.exists()

"""Public notices through the pages: staff publish, change and withdraw; residents read them on their
home page and in a paginated list; the menu shows the pages to whom they belong."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.noticeboard import services
from gongzhi.noticeboard.models import Notice

pytestmark = pytest.mark.django_db


def test_publish_change_withdraw_through_the_console(world, signed_in, make_user):
    tree = world.tree
    client = signed_in(world.users.comm_a_staff)
    assert client.get("/console/notices/").status_code == 200
    response = client.post("/console/notices/new/", {"title": "疫苗接种通知", "body": "本周三社区卫生站接种。",
                                                     "region": tree["comm_a"].code, "pinned": "on"})
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.pinned and notice.region == tree["comm_a"]
    assert "疫苗接种通知" in client.get("/console/notices/").content.decode()

    resident = make_user("neighbour_a", Role.RESIDENT, region=tree["comm_a"])
    home = signed_in(resident).get("/r/").content.decode()
    assert 'id="notices"' in home and "疫苗接种通知" in home
    assert "本周三社区卫生站接种。" in signed_in(resident).get(f"/r/notices/{notice.pk}/").content.decode()

    client = signed_in(world.users.comm_a_staff)
    assert client.post(f"/console/notices/{notice.pk}/", {"action": "unpublish"}).status_code == 302
    assert AuditEvent.objects.filter(action="noticeboard.unpublish").exists()
    assert signed_in(resident).get(f"/r/notices/{notice.pk}/").status_code == 404
    html = signed_in(resident).get("/r/notices/").content.decode()
    assert "There are no notices for your area at the moment." in html
    assert 'id="notices"' not in signed_in(resident).get("/r/").content.decode()


def test_form_errors_in_the_users_language_keep_the_input(world, signed_in):
    client = signed_in(world.users.comm_a_staff, language="zh-hans")
    html = client.post("/console/notices/new/", {"title": "停电通知", "body": "", "region": world.tree["comm_a"].code,
                                                 "publish_at": "2030-01-02T10:00",
                                                 "expire_at": "2030-01-01T10:00"}).content.decode()
    assert "这个字段是必填项" in html and 'value="停电通知"' in html
    html = client.post("/console/notices/new/", {"title": "停电通知", "body": "周五停电。",
                                                 "region": world.tree["comm_a"].code, "publish_at": "2030-01-02T10:00",
                                                 "expire_at": "2030-01-01T10:00"}).content.decode()
    assert "公告的显示截止时间必须晚于发布时间" in html and "周五停电。" in html
    assert not Notice.objects.exists()


def test_a_community_offers_only_its_own_area_and_other_notices_are_not_found(world, signed_in):
    other = services.publish_notice(actor=world.users.dispatcher, title="光华里通知", body="……",
                                    region=world.tree["comm_b"].code)
    client = signed_in(world.users.comm_a_staff)
    form = client.get("/console/notices/new/").content.decode()
    assert f'value="{world.tree["comm_a"].code}"' in form and f'value="{world.tree["comm_b"].code}"' not in form
    assert client.get(f"/console/notices/{other.pk}/").status_code == 404
    assert "光华里通知" not in client.get("/console/notices/").content.decode()


def test_residents_list_is_paginated_pinned_first(world, signed_in):
    now = timezone.now()
    for i in range(25):
        services.publish_notice(actor=world.users.dispatcher, title=f"通知{i:02d}", body="内容",
                                region=world.tree["street"].code, publish_at=now - timedelta(hours=i + 1),
                                pinned=(i == 24))
    client = signed_in(world.users.resident)
    first = client.get("/r/notices/").content.decode()
    assert first.index("通知24") < first.index("通知00") and first.count("data-notice=") == 20
    assert client.get("/r/notices/?page=2").content.decode().count("data-notice=") == 5


def test_menus(world, signed_in):
    u = world.users
    for user, staff, resident in ((u.comm_a_staff, True, False), (u.dispatcher, True, False),
                                  (u.cg_clerk, False, False), (u.leader, False, False), (u.grid_a1, False, False),
                                  (u.resident, False, True)):
        client = signed_in(user)
        html = client.get("/inbox/").content.decode()
        assert ('href="/console/notices/"' in html) is staff, user.username
        assert ('href="/r/notices/"' in html) is resident, user.username
        assert (client.get("/console/notices/").status_code == 200) is staff
        assert (client.get("/r/notices/").status_code == 200) is resident

"""居民公约: adoption, revisions with differences; the public pages of a community, open without signing in."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from gongzhi.assessment import covenants
from gongzhi.assessment.models import Covenant, CovenantVersion
from gongzhi.audit.models import AuditEvent
from gongzhi.noticeboard import services as notices

pytestmark = pytest.mark.django_db

TEXT = "一、爱护公共环境，垃圾分类投放。\n二、邻里和睦，互帮互助。\n三、文明养犬，牵绳出行。"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def adopt(world, text=TEXT, **extra):
    values = {"region": world.tree["comm_a"], "text": text, "adopted_on": dt.date(2025, 3, 1),
              "meeting": "居民会议", "votes_for": 86, "votes_cast": 120, **extra}
    return covenants.adopt_covenant(actor=world.users.comm_a_staff, **values)


def test_adoption_and_a_revision_with_its_differences(world):
    first = adopt(world)
    assert first.number == 1 and first.covenant.title == "Residents' covenant of 永安里社区"
    revised = adopt(world, text=TEXT.replace("文明养犬，牵绳出行。", "文明养犬，牵绳出行，及时清理犬只粪便。"),
                    adopted_on=dt.date(2025, 9, 1), decision_ref="vote-17", summary="养犬条款")
    assert revised.number == 2 and revised.covenant == first.covenant and revised.covenant.current == revised
    changes = covenants.differences(revised)
    assert ("-", "三、文明养犬，牵绳出行。") in changes and ("+", "三、文明养犬，牵绳出行，及时清理犬只粪便。") in changes
    assert ("  ", "") not in changes and (" ", "一、爱护公共环境，垃圾分类投放。") in changes
    assert AuditEvent.objects.filter(action="assessment.covenant.adopt").count() == 2
    with pytest.raises(TypeError):
        revised.delete()


def test_bad_adoptions_are_refused_and_change_nothing(world):
    with pytest.raises(ValidationError) as exc:
        adopt(world, region=world.tree["grid_a1"], text=" ", adopted_on="2099-01-01", meeting="", votes_for=60,
              votes_cast=120)
    assert set(exc.value.message_dict) == {"region", "text", "adopted_on", "meeting", "votes_for"}
    adopt(world)
    with pytest.raises(ValidationError) as exc:
        adopt(world, adopted_on=dt.date(2025, 4, 1))
    assert "text" in exc.value.message_dict  # the same text again
    with pytest.raises(ValidationError):
        adopt(world, text="新文本", adopted_on=dt.date(2025, 1, 1))  # before the version in force
    with pytest.raises(PermissionDenied):
        adopt(world, region=world.tree["comm_b"])
    with pytest.raises(PermissionDenied):
        covenants.adopt_covenant(actor=world.users.resident, region=world.tree["comm_a"], text=TEXT,
                                 adopted_on=dt.date(2025, 3, 1), meeting="x", votes_for=2, votes_cast=3)
    assert CovenantVersion.objects.count() == 1 and Covenant.objects.count() == 1


def test_the_public_page_shows_only_what_is_published_in_the_area(world):
    u, tree = world.users, world.tree
    adopt(world)
    notices.publish_notice(actor=u.comm_a_staff, title="停水通知", body="周六上午停水", region=tree["comm_a"])
    notices.publish_notice(actor=u.dispatcher, title="街道防汛通知", body="注意防汛", region=tree["street"])
    withdrawn = notices.publish_notice(actor=u.comm_a_staff, title="作废通知", body="x", region=tree["comm_a"])
    notices.unpublish_notice(actor=u.comm_a_staff, notice=withdrawn)
    notices.publish_notice(actor=u.dispatcher, title="光华里通知", body="x", region=tree["comm_b"])
    anonymous = Client()
    page = anonymous.get(f"/p/{tree['comm_a'].code}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "停水通知" in text and "街道防汛通知" in text and "垃圾分类投放" in text and "86 of 120 votes for" in text
    assert "作废通知" not in text and "光华里通知" not in text
    other = anonymous.get(f"/p/{tree['comm_b'].code}/").content.decode()
    assert "光华里通知" in other and "停水通知" not in other and "垃圾分类投放" not in other
    history = anonymous.get(f"/p/{tree['comm_a'].code}/covenant/")
    assert history.status_code == 200 and "<ins>一、爱护公共环境，垃圾分类投放。</ins>" in history.content.decode()
    assert anonymous.get(f"/p/{tree['comm_b'].code}/covenant/").status_code == 404
    assert anonymous.get("/p/999999999999/").status_code == 404
    # Cached for a minute: a notice published now shows once the cache is cleared.
    notices.publish_notice(actor=u.comm_a_staff, title="新通知", body="y", region=tree["comm_a"])
    assert "新通知" not in anonymous.get(f"/p/{tree['comm_a'].code}/").content.decode()
    cache.clear()
    assert "新通知" in anonymous.get(f"/p/{tree['comm_a'].code}/").content.decode()

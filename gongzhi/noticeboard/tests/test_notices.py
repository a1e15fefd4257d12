"""Public notices: who may publish where, what residents see (area, time window, withdrawn), audit."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.cases.tests.conftest import fast_passwords, world  # noqa: F401 - fixtures
from gongzhi.noticeboard import selectors, services
from gongzhi.noticeboard.models import Notice

pytestmark = pytest.mark.django_db


def publish(actor, region, **extra):
    values = {"title": "停水通知", "body": "周六上午九点至十二点停水检修。", "region": region, **extra}
    return services.publish_notice(actor=actor, **values)


def test_staff_publish_in_their_area_and_it_is_audited(world):
    u, tree = world.users, world.tree
    street = publish(u.dispatcher, tree["street"].code)
    community = publish(u.comm_a_staff, tree["comm_a"].code, pinned=True)
    assert AuditEvent.objects.filter(action="noticeboard.publish").count() == 2
    assert community.created_by == u.comm_a_staff and street.region == tree["street"]
    with pytest.raises(PermissionDenied):
        publish(u.comm_a_staff, tree["comm_b"].code)  # another community
    for outsider in (u.resident, u.grid_a1, u.cg_clerk, u.leader):
        with pytest.raises(PermissionDenied):
            publish(outsider, tree["comm_a"].code)
    assert Notice.objects.count() == 2


def test_bad_input_is_named_per_field(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.publish_notice(actor=world.users.dispatcher, title=" ", body="", region="",
                                publish_at=now, expire_at=now - timedelta(hours=1))
    assert set(exc.value.message_dict) == {"title", "body", "region", "expire_at"}
    assert not Notice.objects.exists() and not AuditEvent.objects.filter(action="noticeboard.publish").exists()


def test_residents_see_live_notices_of_their_area_pinned_first(world, make_user):
    u, tree, now = world.users, world.tree, timezone.now()
    street = publish(u.dispatcher, tree["street"].code, publish_at=now - timedelta(days=2))
    mine = publish(u.comm_a_staff, tree["comm_a"].code, pinned=True, publish_at=now - timedelta(days=3))
    other = publish(u.dispatcher, tree["comm_b"].code)
    publish(u.dispatcher, tree["street"].code, publish_at=now + timedelta(days=1))  # not yet
    publish(u.dispatcher, tree["street"].code, publish_at=now - timedelta(days=5),
            expire_at=now - timedelta(days=1))  # over
    withdrawn = publish(u.dispatcher, tree["street"].code)
    services.unpublish_notice(actor=u.dispatcher, notice=withdrawn, reason="发错了")
    assert AuditEvent.objects.filter(action="noticeboard.unpublish", reason="发错了").exists()
    neighbour_a = make_user("neighbour_a", Role.RESIDENT, region=tree["comm_a"])
    assert list(selectors.for_residents(neighbour_a, now=now)) == [mine, street]
    assert other not in selectors.for_residents(neighbour_a, now=now)
    assert set(selectors.for_residents(u.resident)) == {mine, street, other}  # place unknown: every live one
    with pytest.raises(ValidationError):
        services.unpublish_notice(actor=u.dispatcher, notice=withdrawn)


def test_change_in_own_area_only(world):
    u, tree = world.users, world.tree
    notice = publish(u.dispatcher, tree["comm_b"].code)
    with pytest.raises(PermissionDenied):
        services.change_notice(actor=u.comm_a_staff, notice=notice, title="改", body="改", region=tree["comm_a"].code)
    notice = services.change_notice(actor=u.dispatcher, notice=notice, title="停水延期", body="改为周日。",
                                    region=tree["comm_b"].code, pinned=True)
    assert notice.title == "停水延期" and notice.pinned
    assert AuditEvent.objects.filter(action="noticeboard.change").exists()

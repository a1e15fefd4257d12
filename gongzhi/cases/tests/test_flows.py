"""What the second pass of the web product asks of the case services: a re-dispatch (改派)
gives a reason, a dispatcher's correction becomes a routing rule (audited, in their area),
the resident is told at dispatch, acknowledgement, extension and reply, the expected reply
date comes from the case's deadlines, and categories are found by the words people use."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import deadlines, selectors, services
from gongzhi.cases.models import Case, CaseEvent, CaseState, Category, RoutingRule
from gongzhi.cases.routing import route
from gongzhi.notifications.models import Notification

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def kinds(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_a_redispatch_to_another_unit_needs_a_reason_and_tells_the_unit_that_loses_it(world, case_in):
    u, un = world.users, world.units
    case = case_in(CaseState.DISPATCHED)
    with pytest.raises(ValidationError) as refused:
        services.dispatch_case(case=case, actor=u.dispatcher, unit=un.water)
    assert "reason" in refused.value.message_dict
    assert Case.objects.get(pk=case.pk).lead_unit == un.chengguan  # nothing changed
    case = services.dispatch_case(case=Case.objects.get(pk=case.pk), actor=u.dispatcher, unit=un.water,
                                  reason="供水管线问题")
    event = CaseEvent.objects.filter(case=case, action="dispatch").latest("id")
    assert event.payload["redispatch"] is True and event.payload["previous_unit"] == "U-CG"
    assert "cases.redispatched" in kinds(u.cg_clerk)


def test_a_correction_becomes_the_rule_of_the_category_in_the_community(world, new_case):
    u, un = world.users, world.units
    case = new_case()
    assert route(case).unit == un.street  # two departments serve the district: the command centre
    services.dispatch_case(case=case, actor=u.dispatcher, unit=un.water, remember_rule=True)
    rule = RoutingRule.objects.get(is_active=True, category=case.category, region=world.tree["comm_a"])
    assert rule.unit == un.water
    event = AuditEvent.objects.get(action="cases.routing_rule.learn", object_id=str(rule.pk))
    assert event.changes["case"] == case.pk and event.actor_id == u.dispatcher.pk
    # The next such case is suggested for that unit; a second correction moves the same rule.
    assert route(new_case()).unit == un.water
    services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=un.chengguan, remember_rule=True)
    rule.refresh_from_db()
    assert rule.unit == un.chengguan
    assert RoutingRule.objects.filter(is_active=True, category=case.category).count() == 1


def test_only_a_dispatcher_teaches_the_rules_and_a_refusal_changes_nothing(world, new_case):
    from gongzhi.cases.services.configuration import learn_routing_rule

    case = new_case()
    with pytest.raises(PermissionDenied):
        learn_routing_rule(actor=world.users.cg_clerk, case=case, unit=world.units.water)
    assert not RoutingRule.objects.exists()


def test_the_resident_is_told_at_dispatch_acknowledgement_extension_and_reply(world, new_case):
    u, un = world.users, world.units
    case = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=un.chengguan, at=MONDAY)
    case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=MONDAY)
    case = services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="需要协调")
    case = services.approve_extension(case=Case.objects.get(pk=case.pk), actor=u.dispatcher)
    services.reply_case(case=Case.objects.get(pk=case.pk), actor=u.cg_clerk, content="已处理")
    assert kinds(u.resident) == ["cases.dispatched", "cases.acknowledged", "cases.extended", "cases.replied"]
    dispatched = Notification.objects.filter(user=u.resident, kind="cases.dispatched").get()
    assert "朝阳区城管执法局" in dispatched.title
    assert dispatched.link == f"/cases/{case.pk}/"


def test_the_expected_reply_is_the_resolution_deadline_or_the_latest_before_dispatch(world, new_case):
    case = new_case()
    before = deadlines.expected_reply(case, now=MONDAY)
    assert before == deadlines.for_dispatch(case.category, case.urgency, deadlines.dispatch_due(case),
                                            region=case.region_code).resolution_due
    case = services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan, at=MONDAY)
    assert deadlines.expected_reply(case) == case.resolution_due
    case = services.acknowledge_case(case=case, actor=world.users.cg_clerk, at=MONDAY)
    case = services.reply_case(case=case, actor=world.users.cg_clerk, content="已处理", at=MONDAY)
    assert deadlines.expected_reply(case) is None


def test_categories_carry_the_words_people_use_and_the_most_reported_come_first(world, new_case):
    lamp = Category.objects.get(code="0102")
    assert "路灯" in lamp.keywords.split()
    cache.clear()
    new_case(category=lamp)
    new_case(category=lamp)
    new_case()
    assert [c.code for c in selectors.popular_categories(limit=2, now=MONDAY)] == ["0102", "0201"]
    cache.clear()


def test_a_photo_over_the_limit_is_refused_in_megabytes(settings):
    from django.utils import translation

    from gongzhi.cases.images import check_image

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        check_image(b"x" * (10 * 1024 * 1024 + 1), keep_location=False, max_bytes=10 * 1024 * 1024,
                    max_pixels=1000)
    assert refused.value.messages == ["照片超过 10 MB，请重新选择"]


def test_the_api_dispatch_may_remember_the_correction(world, new_case, client):
    case = new_case()
    client.force_login(world.users.dispatcher)
    answer = client.post(f"/api/v1/cases/{case.pk}/dispatch", {"unit": "U-WATER", "remember_rule": True,
                                                               "version": case.version},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert RoutingRule.objects.get(is_active=True, category=case.category).unit == world.units.water
    again = client.post(f"/api/v1/cases/{case.pk}/dispatch", {"unit": "U-CG", "version": answer.json()["version"]},
                        content_type="application/json")
    assert again.status_code == 422 and "reason" in again.content.decode()

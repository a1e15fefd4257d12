"""Supervision through the pages: the forms on the case page for those allowed, the supervision on
the dispatcher's queue and the leader's dashboard, counts per unit and the time to dispatch."""

from datetime import timedelta

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import CaseEvent, CaseState, Supervision
from gongzhi.cases.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def form_actions(html):
    return {a for a in ("urge", "yellow_card", "red_card", "instruct", "acknowledge_instruction", "callback_attempt")
            if f'data-action="{a}"' in html}


def test_forms_are_shown_to_those_allowed_only(world, signed_in, case_in):
    u = world.users
    case = case_in(CaseState.IN_PROGRESS)
    url = f"/console/cases/{case.pk}/"
    assert form_actions(signed_in(u.leader).get(url).content.decode()) == {"urge", "yellow_card", "red_card",
                                                                           "instruct"}
    assert form_actions(signed_in(u.dispatcher).get(url).content.decode()) == {"urge", "yellow_card", "red_card"}
    assert form_actions(signed_in(u.cg_clerk).get(url).content.decode()) == set()
    assert form_actions(signed_in(u.comm_a_staff).get(url).content.decode()) == set()
    replied = case_in(CaseState.REPLIED)
    page = signed_in(u.dispatcher).get(f"/console/cases/{replied.pk}/").content.decode()
    assert "callback_attempt" in form_actions(page) and "Callback due" in page


def test_a_leader_instructs_on_the_page_and_the_unit_acknowledges(world, signed_in, case_in):
    u = world.users
    case = case_in(CaseState.IN_PROGRESS)
    url = f"/console/cases/{case.pk}/"
    leader = signed_in(u.leader)
    empty = leader.post(url, {"action": "instruct", "version": case.version, "instruct-message": ""})
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert not Supervision.objects.exists()
    done = leader.post(url, {"action": "instruct", "version": case.version, "instruct-message": "请三日内办结并回复"})
    assert done.status_code == 302
    page = leader.get(url).content.decode()
    assert 'id="supervision"' in page and "请三日内办结并回复" in page and "not yet" in page

    clerk = signed_in(u.cg_clerk)
    page = clerk.get(url).content.decode()
    assert form_actions(page) == {"acknowledge_instruction"}
    done = clerk.post(url, {"action": "acknowledge_instruction", "version": case.version,
                            "acknowledge_instruction-note": "已安排专人办理"})
    assert done.status_code == 302
    assert Supervision.objects.get().acknowledged_by == u.cg_clerk
    # Nothing more to acknowledge: the form is gone and a stale post is refused, changing nothing.
    again = clerk.post(url, {"action": "acknowledge_instruction", "version": case.version})
    assert again.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="acknowledge_instruction").count() == 1


def test_a_card_by_hand_in_chinese_needs_a_reason(world, signed_in, case_in):
    case = case_in(CaseState.DISPATCHED)
    client = signed_in(world.users.dispatcher, language="zh-hans")
    url = f"/console/cases/{case.pk}/"
    page = client.get(url).content.decode()
    assert "给予黄牌" in page and "催办" in page
    refused = client.post(url, {"action": "red_card", "version": case.version, "red_card-reason": ""})
    assert refused.status_code == 200 and not Supervision.objects.exists()
    done = client.post(url, {"action": "red_card", "version": case.version, "red_card-reason": "群众多次投诉"})
    assert done.status_code == 302 and Supervision.objects.get().kind == "red"
    assert "红牌" in client.get(url).content.decode()


def test_the_queue_and_the_dashboard_list_supervision(world, signed_in, case_in, new_case):
    u = world.users
    case = case_in(CaseState.IN_PROGRESS)
    services.urge_case(case=case, actor=u.dispatcher, message="请尽快处理噪声问题", at=MONDAY)
    services.instruct_case(case=case, actor=u.leader, message="领导批示：限期解决", at=MONDAY)
    queue = signed_in(u.dispatcher).get("/console/").content.decode()
    assert 'id="supervision"' in queue and "请尽快处理噪声问题" in queue and "领导批示：限期解决" in queue
    unit_queue = signed_in(u.cg_clerk).get("/console/").content.decode()
    assert "领导批示：限期解决" in unit_queue  # the unit sees what is addressed to it
    assert "领导批示：限期解决" not in signed_in(u.water_clerk).get("/console/").content.decode()

    late = new_case(at=MONDAY + timedelta(days=1))
    services.dispatch_case(case=late, actor=u.dispatcher, unit=world.units.chengguan,
                           at=MONDAY + timedelta(days=1, minutes=45))
    leader = signed_in(u.leader)
    html = leader.get("/dashboard/", {"start": "2025-09-01", "end": "2025-09-30"}).content.decode()
    assert 'id="supervision-units"' in html and 'data-unit="U-CG"' in html
    assert 'id="supervision-recent"' in html and "领导批示：限期解决" in html
    assert 'id="time-to-dispatch-dispatcher"' in html and 'id="time-to-dispatch-subdistrict"' in html
    assert "建外街道" in html
    # A period outside the years the figures cover is refused on the form, not a server error.
    outside = leader.get("/dashboard/", {"start": "1900-01-01", "end": "1900-01-02"})
    assert outside.status_code == 200 and "Give a date between 2000 and 2100." in outside.content.decode()

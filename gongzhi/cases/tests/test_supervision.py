"""Supervision (督办, 催办), yellow and red cards and leaders' instructions (领导批示), through the
JSON API, the services and the sweep: who may, what bad input gets, cards by rule given once."""

import json
from datetime import timedelta

import pytest
from django.db import connection

from gongzhi.cases import services
from gongzhi.cases.models import CaseEvent, CaseState, Supervision
from gongzhi.cases.sweep import sweep_cards, sweep_steps_and_cards
from gongzhi.core import workcal
from gongzhi.notifications.models import Notification

from .conftest import MONDAY, reload
from .test_concurrency import _race

URL = "/api/v1/cases/"
pytestmark = pytest.mark.django_db


def post(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def events(case, *actions):
    return list(CaseEvent.objects.filter(case=case, action__in=actions).values_list("action", flat=True))


# --- by hand, through the API -----------------------------------------------------------

def test_a_dispatcher_urges_and_the_case_keeps_its_state_and_version(world, case_in, client):
    case = case_in(CaseState.IN_PROGRESS)
    client.force_login(world.users.dispatcher)
    answer = post(client, f"{URL}{case.pk}/urge", {"message": "请于今日内办结", "version": case.version})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "in_progress" and body["version"] == case.version
    assert body["supervisions"][0]["kind"] == "urge" and body["supervisions"][0]["unit"] == "U-CG"
    assert body["supervisions"][0]["message"] == "请于今日内办结" and body["supervisions"][0]["rule"] == ""
    assert body["timeline"][-1]["action"] == "urge"
    event = CaseEvent.objects.get(case=case, action="urge")
    assert event.unit == world.units.chengguan and event.reason == "请于今日内办结"
    assert (event.from_state, event.to_state) == ("in_progress", "in_progress")
    # The lead unit's members are told.
    assert Notification.objects.filter(user=world.users.cg_clerk, kind="cases.supervision.urge").exists()


def test_cards_by_hand_need_a_reason(world, case_in, client):
    case = case_in(CaseState.DISPATCHED)
    client.force_login(world.users.leader)
    empty = post(client, f"{URL}{case.pk}/yellow-card", {"reason": "  "})
    assert empty.status_code == 422 and "reason" in empty.json()["errors"]
    zh = post(client, f"{URL}{case.pk}/red-card", {"reason": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 422 and "原因为必填项" in zh.json()["errors"]["reason"][0]
    assert not Supervision.objects.exists() and not events(case, "yellow_card", "red_card")
    yellow = post(client, f"{URL}{case.pk}/yellow-card", {"reason": "超时未签收"})
    red = post(client, f"{URL}{case.pk}/red-card", {"reason": "群众反映强烈"})
    assert yellow.status_code == red.status_code == 200
    assert sorted(Supervision.objects.values_list("kind", flat=True)) == ["red", "yellow"]
    assert events(case, "yellow_card", "red_card") == ["yellow_card", "red_card"]
    assert reload(case).version == case.version


def test_who_may_not_supervise(world, case_in, client):
    case = case_in(CaseState.IN_PROGRESS, reporter=world.users.resident)
    body = {"message": "快点", "reason": "超时"}
    for user in (world.users.resident, world.users.grid_a1, world.users.cg_clerk, world.users.comm_a_staff):
        client.force_login(user)
        for action in ("urge", "yellow-card", "red-card", "instruct"):
            answer = post(client, f"{URL}{case.pk}/{action}", body)
            assert answer.status_code == 403, (user.username, action, answer.content)
            assert answer.json()["detail"]
    client.force_login(world.users.neighbour)  # not their case, not their area: it does not exist for them
    assert post(client, f"{URL}{case.pk}/urge", body).status_code == 404
    client.force_login(world.users.dispatcher)
    assert post(client, f"{URL}{case.pk}/instruct", body).status_code == 403  # instructions are the leader's
    unknown = post(client, f"{URL}999999/urge", body)
    assert unknown.status_code == 404 and "999999" in unknown.json()["detail"]
    received = case_in(CaseState.RECEIVED)
    refused = post(client, f"{URL}{received.pk}/urge", body)
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert not Supervision.objects.exists()
    assert not events(case, "urge", "yellow_card", "red_card", "instruct")


def test_a_leader_instructs_and_the_unit_acknowledges(world, case_in, client):
    case = case_in(CaseState.IN_PROGRESS)
    client.force_login(world.users.leader)
    empty = post(client, f"{URL}{case.pk}/instruct", {"message": ""})
    assert empty.status_code == 422 and "message" in empty.json()["errors"]
    answer = post(client, f"{URL}{case.pk}/instruct", {"message": "请主要负责同志亲自督办，三日内回复"})
    assert answer.status_code == 200, answer.content
    assert "acknowledge_instruction" not in answer.json()["actions"]
    instruction = Supervision.objects.get(kind="instruction")
    assert instruction.is_pending and instruction.given_by == world.users.leader

    client.force_login(world.users.water_clerk)  # not the unit addressed (and the case is not theirs)
    assert post(client, f"{URL}{case.pk}/acknowledge-instruction", {}).status_code == 404
    client.force_login(world.users.cg_clerk)
    detail = client.get(f"{URL}{case.pk}").json()
    assert "acknowledge_instruction" in detail["actions"] and "urge" not in detail["actions"]
    wrong = post(client, f"{URL}{case.pk}/acknowledge-instruction", {"instruction": instruction.pk + 100})
    assert wrong.status_code == 422 and "instruction" in wrong.json()["errors"]
    done = post(client, f"{URL}{case.pk}/acknowledge-instruction", {"note": "已部署落实"})
    assert done.status_code == 200, done.content
    instruction.refresh_from_db()
    assert instruction.acknowledged_by == world.users.cg_clerk and instruction.acknowledgement == "已部署落实"
    assert events(case, "instruct", "acknowledge_instruction") == ["instruct", "acknowledge_instruction"]
    again = post(client, f"{URL}{case.pk}/acknowledge-instruction", {})
    assert again.status_code == 403  # nothing left to acknowledge


# --- concurrency -------------------------------------------------------------------------

def test_urging_from_stale_copies_loses_nothing_and_blocks_no_one(world, case_in):
    case = case_in(CaseState.DISPATCHED)
    first, second, unit_copy = (reload(case) for _ in range(3))
    services.urge_case(case=first, actor=world.users.dispatcher, message="请尽快签收")
    services.urge_case(case=second, actor=world.users.leader, message="请尽快签收")
    # The unit acts on the copy it read before both urgings: no conflict, nothing lost.
    services.acknowledge_case(case=unit_copy, actor=world.users.cg_clerk)
    assert events(case, "urge") == ["urge", "urge"] and Supervision.objects.filter(kind="urge").count() == 2
    assert reload(case).state == CaseState.IN_PROGRESS


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_urges_on_postgresql_both_win(world, case_in):
    u = world.users
    case = case_in(CaseState.IN_PROGRESS)
    outcomes = _race(case.pk, [
        (services.urge_case, {"actor": u.dispatcher, "message": "请加快"}),
        (services.urge_case, {"actor": u.leader, "message": "请加快"}),
        (services.yellow_card, {"actor": u.leader, "reason": "超时"}),
    ])
    assert outcomes == ["won", "won", "won"], outcomes
    assert sorted(events(case, "urge", "yellow_card")) == ["urge", "urge", "yellow_card"]
    assert Supervision.objects.filter(case=case).count() == 3


# --- by rule, through the sweep ---------------------------------------------------------------

def test_yellow_then_red_card_by_rule_each_once(world, case_in, settings):
    settings.CASE_RED_CARD_OVERDUE_DAYS = 3
    case = case_in(CaseState.IN_PROGRESS)
    due = case.resolution_due
    assert sweep_cards(now=due - timedelta(minutes=1)) == {}
    late = due + timedelta(hours=1)
    assert sweep_steps_and_cards(now=late) == {"card_yellow": 1}
    assert sweep_steps_and_cards(now=late) == {}  # the sweep twice: once
    yellow = Supervision.objects.get(case=case)
    assert (yellow.kind, yellow.rule, yellow.due, yellow.given_by) == ("yellow", "overdue", due, None)
    assert events(case, "yellow_card") == ["yellow_card"]
    assert Notification.objects.filter(user=world.users.cg_clerk, kind="cases.supervision.yellow").exists()

    almost = workcal.add_working_days(due, 3, region=case.region_code) - timedelta(minutes=1)
    assert sweep_cards(now=almost) == {}
    long_late = almost + timedelta(minutes=2)
    assert sweep_cards(now=long_late) == {"card_red": 1}
    assert sweep_cards(now=long_late) == {}
    assert sweep_cards(now=long_late + timedelta(days=30)) == {}
    red = Supervision.objects.get(case=case, kind="red")
    assert red.rule == "long_overdue"
    # A red card reaches the supervising unit too.
    assert Notification.objects.filter(user=world.users.district_clerk, kind="cases.supervision.red").exists()
    assert events(case, "yellow_card", "red_card") == ["yellow_card", "red_card"]
    assert reload(case).version == case.version  # cards never make a person's action a conflict


def test_red_card_when_overdue_and_complained_about_again(world, case_in, settings):
    settings.CASE_RED_CARD_REPEAT_COMPLAINTS = 2
    u = world.users
    case = case_in(CaseState.REPLIED)
    for round_ in range(2):
        case = services.record_callback(case=case, actor=u.dispatcher, solved=False, satisfaction="unsatisfied",
                                        at=MONDAY)
        if round_ == 0:
            case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=MONDAY)
            case = services.reply_case(case=case, actor=u.cg_clerk, content="再次处理", at=MONDAY)
    assert case.state == CaseState.DISPATCHED and case.reopen_count == 2
    late = case.response_due + timedelta(minutes=5)
    assert sweep_cards(now=late) == {"card_yellow": 1, "card_red": 1}
    assert sweep_cards(now=late) == {}
    assert Supervision.objects.get(case=case, kind="red").rule == "repeat_complaints"


def test_no_card_for_a_case_on_time_or_off_the_clock(world, case_in):
    on_time = case_in(CaseState.IN_PROGRESS)
    replied = case_in(CaseState.REPLIED)
    assert sweep_cards(now=on_time.resolution_due - timedelta(hours=1)) == {}
    assert not Supervision.objects.filter(case__in=[on_time, replied]).exists()

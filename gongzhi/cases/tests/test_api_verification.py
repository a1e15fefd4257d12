"""The JSON API of on-site verification: ask, answer, refusals with their status codes."""

import json

import pytest

from gongzhi.cases.models import CaseState, Verification

URL = "/api/v1/cases/"
pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_dispatcher_asks_grid_worker_answers(world, case_in, client):
    case = case_in(CaseState.RECEIVED)
    client.force_login(world.users.dispatcher)
    answer = post(client, f"{URL}{case.pk}/request-verification", {"note": "请核实是否夜间施工", "version": case.version})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "received" and body["verifications"][0]["kind"] == "exists"
    assert body["timeline"][-1]["action"] == "request_verification"

    client.force_login(world.users.grid_b1)
    assert post(client, f"{URL}{case.pk}/verify", {"finding": "confirmed"}).status_code == 404  # not their area
    client.force_login(world.users.grid_a1)
    assert "verify" in client.get(f"{URL}{case.pk}").json()["actions"]
    bad = post(client, f"{URL}{case.pk}/verify", {"finding": "fixed"})
    assert bad.status_code == 422 and "finding" in bad.content.decode()
    done = post(client, f"{URL}{case.pk}/verify", {"finding": "confirmed", "note": "属实", "lon": 116.445,
                                                      "lat": 39.905})
    assert done.status_code == 200, done.content
    assert done.json()["verifications"][0]["finding"] == "confirmed"
    assert post(client, f"{URL}{case.pk}/verify", {"finding": "confirmed"}).status_code == 403  # nothing pending


def test_who_may_not_ask(world, case_in, client):
    case = case_in(CaseState.DISPATCHED)
    client.force_login(world.users.cg_clerk)
    assert post(client, f"{URL}{case.pk}/request-verification", {}).status_code == 403
    closed = case_in(CaseState.CLOSED)
    client.force_login(world.users.dispatcher)
    answer = post(client, f"{URL}{closed.pk}/request-verification", {})
    assert answer.status_code == 409 and answer.json()["code"] == "transition_not_allowed"
    assert not Verification.objects.exists()

"""The caller's contact through the API: masked in the case detail, in clear only
with a reason, for those allowed, with one audit event per look (issue #5)."""

import json

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.services.hotline import register_hotline_case

from .conftest import MONDAY, POINT_A1

PHONE = "13812345678"


@pytest.fixture
def hotline_case(world, noise):
    """A 12345 hand-off in grid A1 with the caller's name and phone."""
    return register_hotline_case(actor=world.users.dispatcher, hotline_id="BJ12345-0001", category=noise,
                                 title="夜间施工噪声", description="工地每晚十点以后仍在施工。", lon=POINT_A1[0],
                                 lat=POINT_A1[1], caller_name="王秀英", caller_phone=PHONE, received_at=MONDAY)


def reveal(client, case, reason, **headers):
    return client.post(f"/api/v1/cases/{case.pk}/contact/reveal", data=json.dumps({"reason": reason}),
                       content_type="application/json", **headers)


def reveals():
    return AuditEvent.objects.filter(action="cases.contact.reveal")


@pytest.mark.django_db
def test_the_detail_carries_the_contact_masked(client, world, hotline_case):
    client.force_login(world.users.dispatcher)
    response = client.get(f"/api/v1/cases/{hotline_case.pk}")
    assert response.status_code == 200
    assert response.json()["contact"] == {"name": "王**", "phone": "138****5678", "may_reveal": True}
    assert PHONE not in response.content.decode()
    client.force_login(world.users.grid_a1)  # sees the case, is not its lead unit, records no callbacks
    assert client.get(f"/api/v1/cases/{hotline_case.pk}").json()["contact"]["may_reveal"] is False
    assert not reveals().exists()


@pytest.mark.django_db
def test_a_case_without_a_contact_has_none(client, world, new_case):
    client.force_login(world.users.dispatcher)
    case = new_case()
    assert client.get(f"/api/v1/cases/{case.pk}").json()["contact"] is None
    response = reveal(client, case, "回访")
    assert response.status_code == 404


@pytest.mark.django_db
def test_revealing_without_the_right_is_403_and_leaves_no_trace(client, world, hotline_case):
    client.force_login(world.users.grid_a1)
    response = reveal(client, hotline_case, "想联系一下")
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not reveals().exists()


@pytest.mark.django_db
def test_revealing_outside_the_area_is_404(client, world, hotline_case):
    client.force_login(world.users.grid_b1)
    assert reveal(client, hotline_case, "回访").status_code == 404
    assert not reveals().exists()


@pytest.mark.django_db
def test_revealing_without_a_reason_is_422_naming_the_reason(client, world, hotline_case):
    client.force_login(world.users.dispatcher)
    response = reveal(client, hotline_case, "   ")
    assert response.status_code == 422
    assert response.json()["errors"] == {"reason": ["The reason is required."]}
    zh = reveal(client, hotline_case, "", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 422
    assert "原因" in zh.json()["errors"]["reason"][0], zh.json()
    assert PHONE not in response.content.decode() + zh.content.decode()
    assert not reveals().exists()


@pytest.mark.django_db
def test_revealing_with_a_reason_returns_the_phone_and_writes_one_audit_event(client, world, hotline_case):
    client.force_login(world.users.dispatcher)
    response = reveal(client, hotline_case, "回访核实处理结果")
    assert response.status_code == 200
    assert response.json() == {"name": "王秀英", "phone": PHONE}
    event = reveals().get()
    assert event.actor_id == world.users.dispatcher.pk
    assert event.reason == "回访核实处理结果"
    assert event.object_repr == f"#{hotline_case.pk}"
    assert PHONE not in json.dumps(event.changes, ensure_ascii=False)
    # The detail stays masked after a look.
    assert client.get(f"/api/v1/cases/{hotline_case.pk}").json()["contact"]["phone"] == "138****5678"

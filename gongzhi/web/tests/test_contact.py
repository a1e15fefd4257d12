"""The caller's contact on the console's case page: masked, and shown once with a reason (issue #5)."""

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.services.hotline import register_hotline_case
from gongzhi.cases.tests.conftest import MONDAY

from .conftest import POINT_A1

PHONE = "13812345678"


@pytest.fixture
def hotline_case(world, noise):
    return register_hotline_case(actor=world.users.dispatcher, hotline_id="BJ12345-0002", category=noise,
                                 title="夜间施工噪声", description="工地每晚十点以后仍在施工。", lon=POINT_A1[0],
                                 lat=POINT_A1[1], caller_name="王秀英", caller_phone=PHONE, received_at=MONDAY)


def reveals():
    return AuditEvent.objects.filter(action="cases.contact.reveal")


def page(case):
    return f"/console/cases/{case.pk}/"


@pytest.mark.django_db
def test_the_page_shows_the_contact_masked_with_the_form_for_those_allowed(world, signed_in, hotline_case):
    html = signed_in(world.users.dispatcher).get(page(hotline_case)).content.decode()
    assert "王**" in html and "138****5678" in html
    assert PHONE not in html and "王秀英" not in html
    assert "data-contact-form" in html and "Show the caller's phone" in html
    assert not reveals().exists()


@pytest.mark.django_db
def test_no_form_without_the_right_and_a_posted_reveal_is_403(world, signed_in, hotline_case):
    client = signed_in(world.users.leader)  # sees the case, handles none, records no callbacks
    html = client.get(page(hotline_case)).content.decode()
    assert "138****5678" in html and "data-contact-form" not in html
    response = client.post(page(hotline_case), {"action": "reveal_contact", "reveal_contact-reason": "想联系"})
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not reveals().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language, message", [("en", "The reason is required."), ("zh-hans", "原因")])
def test_a_reveal_without_a_reason_says_so_in_the_users_language(world, signed_in, hotline_case, language, message):
    client = signed_in(world.users.dispatcher, language=language)
    response = client.post(page(hotline_case), {"action": "reveal_contact", "reveal_contact-reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert PHONE not in html
    assert not reveals().exists()


@pytest.mark.django_db
def test_a_reveal_with_a_reason_shows_the_phone_once_and_is_audited(world, signed_in, hotline_case):
    client = signed_in(world.users.dispatcher)
    response = client.post(page(hotline_case), {"action": "reveal_contact", "reveal_contact-reason": "回访"})
    assert response.status_code == 200
    html = response.content.decode()
    assert PHONE in html and "王秀英" in html
    assert "no-store" in response["Cache-Control"]
    event = reveals().get()
    assert event.actor_id == world.users.dispatcher.pk and event.reason == "回访"
    hotline_case.refresh_from_db()
    assert hotline_case.state == "received"  # the reveal is no action on the case
    again = client.get(page(hotline_case)).content.decode()
    assert PHONE not in again and "138****5678" in again
    assert reveals().count() == 1

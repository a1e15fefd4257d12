"""Every reveal of personal data, on pages and in the API, follows the one rule: a real reason, the
per-user limits, a refusal over them and the supervisor told once (issue #11 item 10, #13 item 5)."""

import datetime as dt
import html
import json
from types import SimpleNamespace

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.reveal import REVEAL_ACTIONS
from gongzhi.cases.services.hotline import register_hotline_case
from gongzhi.cases.tests.conftest import MONDAY
from gongzhi.core.ids import make_id_number
from gongzhi.notifications.models import Notification
from gongzhi.registry.models import Person

from .conftest import POINT_A1

PHONE = "13812345678"
ID_NUMBER = make_id_number("110105", dt.date(1950, 3, 1), 123)


@pytest.fixture
def scene(world, noise, make_user):
    """Community staff of A (may reveal everything), a person and a hotline case in grid A1, and the
    leader of the street office above the community committee."""
    clerk = world.users.comm_a_staff
    clerk.is_staff = True  # for the admin's reveal page
    clerk.save()
    person = Person(grid=world.tree["grid_a1"], name="张三", id_number=ID_NUMBER, phone="13900001111")
    person.refresh_derived()
    person.save()
    case = register_hotline_case(actor=world.users.dispatcher, hotline_id="BJ12345-0009", category=noise,
                                 title="夜间施工噪声", description="工地每晚十点以后仍在施工。", lon=POINT_A1[0],
                                 lat=POINT_A1[1], caller_name="王秀英", caller_phone=PHONE, received_at=MONDAY)
    chief = make_user("street_chief", Role.LEADER, region=world.tree["street"], unit=world.units.street)
    return SimpleNamespace(clerk=clerk, person=person, case=case, chief=chief)


def _json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


# Each surface: (how to ask with a reason, whether it is the API, the clear value it shows).
SURFACES = {
    "api person": (lambda c, s, reason: _json(c, f"/api/v1/registry/persons/{s.person.pk}/reveal",
                                              {"field": "id_number", "reason": reason}), True, ID_NUMBER),
    "api export": (lambda c, s, reason: _json(c, "/api/v1/registry/exports/persons.xlsx", {"reason": reason}),
                   True, None),
    "api contact": (lambda c, s, reason: _json(c, f"/api/v1/cases/{s.case.pk}/contact/reveal", {"reason": reason}),
                    True, PHONE),
    "page contact": (lambda c, s, reason: c.post(f"/console/cases/{s.case.pk}/",
                                                 {"action": "reveal_contact", "reveal_contact-reason": reason}),
                     False, PHONE),
    "admin person": (lambda c, s, reason: c.post(f"/admin/registry/person/{s.person.pk}/reveal/",
                                                 {"field": "id_number", "reason": reason}), False, ID_NUMBER),
}


def reveals():
    return AuditEvent.objects.filter(action__in=REVEAL_ACTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("reason", ["ab", "\u200b\u200b", "\u202e\u200bab\x07"])
def test_a_reason_without_enough_visible_characters_is_refused_everywhere(scene, signed_in, surface, reason):
    ask, is_api, clear = SURFACES[surface]
    response = ask(signed_in(scene.clerk), scene, reason)
    # Refused by the reveal's reason rule, or before it by the one input-text rule of every field
    # (core.text: control characters, direction overrides, only invisible characters).
    said = ("visible characters", "The reason is required.", "invisible characters", "control characters",
            "reverse its direction")
    if is_api:
        assert response.status_code == 422, response.content
        body = response.json()
        named = list(body["errors"]) if "errors" in body else [part["loc"][-1] for part in body["detail"]]
        assert named == ["reason"], body
    else:
        assert response.status_code == 200
        page = html.unescape(response.content.decode())
        assert any(words in page for words in said), page[-2000:]
        assert clear not in page
    assert not reveals().exists()


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
def test_a_real_reason_reveals_everywhere(scene, signed_in, surface):
    ask, _is_api, clear = SURFACES[surface]
    response = ask(signed_in(scene.clerk), scene, "回访核实")
    assert response.status_code == 200
    if clear is not None:
        assert clear in response.content.decode()
    assert reveals().get().reason == "回访核实"


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
def test_over_the_burst_every_surface_refuses_and_the_supervisor_is_told_once(scene, signed_in, settings, surface):
    settings.REVEAL_BURST, settings.REVEAL_BURST_SECONDS = 2, 3600
    ask, is_api, clear = SURFACES[surface]
    client = signed_in(scene.clerk)
    for _allowed in range(2):
        assert ask(client, scene, "回访核实").status_code == 200
    for _refused in range(2):
        response = ask(client, scene, "回访核实")
        if is_api:
            assert response.status_code == 429
            assert "wait a moment" in response.json()["detail"]
        else:
            assert response.status_code == 200
            page = response.content.decode()
            assert "wait a moment" in page and clear not in page
    assert reveals().count() == 2
    told = Notification.objects.filter(kind="audit.reveal_limit")
    assert [n.user for n in told] == [scene.chief]
    assert "comm_a_staff" in told.get().title


@pytest.mark.django_db
def test_the_daily_cap_refuses_across_surfaces_and_tells_the_supervisor_once(scene, signed_in, settings):
    settings.REVEAL_BURST, settings.REVEAL_DAILY_CAP = 100, 3
    client = signed_in(scene.clerk)
    asks = [SURFACES[name][0] for name in ("api person", "page contact", "api contact", "admin person", "api export")]
    responses = [ask(client, scene, "回访核实") for ask in asks]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    refused_page = html.unescape(responses[3].content.decode())
    assert "today's limit" in refused_page and ID_NUMBER not in refused_page
    assert "today's limit" in asks[0](client, scene, "回访核实").json()["detail"]
    assert reveals().count() == 3
    assert Notification.objects.filter(kind="audit.reveal_limit", user=scene.chief).count() == 1


@pytest.mark.django_db
def test_the_refusal_speaks_chinese(scene, signed_in, settings):
    settings.REVEAL_BURST = 1
    client = signed_in(scene.clerk, language="zh-hans")
    assert SURFACES["api person"][0](client, scene, "回访核实").status_code == 200
    page = SURFACES["page contact"][0](client, scene, "回访核实").content.decode()
    assert "稍候" in page and PHONE not in page
    short = SURFACES["page contact"][0](client, scene, "ab").content.decode()
    assert "可见字符" in short

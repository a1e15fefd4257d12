"""The audit browser: audit.view only, scoped by region code, filters and search, nothing writable."""

import pytest
from django.db import transaction

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record

URL = "/admin/audit/auditevent/"


@pytest.fixture
def trail(tree, global_admin):
    with transaction.atomic():
        return {
            "a1": record(actor=global_admin, action="cases.case.create", object_type="cases.case", object_id="11",
                         object_repr="路灯不亮", region_code=tree["grid_a1"].code),
            "b1": record(actor=None, action="cases.case.create", object_type="cases.case", object_id="12",
                         object_repr="井盖缺失", region_code=tree["grid_b1"].code),
            "comm_a": record(actor=global_admin, action="accounts.unit.update", object_type="accounts.unit",
                             object_id="3", object_repr="永安里居委会", region_code=tree["comm_a"].code),
            "nowhere": record(actor=None, action="auth.login_failed", object_type="accounts.user",
                              object_repr="zhang"),
        }


def shown(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.status_code
    return {event.pk for event in response.context["cl"].result_list}


def test_admin_without_area_sees_every_event(client, global_admin, trail):
    client.force_login(global_admin)
    assert shown(client) == {e.pk for e in trail.values()}


def test_leader_sees_the_events_of_their_area_only(client, staff, tree, trail):
    client.force_login(staff("leader_a", Role.LEADER, region=tree["comm_a"]))
    assert shown(client) == {trail["a1"].pk, trail["comm_a"].pk}
    assert client.get(f"{URL}{trail['b1'].pk}/change/").status_code in (302, 403, 404)
    assert "井盖缺失" not in client.get(URL).content.decode()


def test_roles_without_audit_view_are_refused(client, staff, tree, trail):
    client.force_login(staff("gw", Role.GRID_WORKER, region=tree["grid_a1"]))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{trail['a1'].pk}/change/").status_code == 403


def test_filters_and_search(client, global_admin, trail):
    client.force_login(global_admin)
    assert shown(client, {"action": "cases.case.create"}) == {trail["a1"].pk, trail["b1"].pk}
    assert shown(client, {"object_type": "accounts.unit"}) == {trail["comm_a"].pk}
    assert shown(client, {"actor__id__exact": global_admin.pk}) == {trail["a1"].pk, trail["comm_a"].pk}
    day = trail["a1"].at
    assert shown(client, {"at__year": day.year, "at__month": day.month}) == {e.pk for e in trail.values()}
    assert shown(client, {"q": "12"}) == {trail["b1"].pk}
    assert shown(client, {"q": "路灯"}) == {trail["a1"].pk}


def test_actor_filter_offers_only_actors_of_visible_events(client, staff, tree, trail, global_admin):
    other = staff("someone_else", Role.ADMIN, region=tree["comm_b"])
    with transaction.atomic():
        record(actor=other, action="x.y", region_code=tree["grid_b1"].code)
    client.force_login(staff("leader_a", Role.LEADER, region=tree["comm_a"]))
    body = client.get(URL).content.decode()
    assert "someone_else" not in body


def test_nothing_can_be_added_changed_or_deleted(client, global_admin, trail):
    client.force_login(global_admin)
    event = trail["a1"]
    assert client.get(f"{URL}add/").status_code == 403
    assert client.post(f"{URL}add/", {"action": "forged"}).status_code == 403
    detail = client.get(f"{URL}{event.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.post(f"{URL}{event.pk}/change/", {"action": "rewritten"}).status_code == 403
    assert client.post(f"{URL}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(URL, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, action="cases.case.create").count() == 1
    assert AuditEvent.objects.count() == len(trail)

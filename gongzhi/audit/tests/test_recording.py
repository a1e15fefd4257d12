"""Events are written in the transaction of the change, with the request's client address."""

import pytest
from django.db import transaction

from gongzhi.accounts import services
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.audit import services as audit_services
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record


class Boom(Exception):
    pass


def test_a_failure_after_record_leaves_neither_change_nor_event(tree):
    with pytest.raises(Boom):
        with transaction.atomic():
            unit = Unit.objects.create(code="U-GONE", name="gone", kind=UnitKind.OTHER, region=tree["comm_a"])
            record(actor=None, action="accounts.unit.create", obj=unit)
            raise Boom
    assert not Unit.objects.filter(code="U-GONE").exists()
    assert not AuditEvent.objects.exists()


def test_a_service_failing_after_its_audit_event_rolls_both_back(monkeypatch, global_admin, tree):
    def record_then_fail(**kwargs):
        audit_services.record(**kwargs)
        assert AuditEvent.objects.filter(action=kwargs["action"]).exists()  # written, inside the transaction
        raise Boom

    monkeypatch.setattr(services, "record", record_then_fail)
    with pytest.raises(Boom):
        services.create_user(actor=global_admin, username="ghost", role=Role.GRID_WORKER, region=tree["grid_a1"])
    assert not User.objects.filter(username="ghost").exists()
    assert not AuditEvent.objects.exists()


def test_client_address_and_request_id_come_from_the_request(client, global_admin, tree):
    client.force_login(global_admin)
    response = client.post("/admin/accounts/unit/add/", {
        "code": "U-IP", "name": "ip", "kind": "other", "region": tree["grid_a1"].pk, "is_active": "on"},
        REMOTE_ADDR="203.0.113.7", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.unit.create")
    assert event.client_ip == "203.0.113.7"
    assert event.request_id == "req-42"
    assert event.actor_id == global_admin.pk and event.region_code == tree["grid_a1"].code


@pytest.mark.parametrize("request_id", ["x" * 65, "bad id with spaces", "<script>"])
def test_unusable_request_ids_are_replaced(client, global_admin, tree, request_id):
    client.force_login(global_admin)
    client.post("/admin/accounts/unit/add/", {
        "code": "U-RID", "name": "rid", "kind": "other", "region": tree["grid_a1"].pk, "is_active": "on"},
        HTTP_X_REQUEST_ID=request_id)
    event = AuditEvent.objects.get(action="accounts.unit.create")
    assert event.request_id != request_id and len(event.request_id) == 32


def test_forwarded_address_is_used_only_when_trusted_and_only_if_it_is_an_address(client, settings, global_admin,
                                                                                 tree):
    client.force_login(global_admin)

    def add(code, **headers):
        client.post("/admin/accounts/unit/add/", {
            "code": code, "name": code, "kind": "other", "region": tree["grid_a1"].pk, "is_active": "on"},
            REMOTE_ADDR="10.0.0.1", **headers)
        return AuditEvent.objects.get(object_repr=code).client_ip

    assert add("U-1", HTTP_X_FORWARDED_FOR="198.51.100.1") == "10.0.0.1"
    settings.TRUST_X_FORWARDED_FOR = True
    assert add("U-2", HTTP_X_FORWARDED_FOR="198.51.100.1, 10.0.0.9") == "198.51.100.1"
    assert add("U-3", HTTP_X_FORWARDED_FOR="not-an-address") == "10.0.0.1"


def test_record_many_writes_what_record_writes(global_admin, tree):
    """The bulk path (one prepared INSERT, no instance per event) stores the rows record() would store."""
    unit = Unit.objects.create(code="U-MANY", name="many", kind=UnitKind.OTHER, region=tree["grid_a1"])
    with transaction.atomic():
        record(actor=global_admin, action="test.one", obj=unit, changes={"n": [None, 1]}, reason="r")
        written = audit_services.record_many(actor=global_admin, action="test.many", entries=[
            {"obj": unit, "changes": {"n": [None, 1]}, "reason": "r"},
            {"object_type": "x.y", "object_id": "7", "object_repr": "seven", "region_code": "110105"}])
    assert written == 2
    one = AuditEvent.objects.get(action="test.one")
    first, second = AuditEvent.objects.filter(action="test.many").order_by("id")
    fields = ("actor_id", "actor_label", "object_type", "object_id", "object_repr", "changes", "reason",
              "region_code", "client_ip", "request_id")
    assert [getattr(first, f) for f in fields] == [getattr(one, f) for f in fields]
    assert (second.object_type, second.object_id, second.object_repr, second.region_code, second.changes) == (
        "x.y", "7", "seven", "110105", {})
    assert first.at is not None and abs((first.at - one.at).total_seconds()) < 60

"""rebuild_blind_index: after BLIND_INDEX_KEY changes, exact search finds old records again."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from gongzhi.audit.models import AuditEvent
from gongzhi.registry.importing import import_registry
from gongzhi.registry.models import Person

from .sheets import csv_bytes, person_values

KEY_A = "blind-index-key-a-0123456789abcdef"
KEY_B = "blind-index-key-b-fedcba9876543210"
GRID_A1 = "110105001001001"
LOOKUP = "/api/v1/registry/persons/lookup"


def _found(client, **payload) -> list[str]:
    response = client.post(LOOKUP, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 200
    return [p["name"] for p in response.json()]


def _rebuild(*args) -> str:
    out = StringIO()
    call_command("rebuild_blind_index", "--no-progress", "--batch-size", "2", *args, stdout=out)
    return out.getvalue()


def test_records_written_under_the_old_key_are_found_after_the_rebuild(client, staff, tree, make_person):
    records = [person_values(i, grid=GRID_A1) for i in range(5)]
    with override_settings(BLIND_INDEX_KEY=KEY_A):
        assert import_registry(actor=staff["community_a"], data=csv_bytes("persons", records),
                               filename="p.csv").ok
        make_person(tree["grid_a1"], name="赵六", id_number="11010519491231002X", phone="")
    client.force_login(staff["community_a"])
    wanted = records[3]

    with override_settings(BLIND_INDEX_KEY=KEY_B):
        # Before: the indexes were computed with key A, so nothing is found.
        assert _found(client, id_number=wanted["证件号码"]) == []
        assert _found(client, phone=wanted["联系电话"]) == []
        dry_run = _rebuild("--dry-run")
        # Users (their mobile numbers) are indexed too; the staff here have none, so none is stale.
        assert "registry.Person: 6 rows, 6 stale" in dry_run and "accounts.User: 5 rows, 0 stale" in dry_run
        assert "Dry run: 6 of 11 rows have a stale blind index" in dry_run
        assert _found(client, id_number=wanted["证件号码"]) == []

        out = _rebuild()
        assert "registry.Person: 6 rows, 6 rebuilt" in out
        assert _found(client, id_number=wanted["证件号码"]) == [wanted["姓名"]]
        assert _found(client, id_number=wanted["证件号码"].lower()) == [wanted["姓名"]]
        assert _found(client, phone="+86 " + wanted["联系电话"]) == [wanted["姓名"]]
        assert _found(client, id_number="11010519491231002x") == ["赵六"]
        events = AuditEvent.objects.filter(action="crypto.rebuild_blind_index")
        assert events.count() == 3 and sum(e.changes["rows"] for e in events) == 6  # batches of 2
        assert not any(wanted["证件号码"] in json.dumps(e.changes) for e in events)

        # Idempotent: a second run changes nothing and writes no event.
        indexes = list(Person.objects.order_by("pk").values_list("id_number_index", "phone_index", "updated_at"))
        assert "Done: 0 of 11 rows re-indexed" in _rebuild()
        assert list(Person.objects.order_by("pk").values_list("id_number_index", "phone_index",
                                                              "updated_at")) == indexes
        assert events.count() == 3

        # Re-importing the same file now matches the existing persons instead of duplicating them.
        report = import_registry(actor=staff["community_a"], data=csv_bytes("persons", records), filename="p.csv")
        assert report.ok and report.counts()["persons"]["unchanged"] == 5


def test_a_person_registered_twice_meanwhile_stops_the_rebuild_without_naming_the_value(staff, tree, make_person):
    with override_settings(BLIND_INDEX_KEY=KEY_A):
        old = make_person(tree["grid_a1"], name="张三", id_number="11010519491231002X")
    with override_settings(BLIND_INDEX_KEY=KEY_B):
        # Added after the key change: the de-duplication could not see the old record.
        twin = make_person(tree["grid_a1"], name="张三", id_number="11010519491231002X")
        with pytest.raises(CommandError) as excinfo:
            _rebuild()
        message = str(excinfo.value)
        assert f"registry.Person {old.pk} and {twin.pk}" in message and "11010519491231002X" not in message
        assert not AuditEvent.objects.filter(action="crypto.rebuild_blind_index").exists()
        twin.delete()
        assert "1 rebuilt" in _rebuild()

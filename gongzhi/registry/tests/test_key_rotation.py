"""rotate_field_key: every record stays readable, old-key rows are rewritten, resumable."""

from io import StringIO

import pytest
from django.core.management.base import CommandError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gongzhi.audit.models import AuditEvent
from gongzhi.core import crypto
from gongzhi.registry.models import Organisation, Person

OLD_KEY = crypto.generate_key()
NEW_KEY = crypto.generate_key()


def _raw_column(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table} ORDER BY id")
        return dict(cursor.fetchall())


def test_rotation_keeps_every_record_readable(tree, make_person):
    with override_settings(FIELD_ENCRYPTION_KEY=OLD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        people = {make_person(tree["grid_a1"], name=f"居民{i}", phone=f"1381234{i:04d}").pk for i in range(25)}
        Organisation.objects.create(name="永安里物业", kind="property_company", grid=tree["grid_a1"],
                                    contact_phone="13900001111")
        plain = {p.pk: (p.id_number, p.phone) for p in Person.objects.all()}
    old_id = crypto.key_id(crypto._decode_key(OLD_KEY, "x"))

    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[OLD_KEY]):
        new_id = crypto.keyring().current_id
        out = StringIO()
        call_command("rotate_field_key", "--batch-size", "10", "--no-progress", stdout=out)
        assert "0 rows left on old keys" in out.getvalue()
        assert AuditEvent.objects.filter(action="crypto.rotate_field_key").count() == 3 + 1  # 25 persons / 10, 1 org

        for value in _raw_column("registry_person", "id_number").values():
            assert crypto.token_key_id(value) == new_id
        assert {crypto.token_key_id(v) for v in _raw_column("registry_organisation", "contact_phone").values()} == {
            new_id}

        # A second run finds nothing left to do.
        out = StringIO()
        call_command("rotate_field_key", "--no-progress", stdout=out)
        assert "Done: 0 rows re-encrypted" in out.getvalue()

    # Only the new key is needed from now on.
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == plain
        assert Organisation.objects.get().contact_phone == "13900001111"
    assert set(plain) == people and old_id != new_id


def test_rotation_resumes_after_an_interruption(tree, make_person):
    with override_settings(FIELD_ENCRYPTION_KEY=OLD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        for i in range(6):
            make_person(tree["grid_a1"], name=f"居民{i}")
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[OLD_KEY]):
        # Simulate a run that stopped after re-encrypting some rows.
        first_two = list(Person.objects.order_by("pk")[:2])
        Person.objects.bulk_update(first_two, ["id_number", "phone"])
        out = StringIO()
        call_command("rotate_field_key", "--dry-run", stdout=out)
        assert "registry.Person: 4 rows on an old key" in out.getvalue()
        call_command("rotate_field_key", "--no-progress", stdout=StringIO())
        out = StringIO()
        call_command("rotate_field_key", "--dry-run", stdout=out)
        assert "registry.Person: 0 rows on an old key" in out.getvalue()


def test_rotation_without_the_old_key_stops_and_names_model_and_key(tree, make_person):
    with override_settings(FIELD_ENCRYPTION_KEY=OLD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        make_person(tree["grid_a1"], id_number="11010519491231002X")
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        with pytest.raises(CommandError) as excinfo:
            call_command("rotate_field_key", "--no-progress", stdout=StringIO())
        assert "registry.Person" in str(excinfo.value)
        assert crypto.key_id(crypto._decode_key(OLD_KEY, "x")) in str(excinfo.value)
        assert "11010519491231002X" not in str(excinfo.value)

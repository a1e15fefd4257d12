"""AES → SM4 → AES with rotate_field_key on the demo data: row counts and decrypted values equal."""

import random
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gongzhi.core import crypto
from gongzhi.demo.registry import seed_registry


def _encrypted_models():
    return [m for m in apps.get_models() if crypto.encrypted_fields(m) and not m._meta.proxy]


def _plain():
    """{model label: {pk: (decrypted values)}} of every encrypted field of every model."""
    return {m._meta.label: {row.pk: tuple(getattr(row, f.name) for f in crypto.encrypted_fields(m))
                            for row in m._base_manager.all()} for m in _encrypted_models()}


def _versions():
    versions = set()
    with connection.cursor() as cursor:
        for model in _encrypted_models():
            for field in crypto.encrypted_fields(model):
                cursor.execute(f"SELECT {field.column} FROM {model._meta.db_table} WHERE {field.column} IS NOT NULL")
                versions |= {value.split(":", 1)[0] for (value,) in cursor.fetchall()}
    return versions


def _rotate():
    out = StringIO()
    call_command("rotate_field_key", "--batch-size", "200", "--no-progress", stdout=out)
    assert "0 rows left on old keys" in out.getvalue()


def test_aes_to_sm4_and_back_loses_nothing(staff, tree):
    grids = [tree["grid_a1"], tree["grid_a2"], tree["grid_b1"]]
    seed_registry(rng=random.Random(7), size="small", grids=grids, visitors=list(staff.values()))
    before = _plain()
    assert sum(len(rows) for rows in before.values()) > 100
    assert _versions() == {"gz1"}

    with override_settings(FIELD_ENCRYPTION_ALGORITHM="sm4-gcm"):
        _rotate()
        assert _versions() == {"gz2"}
        assert _plain() == before
    with override_settings(FIELD_ENCRYPTION_ALGORITHM="sm4-ctr-hmac-sm3"):
        _rotate()
        assert _versions() == {"gz3"}
    _rotate()  # back to the default, AES-256-GCM
    assert _versions() == {"gz1"}
    assert _plain() == before

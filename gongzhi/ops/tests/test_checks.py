"""Deployment checks that need the database: ``check --deploy --database default``."""

import pytest
from django.core import checks
from django.db import connection

pytestmark = pytest.mark.django_db


def _autovacuum_warnings():
    found = checks.run_checks(include_deployment_checks=True, databases=["default"], tags=[checks.Tags.database])
    return [message for message in found if message.id == "gongzhi.ops.W001"]


def test_autovacuum_off_is_warned_about_and_on_is_not():
    warnings = _autovacuum_warnings()
    if connection.vendor != "postgresql":
        assert warnings == []  # SQLite has no autovacuum to check
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        setting = cursor.fetchone()[0]
    if setting == "on":
        assert warnings == []
    else:  # as on the CI machine of this project
        assert len(warnings) == 1 and "autovacuum is off" in warnings[0].msg


def test_the_check_needs_the_database_flag():
    """Without --database the database checks do not run, so a plain check --deploy stays quiet."""
    found = checks.run_checks(include_deployment_checks=True)
    assert [m for m in found if m.id == "gongzhi.ops.W001"] == []

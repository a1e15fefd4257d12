"""Planner statistics after bulk writes (core.maintenance)."""

import pytest
from django.conf import settings
from django.db import connection

from gongzhi.core import maintenance
from gongzhi.core.tests.statistics import planner_rows

pytestmark = pytest.mark.django_db


def test_refresh_statistics_measures_the_tables_written():
    from gongzhi.cases.models import Category

    table = Category._meta.db_table
    count = Category.objects.count()
    assert count > 50  # the default taxonomy, from the migrations
    maintenance.refresh_statistics([Category])
    assert planner_rows(table) == count


def test_refresh_statistics_without_models_measures_every_table():
    from gongzhi.cases.models import Category

    maintenance.refresh_statistics()
    assert planner_rows(Category._meta.db_table) == Category.objects.count()


def test_refresh_statistics_of_no_models_does_nothing():
    maintenance.refresh_statistics([])


# Decided at collection, so that on PostgreSQL (which keeps a table's statistics through ALTER
# TABLE) the transactional fixture does not empty the test database for nothing.
@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                    reason="PostgreSQL keeps a table's statistics through ALTER TABLE")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_statistics_come_back_after_a_migration_rebuilt_a_table():
    """A migration that rebuilds a table on SQLite drops its statistics; a migrate that applied
    something takes them again where they had been taken (and leaves an unanalysed database alone)."""
    from django.core.management import call_command

    from gongzhi.cases.models import Category

    table = Category._meta.db_table
    maintenance.refresh_statistics([Category])
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])  # as a table rebuild leaves it
    assert planner_rows(table) is None
    call_command("migrate", "cases", "0007", verbosity=0)
    call_command("migrate", verbosity=0)
    assert planner_rows(table) == Category.objects.count()

"""On PostgreSQL the case events are partitioned by month of ``at`` (see gongzhi.core.partitions)."""

from django.db import migrations

from gongzhi.core import partitions

TABLE = "cases_caseevent"


def forwards(apps, schema_editor):
    partitions.partition_by_month(schema_editor.connection, TABLE, "at")


def backwards(apps, schema_editor):
    partitions.unpartition(schema_editor.connection, TABLE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_rollup_by_category")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

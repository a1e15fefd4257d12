"""On PostgreSQL the audit trail is partitioned by month of ``at`` (see gongzhi.core.partitions).

The append-only triggers are put back on the partitioned table at once: its
row trigger reaches every partition, its TRUNCATE trigger is copied onto each.
"""

from django.db import migrations

from gongzhi.audit import triggers
from gongzhi.core import partitions

TABLE = "audit_auditevent"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if not partitions.supported(connection):
        return
    partitions.partition_by_month(connection, TABLE, "at")
    triggers.install(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if not partitions.supported(connection):
        return
    partitions.unpartition(connection, TABLE)
    triggers.install(connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fewer_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

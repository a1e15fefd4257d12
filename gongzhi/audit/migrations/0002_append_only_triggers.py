"""Database triggers refusing UPDATE and DELETE of audit events (PostgreSQL and SQLite).

The SQL lives in :mod:`gongzhi.audit.triggers`, shared with the post-migrate
check and the flush command, so there is one definition of the triggers.
"""

from django.db import migrations


def install(apps, schema_editor):
    from gongzhi.audit import triggers

    if triggers.supported(schema_editor.connection):
        triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from gongzhi.audit import triggers

    if triggers.supported(schema_editor.connection):
        triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]

"""Seed the default category taxonomy, so that a fresh installation can take requests."""

from django.db import migrations

from gongzhi.cases import taxonomy


def forwards(apps, schema_editor):
    taxonomy.seed(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

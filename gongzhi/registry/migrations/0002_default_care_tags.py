"""The care groups every street office works with, as editable starting configuration."""

from django.db import migrations

DEFAULT_TAGS = [
    # code, name, sensitivity, visit every N working days, position
    ("elderly_alone", "独居老人", "normal", 5, 10),
    ("empty_nest_elderly", "空巢老人", "normal", 10, 20),
    ("disabled", "残疾人", "normal", 20, 30),
    ("subsistence", "低保/特困", "normal", 20, 40),
    ("left_behind_child", "留守儿童", "normal", 10, 50),
    ("veteran", "退役军人", "normal", None, 60),
    ("key_person", "重点人员", "high", 10, 70),
]


def create_tags(apps, schema_editor):
    CareTag = apps.get_model("registry", "CareTag")
    for code, name, sensitivity, interval, position in DEFAULT_TAGS:
        CareTag.objects.get_or_create(code=code, defaults={
            "name": name, "sensitivity": sensitivity, "visit_interval_days": interval, "position": position,
        })


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create_tags, migrations.RunPython.noop)]

"""The default dispute types, and a committee for every existing mediation-committee unit (tier from its area)."""

from django.db import migrations


def seed(apps, schema_editor):
    from gongzhi.mediation.types import DEFAULT_TYPES, TIER_OF_LEVEL

    DisputeType = apps.get_model("mediation", "DisputeType")
    for order, (code, name, name_en) in enumerate(DEFAULT_TYPES, start=1):
        DisputeType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
    Unit = apps.get_model("accounts", "Unit")
    Committee = apps.get_model("mediation", "Committee")
    for unit in Unit.objects.filter(kind="mediation_committee").select_related("region"):
        Committee.objects.get_or_create(unit=unit, defaults={"tier": TIER_OF_LEVEL.get(unit.region.level, "township")})


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial"), ("accounts", "0005_police_station")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

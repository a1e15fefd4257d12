"""Category keywords (the words residents use), filled for the default taxonomy's categories."""

from django.db import migrations, models


def fill_keywords(apps, schema_editor):
    from gongzhi.cases.taxonomy import KEYWORDS

    Category = apps.get_model("cases", "Category")
    for category in Category.objects.filter(code__in=KEYWORDS, keywords=""):
        category.keywords = KEYWORDS[category.code]
        category.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_work_order_number_and_reply_templates")]

    operations = [
        migrations.AddField(
            model_name="category", name="keywords",
            field=models.CharField(blank=True, help_text="Words people use for it, separated by spaces (e.g. 路灯 井盖): the category search finds them.", max_length=500, verbose_name="keywords"),
        ),
        migrations.RunPython(fill_keywords, migrations.RunPython.noop),
    ]

"""Work-order numbers (受理编号) for every case, existing ones numbered by the day they were received;
reply templates (答复模板) per unit and category."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def number_existing_cases(apps, schema_editor):
    """Number the cases there are, in order of reception, and leave each day's counter at its last number."""
    Case = apps.get_model("cases", "Case")
    WorkOrderDay = apps.get_model("cases", "WorkOrderDay")
    alias = schema_editor.connection.alias
    counters: dict = {}
    pending = []
    rows = Case.objects.using(alias).filter(number__isnull=True).order_by("created_at", "id").values_list(
        "id", "created_at")
    for pk, created_at in rows.iterator(chunk_size=BATCH):
        day = timezone.localdate(created_at)
        counters[day] = counters.get(day, 0) + 1
        pending.append(Case(pk=pk, number=f"{day:%Y%m%d}{counters[day]:05d}"))
        if len(pending) >= BATCH:
            Case.objects.using(alias).bulk_update(pending, ["number"])
            pending.clear()
    if pending:
        Case.objects.using(alias).bulk_update(pending, ["number"])
    WorkOrderDay.objects.using(alias).bulk_create(
        [WorkOrderDay(day=day, last=last) for day, last in sorted(counters.items())])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_loginfailure_name_hash'),
        ('cases', '0010_supervision_and_step_deadlines'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkOrderDay',
            fields=[
                ('day', models.DateField(primary_key=True, serialize=False, verbose_name='day')),
                ('last', models.PositiveIntegerField(default=0, verbose_name='last sequence number')),
            ],
            options={
                'verbose_name': 'work-order numbers of a day',
                'verbose_name_plural': 'work-order numbers of days',
            },
        ),
        migrations.AddField(
            model_name='case',
            name='number',
            field=models.CharField(editable=False, max_length=20, null=True, unique=True, verbose_name='work-order number'),
        ),
        migrations.RunPython(number_existing_cases, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='case',
            name='number',
            field=models.CharField(editable=False, max_length=20, unique=True, verbose_name='work-order number'),
        ),
        migrations.CreateModel(
            name='ReplyTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='name')),
                ('text', models.TextField(max_length=2000, verbose_name='text')),
                ('is_active', models.BooleanField(default=True, verbose_name='in use')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reply_templates', to='cases.category', verbose_name='category')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='written by')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reply_templates', to='accounts.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'reply template',
                'verbose_name_plural': 'reply templates',
                'ordering': ['category__code', 'name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('unit', 'category', 'name'), name='reply_template_name_unique_per_unit_category')],
            },
        ),
    ]

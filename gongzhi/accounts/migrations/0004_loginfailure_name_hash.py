"""Failed sign-ins keep a keyed hash of the attempted user name, not the name (#11 item 9)."""

from django.db import migrations, models


def hash_names(apps, schema_editor):
    from gongzhi.core import crypto

    LoginFailure = apps.get_model("accounts", "LoginFailure")
    for failure in LoginFailure.objects.only("pk", "username").iterator():
        LoginFailure.objects.filter(pk=failure.pk).update(name_hash=crypto.blind_index("username", failure.username))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_phone_and_sign_in_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="loginfailure",
            name="name_hash",
            field=models.CharField(db_index=True, default="", max_length=64,
                                   verbose_name="keyed hash of the user name"),
            preserve_default=False,
        ),
        migrations.RunPython(hash_names, migrations.RunPython.noop),
        migrations.RemoveField(model_name="loginfailure", name="username"),
    ]

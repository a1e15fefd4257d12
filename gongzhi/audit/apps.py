from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


TRIGGER_MIGRATION = ("audit", "0002_append_only_triggers")


def ensure_triggers(sender, using, **kwargs):
    """Put the append-only triggers back if a migration rebuilt the table (SQLite does that).

    Only while the migration that installs them is applied, so that migrating
    back below it really removes them.
    """
    from django.db.migrations.recorder import MigrationRecorder

    from . import triggers

    connection = connections[using]
    if not triggers.supported(connection) or not triggers.table_exists(connection):
        return
    if TRIGGER_MIGRATION in MigrationRecorder(connection).applied_migrations():
        triggers.install(connection)


class AuditConfig(AppConfig):
    name = "gongzhi.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="gongzhi.audit.ensure_triggers")

        from gongzhi.core import exports

        from .exports_log import record_export

        exports.register_log(record_export)  # the export log (audit event export.file)

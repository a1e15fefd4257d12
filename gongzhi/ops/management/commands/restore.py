from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from gongzhi.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    requires_system_checks = []  # a backup must not depend on the rest of the configuration being right
    help = ("Restore a backup made by `backup`: verifies the archive whole first, refuses a damaged one, "
            "then replaces the database and the uploaded files and checks every table's rows.")

    def add_arguments(self, parser):
        parser.add_argument("src", help="the .tar.gz archive")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that already has data (stop the server and workers first)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, src, force, database, **options):
        try:
            manifest = restore_backup(Path(src), using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(self.style.SUCCESS(
            _("Restored the backup of %(created)s: %(tables)d tables and %(rows)d rows match the manifest; "
              "%(files)d uploaded files.") % {"created": manifest["created_at"], "tables": len(manifest["tables"]),
                                              "rows": rows, "files": manifest["media_files"]}))
        if manifest["pending_migrations"]:
            self.stdout.write(self.style.WARNING(
                _("This code has %(n)d migrations the backup lacks: run `python manage.py migrate` now.")
                % {"n": len(manifest["pending_migrations"])}))

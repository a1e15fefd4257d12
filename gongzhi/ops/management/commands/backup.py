from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from gongzhi.ops.backup import BackupError, create_backup
from gongzhi.ops.backup.archive import file_sha256


class Command(BaseCommand):
    requires_system_checks = []  # a backup must not depend on the rest of the configuration being right
    help = ("Back up the database and the uploaded files into one tar.gz with a manifest "
            "(row counts, checksums, migrations). Safe while the server runs.")

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a folder (a dated archive is written into it) or a file name ending .tar.gz")
        parser.add_argument("--keep", type=int, default=None,
                            help="with a folder as DEST: keep only the newest N archives there")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, dest, keep, database, **options):
        try:
            path, manifest = create_backup(Path(dest), using=database, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(f"{path}")
        self.stdout.write("  " + _("%(tables)d tables, %(rows)d rows, %(files)d uploaded files") % {
            "tables": len(manifest["tables"]), "rows": rows, "files": manifest["media_files"]})
        self.stdout.write(f"  sha256 {file_sha256(path)}")

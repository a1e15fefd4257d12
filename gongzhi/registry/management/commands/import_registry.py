"""python manage.py import_registry FILE [--dry-run]: import dwellings, persons, households, organisations.

Same checks and the same all-or-nothing rule as the import page; see
gongzhi.registry.importing. Exits with an error and the validation report
when any row is wrong; nothing is written then.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.core.import_commands import ProgressBars, fail_with_problems
from gongzhi.registry.importing import import_registry
from gongzhi.registry.spreadsheets import IMPORT_ORDER


class Command(BaseCommand):
    help = ("Import dwellings, persons, households and organisations from an XLSX workbook or a CSV file "
            "(all or nothing).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        add_actor_argument(parser, "--as-user")
        parser.add_argument("--kind", choices=list(IMPORT_ORDER),
                            help="What a CSV file (or a single-sheet workbook) holds, if its headers are ambiguous.")
        parser.add_argument("--language", default="", help="Language of the report, e.g. zh-hans or en.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, dry_run, kind, language, no_progress, **options):
        if language:
            translation.activate(language)
        if not file.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        actor = command_actor_from(options, "import_registry")
        try:
            with ProgressBars(disable=no_progress) as progress:
                report = import_registry(actor=actor, data=file.read_bytes(), filename=file.name,
                                         dry_run=dry_run, kind=kind, progress=progress)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if not report.ok:
            fail_with_problems(self, report)
        for kind_name, counts in report.counts().items():
            self.stdout.write(_("%(kind)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
                                "%(unchanged)d unchanged") % {"kind": kind_name, **counts})
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))

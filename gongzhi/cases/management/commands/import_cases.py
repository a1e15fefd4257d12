"""python manage.py import_cases FILE [--dry-run]: take in a 12345 hotline export (XLSX or CSV).

Checked whole before the first write, written in short batches, idempotent
by the hotline's work order id (工单编号); see gongzhi.cases.importing. Exits
with an error and the report when any row is wrong; nothing is written then.
If the writing stops part way (a crash, a conflicting change meanwhile), the
same command with the same file writes the rest.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.core.import_commands import ProgressBars, fail_with_problems
from gongzhi.cases.importing import import_cases


class Command(BaseCommand):
    help = "Import work orders handed off by the 12345 hotline from an XLSX workbook or a CSV file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        add_actor_argument(parser, "--as-user")
        parser.add_argument("--region", default="", help="Region code for rows with neither a point nor a "
                                                         "区划代码.")
        parser.add_argument("--language", default="", help="Language of the report, e.g. zh-hans or en.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, dry_run, region, language, no_progress, **options):
        if language:
            translation.activate(language)
        if not file.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        actor = command_actor_from(options, "import_cases")
        try:
            with ProgressBars(disable=no_progress) as progress:
                report = import_cases(actor=actor, data=file.read_bytes(), filename=file.name, dry_run=dry_run,
                                      default_region=region, progress=progress)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if report.stopped:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(_("The import stopped part way; import the same file again to write the rest."))
        if not report.ok:
            fail_with_problems(self, report)
        self.stdout.write(_("%(rows)d rows: %(created)d cases created, %(updated)d updated, %(skipped)d unchanged.")
                          % {"rows": report.rows, "created": report.created, "updated": report.updated,
                             "skipped": report.skipped})
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(str(warning)))
        if report.warnings.truncated:
            self.stdout.write(self.style.WARNING(_("… more warnings were not listed.")))
        if report.warnings:
            self.stdout.write(self.style.WARNING(_("%(n)d rows repeat an earlier report of the same caller.")
                                                 % {"n": report.warnings.total}))
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))

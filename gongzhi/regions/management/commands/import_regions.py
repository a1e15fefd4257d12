"""``manage.py import_regions FILE [--dry-run]``: the shell face of regions.importing."""

import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.regions.importing import import_file

# Progress bars only for files where waiting is noticeable.
PROGRESS_FROM = 200


class Command(BaseCommand):
    help = "Import regions and grids from a GeoJSON FeatureCollection or a CSV file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .geojson/.json FeatureCollection or a .csv file")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--format", choices=["geojson", "csv"], help="override detection by file name")
        add_actor_argument(parser, "--user")

    def handle(self, *args, **options):
        actor = command_actor_from(options, "import_regions")
        try:
            report = import_file(options["file"], actor=actor, dry_run=options["dry_run"], fmt=options["format"],
                                 progress=self._progress)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": options["file"], "error": exc}) from None
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(n)d problem(s) found; nothing was written.") % {"n": len(report.problems)}
            )
        self.stdout.write(report.summary())

    @staticmethod
    def _progress(iterable, **kwargs):
        items = list(iterable)
        if len(items) < PROGRESS_FROM:
            return items
        # disable=None: no bar when stderr is not a terminal (cron, CI logs).
        return tqdm(items, file=sys.stderr, leave=False, disable=None, **kwargs)

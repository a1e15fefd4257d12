"""python manage.py export_analytics: the de-identified Parquet export of case events (idempotent).

The daily job ``analytics_export`` runs the same; this writes the missing and late days on
demand, from ``--since`` a date, or all again with ``--rebuild``.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi.cases import analytics


class Command(BaseCommand):
    help = "Write de-identified case events of every closed day not yet written as Parquet (gongzhi.cases.analytics)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to consider, YYYY-MM-DD (default: after the last day written)")
        parser.add_argument("--rebuild", action="store_true", help="write every day again")

    def handle(self, *args, since=None, rebuild=False, **options):
        try:
            since = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError(f"--since must be a date written YYYY-MM-DD, not {since!r}.") from None
        days = analytics.days_to_write(since=since, rebuild=rebuild)
        with tqdm(total=len(days), unit="day", disable=not days or options["verbosity"] < 1,
                  file=self.stderr) as bar:
            written = analytics.export(since=since, rebuild=rebuild,
                                       progress=lambda day, rows: (bar.set_postfix(day=str(day)), bar.update()))
        self.stdout.write(f"{len(written)} days written, {sum(written.values())} events, "
                          f"in {analytics.folder()}")

"""``manage.py partitions``: the monthly partitions of the history tables on PostgreSQL.

    manage.py partitions                                   # list them, with their rows
    manage.py partitions --maintain                        # what the daily job does, now
    manage.py partitions --detach cases_caseevent 2024-01  # to cold storage (then pg_dump the table)
    manage.py partitions --attach cases_caseevent 2024-01  # back (after restoring the table)

Detaching and attaching are recorded in the audit trail.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gongzhi.audit.services import record
from gongzhi.core import partitions


def _month(text: str) -> date:
    try:
        year, month = text.strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(_("Write the month as YYYY-MM, e.g. 2024-01 (not “%(text)s”).") % {"text": text}) from None


class Command(BaseCommand):
    help = "List, keep, detach and attach the monthly partitions of the history tables (PostgreSQL)."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--maintain", action="store_true", help="Create the coming months' partitions now.")
        action.add_argument("--detach", nargs=2, metavar=("TABLE", "YYYY-MM"), help="Detach a past month.")
        action.add_argument("--attach", nargs=2, metavar=("TABLE", "YYYY-MM"), help="Attach a month back.")

    def handle(self, *args, maintain=False, detach=None, attach=None, **options):
        if not partitions.supported(connection):
            self.stdout.write(_("Partitions are kept on PostgreSQL only; this database keeps plain tables."))
            return
        if maintain:
            done = partitions.maintain(connection)
            self.stdout.write(_("Created %(n)d partitions (%(names)s); moved %(rows)d rows out of the default "
                                "partitions.") % {"n": len(done["created"]), "names": ", ".join(done["created"]) or "—",
                                                  "rows": done["moved"]})
            return
        if detach or attach:
            table, month = (detach or attach)[0], _month((detach or attach)[1])
            if table not in partitions.partitioned_tables(connection):
                raise CommandError(_("%(table)s is not a partitioned table here (partitioned: %(tables)s).")
                                   % {"table": table, "tables": ", ".join(partitions.partitioned_tables(connection))})
            verb = partitions.detach if detach else partitions.attach
            try:
                with transaction.atomic():
                    name = verb(connection, table, month)
                    record(actor=None, action="partition.detach" if detach else "partition.attach",
                           object_type="partition", object_id=name, object_repr=name,
                           changes={"table": table, "month": f"{month:%Y-%m}"})
            except partitions.PartitionError as error:
                raise CommandError(str(error)) from None
            message = (_("Detached %(name)s: it is a table of its own now; its figures stay in the rollup.")
                       if detach else _("Attached %(name)s back."))
            self.stdout.write(message % {"name": name})
            return
        with connection.cursor() as cursor:
            for table in partitions.partitioned_tables(connection):
                self.stdout.write(table)
                for partition in partitions.partitions(connection, table):
                    cursor.execute(f"SELECT count(*) FROM {partition.name}")
                    label = f"{partition.month:%Y-%m}" if partition.month else _("default")
                    state = "" if partition.attached else _(" (detached)")
                    self.stdout.write(f"  {label:<8} {partition.name:<40} {cursor.fetchone()[0]:>12,}{state}")

"""Load, show and list the holiday schedule of a year (the State Council's 放假安排 notice).

    manage.py calendar_year load docs/samples/holidays-2027.csv [--year 2027] [--dry-run]
    manage.py calendar_year show 2027
    manage.py calendar_year list

The file format is in ``docs/calendar.md``. ``load`` is all or nothing: a file
with any bad row changes nothing and every bad row is listed. Writes go
through :func:`gongzhi.workdays.services.load_year` as ``--as USERNAME`` (its
capability and area are checked), by default as the operator at the shell
(``system:calendar_year (<os user>)``), and are audited.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.core import workcal
from gongzhi.workdays import services


class Command(BaseCommand):
    help = "Load, show or list the holiday schedule of a year (holidays and adjusted working days)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="make a CSV file (date,kind,name) the schedule of its year")
        load.add_argument("file")
        load.add_argument("--year", type=int, help="the year the file is for (every date must lie in it)")
        load.add_argument("--region", default="", help="region code of a regional schedule (default: national)")
        load.add_argument("--source", default="", help="where the days come from, e.g. the notice's number")
        load.add_argument("--dry-run", action="store_true", help="check the file and say what would change")
        add_actor_argument(load)
        show = sub.add_parser("show", help="the loaded days of a year and where the year's holidays come from")
        show.add_argument("year", type=int)
        show.add_argument("--region", default="", help="the days of exactly this regional schedule")
        sub.add_parser("list", help="the years with a loaded schedule")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None

    def _load(self, file, year=None, region="", source="", dry_run=False, **options):
        actor = command_actor_from(options, "calendar_year")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror})
        result = services.load_year(actor=actor, data=data, year=year, region=region, source=source,
                                    dry_run=dry_run, reason="calendar_year load")
        counts = {"year": result.year, "n": len(result.rows), "created": result.created,
                  "updated": result.updated, "removed": result.removed}
        if dry_run:
            self.stdout.write(_("Dry run: the schedule of %(year)d would have %(n)d days (%(created)d new, "
                                "%(updated)d changed, %(removed)d removed); nothing was written.") % counts)
        else:
            self.stdout.write(self.style.SUCCESS(
                _("The schedule of %(year)d now has %(n)d days (%(created)d new, %(updated)d changed, "
                  "%(removed)d removed).") % counts))

    def _show(self, year, region="", **options):
        source = workcal.schedule_source(year)
        label = {"loaded": _("loaded schedule"), "package": _("chinesecalendar package"),
                 "": _("UNSCHEDULED: Monday to Friday only")}[source]
        self.stdout.write(_("%(year)d: %(source)s") % {"year": year, "source": label})
        for day in services.schedule_of(year, region=services.region_prefix(region)):
            self.stdout.write(f"{day.date:%Y-%m-%d} {day.date:%a}  {day.kind:<8} {day.name}".rstrip())

    def _list(self, **options):
        rows = services.scheduled_years()
        if not rows:
            self.stdout.write(_("No schedule is loaded."))
        for row in rows:
            where = row["region_code"] or "*"
            self.stdout.write(_("%(year)d %(region)s: %(holidays)d holidays, %(workdays)d adjusted working days")
                              % {"year": row["date__year"], "region": where, "holidays": row["holidays"],
                                 "workdays": row["workdays"]})

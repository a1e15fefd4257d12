"""Inspect the working-day calendar and manage its local overrides from the shell.

    manage.py calendar_override show 2025-09-25 2025-10-15
    manage.py calendar_override list --year 2025
    manage.py calendar_override set 2025-05-06 holiday --note "City notice 12" --as admin
    manage.py calendar_override remove 2025-05-06 --as admin
    manage.py calendar_override set 2025-06-06 holiday --region 650102 --note "古尔邦节" --as admin
    manage.py calendar_override show 2025-06-01 2025-06-10 --region 650102003001

``--region`` names the region an override applies to (blank: everywhere), or
the place whose calendar ``show`` describes.

Writes go through :func:`gongzhi.workdays.services.set_override` /
``remove_override`` as the ``--as`` user (default: the command's system actor), so they are permission-checked and audited like the admin.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride, OverrideKind
from gongzhi.workdays import services


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(value)r is not a date (YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    help = "Show working days, and list, set or remove local calendar overrides (holidays / extra working days)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="each day of a range: working or not, and why")
        show.add_argument("start")
        show.add_argument("end", nargs="?", help="last day shown (default: 30 days after start)")
        show.add_argument("--region", default="", help="the calendar of the place with this region code")
        listing = sub.add_parser("list", help="the overrides, optionally of one year")
        listing.add_argument("--year", type=int)
        listing.add_argument("--region", default=None, help="only the overrides of exactly this region code")
        setter = sub.add_parser("set", help="make a day a holiday or a working day")
        setter.add_argument("date")
        setter.add_argument("kind", choices=OverrideKind.values)
        setter.add_argument("--note", default="")
        setter.add_argument("--region", default="", help="region code it applies to (default: everywhere)")
        add_actor_argument(setter, "--actor")
        remover = sub.add_parser("remove", help="give a day back to the national calendar")
        remover.add_argument("date")
        remover.add_argument("--region", default="", help="region code of the override (default: everywhere)")
        add_actor_argument(remover, "--actor")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None

    def _show(self, start, end=None, region="", **options):
        first = _date(start)
        last = _date(end) if end else first + timedelta(days=30)
        if last < first:
            raise CommandError(_("The end date is before the start date."))
        day = first
        while day <= last:
            info = workcal.describe_day(day, region=region)
            state = _("working") if info.working else _("off")
            where = f"[{info.region_code}] " if info.region_code else ""
            self.stdout.write(f"{day:%Y-%m-%d} {day:%a}  {state:<8} {info.source:<9} {where}{info.note}".rstrip())
            day += timedelta(days=1)

    def _list(self, year=None, region=None, **options):
        rows = CalendarOverride.objects.order_by("date", "region_code")
        if year:
            rows = rows.filter(date__year=year)
        if region is not None:
            rows = rows.filter(region_code=services.region_prefix(region))
        for row in rows:
            where = row.region_code or "*"
            self.stdout.write(f"{row.date:%Y-%m-%d} {row.date:%a}  {where:<15} {row.kind:<12} {row.note}".rstrip())

    def _set(self, date, kind, note, region="", **options):
        override = services.set_override(actor=command_actor_from(options, "calendar_override"), date=_date(date), kind=kind, note=note,
                                        region=region, reason="calendar_override command")
        self.stdout.write(self.style.SUCCESS(str(override)))

    def _remove(self, date, region="", **options):
        day = _date(date)
        services.remove_override(actor=command_actor_from(options, "calendar_override"), date=day, region=region, reason="calendar_override command")
        self.stdout.write(self.style.SUCCESS(_("Override on %(date)s removed.") % {"date": day}))

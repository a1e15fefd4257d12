"""Run the 未诉先办 rules now (the periodic job does it daily) and print the alerts raised."""

import datetime as dt

from django.core.management.base import BaseCommand

from gongzhi.accounts.actors import add_actor_argument, command_actor_from
from gongzhi.insights.alerts import raise_alerts


class Command(BaseCommand):
    help = "Raise the proactive alerts (seasonal, repeated address, care visits, spikes) not raised before."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, help="run as on this day (YYYY-MM-DD)")
        add_actor_argument(parser)

    def handle(self, *args, **options):
        created = raise_alerts(actor=command_actor_from(options, "raise_alerts"), today=options["date"])
        for alert in created:
            self.stdout.write(f"{alert.kind}: {alert.title} → {alert.unit.name if alert.unit else '—'}")
        self.stdout.write(f"{len(created)} alerts raised")

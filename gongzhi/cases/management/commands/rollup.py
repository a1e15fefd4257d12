"""python manage.py rollup: roll up the counts of every closed month and day (idempotent).

The background scheduler runs the same every 10 minutes; reads also compute
what they miss, so this is only needed to prepare a database ahead of its
first dashboard, or with ``--rebuild`` after events were rewritten in place.
"""

from django.core.management.base import BaseCommand

from gongzhi.cases import rollup


class Command(BaseCommand):
    help = "Roll up the rate and intake counts of every closed month and day (see gongzhi.cases.rollup)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every span, not only missing ones")

    def handle(self, *args, rebuild=False, **options):
        done = rollup.refresh(rebuild=rebuild)
        self.stdout.write(f"{done['spans']} closed spans, {done['computed']} computed, {done['moved']} checked up "
                          f"to the latest event, {done['dropped']} old rows dropped.")

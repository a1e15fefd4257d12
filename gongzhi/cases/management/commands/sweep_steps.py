"""python manage.py sweep_steps: overdue dispatches, report-ins, verifications and callbacks, and the
yellow and red cards by rule (idempotent); ``sweep_deadlines`` does the response and resolution deadlines."""

from django.core.management.base import BaseCommand

from gongzhi.cases.sweep import sweep_steps_and_cards


class Command(BaseCommand):
    help = ("Alert and escalate overdue dispatches, report-ins, on-site verifications and callbacks once; "
            "give the yellow and red cards by rule once.")

    def handle(self, *args, **options):
        raised = sweep_steps_and_cards()
        if not raised:
            self.stdout.write("No new step alerts or cards.")
        for kind, count in sorted(raised.items()):
            self.stdout.write(f"{kind}: {count}")

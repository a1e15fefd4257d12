"""python manage.py sweep_deadlines: raise due-soon / overdue alerts and escalations (idempotent)."""

from django.core.management.base import BaseCommand

from gongzhi.cases.sweep import sweep_deadlines


class Command(BaseCommand):
    help = "Mark cases due soon or overdue, notify their units, escalate overdue ones once."

    def handle(self, *args, **options):
        raised = sweep_deadlines()
        if not raised:
            self.stdout.write("No new deadline alerts.")
        for kind, count in sorted(raised.items()):
            self.stdout.write(f"{kind}: {count}")

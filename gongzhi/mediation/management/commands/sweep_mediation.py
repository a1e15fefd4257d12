"""python manage.py sweep_mediation: mediation deadlines, follow-up and confirmation reminders (idempotent)."""

from django.core.management.base import BaseCommand

from gongzhi.mediation.sweep import sweep


class Command(BaseCommand):
    help = "Alert mediators of due and overdue mediations, remind of performance and judicial confirmation deadlines."

    def handle(self, *args, **options):
        for kind, count in sorted(sweep().items()):
            self.stdout.write(f"{kind}: {count}")

"""``manage.py sweep_party_decisions``: alert the joint-meeting decisions due soon or overdue (also a periodic job)."""

from django.core.management.base import BaseCommand

from gongzhi.party.sweep import sweep_decisions


class Command(BaseCommand):
    help = "Alert the joint-meeting decisions that are due soon or overdue, once per deadline."

    def handle(self, *args, **options):
        counts = sweep_decisions()
        self.stdout.write(f"due soon: {counts.get('due_soon', 0)}, overdue: {counts.get('overdue', 0)}")

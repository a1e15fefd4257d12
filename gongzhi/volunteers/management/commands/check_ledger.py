"""manage.py check_ledger: the time bank's invariants (lines sum to zero, cached balances equal the lines)."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.volunteers import ledger


class Command(BaseCommand):
    help = "Check the time-bank ledger: every transfer sums to zero, every balance equals its lines."

    def handle(self, *args, **options):
        problems = ledger.verify_ledger()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the time-bank ledger")
        self.stdout.write("The time-bank ledger is sound.")

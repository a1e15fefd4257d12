"""python manage.py seed_categories: add the missing categories of the default taxonomy."""

from django.core.management.base import BaseCommand

from gongzhi.accounts.actors import command_actor
from gongzhi.cases.services import seed_categories


class Command(BaseCommand):
    help = "Create the categories of the default taxonomy that are missing (never changes existing ones)."

    def handle(self, *args, **options):
        created, present = seed_categories(actor=command_actor("seed_categories"))
        self.stdout.write(f"categories created: {created}, already present: {present}")

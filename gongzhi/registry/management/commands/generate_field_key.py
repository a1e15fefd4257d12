"""Print a new random key for FIELD_ENCRYPTION_KEY (see docs/data-protection.md)."""

from django.core.management.base import BaseCommand

from gongzhi.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new random field encryption key (urlsafe base64 of 32 bytes)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())

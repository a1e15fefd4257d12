"""Print a new random key for FIELD_ENCRYPTION_KEY or BLIND_INDEX_KEY (docs/data-protection.md)."""

from django.core.management.base import BaseCommand

from gongzhi.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new random key for FIELD_ENCRYPTION_KEY or BLIND_INDEX_KEY (32 bytes, urlsafe base64)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())

"""Re-encrypt every encrypted field with the current key.

Run after putting a new key in FIELD_ENCRYPTION_KEY and the previous one(s) in
FIELD_ENCRYPTION_OLD_KEYS, or after switching FIELD_ENCRYPTION_ALGORITHM (AES-256-GCM and the SM4
schemes, gongzhi.core.crypto): a value not written in the current scheme with the current key is
rewritten (a key change keeps the previous key in FIELD_ENCRYPTION_OLD_KEYS). Rows are found by the token version and key id in their ciphertext, so
the command only touches rows still written with an old key: it can be stopped
at any time and run again, and it continues where it stopped. Each batch is
its own transaction. When it reports nothing left, the old keys can be removed
from the settings. The procedure is in docs/data-protection.md.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from gongzhi.accounts.actors import command_actor
from gongzhi.audit.services import record
from gongzhi.core.crypto import DecryptionError, encrypted_fields, keyring


def _stale(model, current_id):
    """Rows of ``model`` with at least one value not written with the current key."""
    condition = Q(pk__in=[])
    for field in encrypted_fields(model):
        condition |= Q(**{f"{field.name}__isnull": False}) & ~Q(**{f"{field.name}__stored_with_key": current_id})
    return model._base_manager.filter(condition)


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the current FIELD_ENCRYPTION_KEY (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="Only count the rows still on an old key.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, batch_size, dry_run, no_progress, **options):
        current_id = keyring().current_id
        models = [m for m in apps.get_models() if encrypted_fields(m) and not m._meta.proxy]
        total_done = 0
        for model in models:
            fields = [f.name for f in encrypted_fields(model)]
            stale = _stale(model, current_id)
            count = stale.count()
            label = model._meta.label
            if dry_run or not count:
                self.stdout.write(f"{label}: {count} rows on an old key")
                continue
            done, last_pk = 0, None
            with tqdm(total=count, desc=label, unit="rows", disable=no_progress) as bar:
                while True:
                    batch_qs = stale.order_by("pk")
                    if last_pk is not None:
                        batch_qs = batch_qs.filter(pk__gt=last_pk)
                    try:
                        batch = list(batch_qs.only("pk", *fields)[:batch_size])
                    except DecryptionError as exc:
                        raise CommandError(f"{label}: {exc}") from exc
                    if not batch:
                        break
                    with transaction.atomic():
                        # Saving decrypted values re-encrypts them with the current key.
                        model._base_manager.bulk_update(batch, fields)
                        record(actor=command_actor("rotate_field_key"), action="crypto.rotate_field_key", object_type=model._meta.label_lower,
                               changes={"rows": len(batch), "first_pk": batch[0].pk, "last_pk": batch[-1].pk,
                                        "key_id": current_id})
                    last_pk = batch[-1].pk
                    done += len(batch)
                    bar.update(len(batch))
            total_done += done
            self.stdout.write(f"{label}: re-encrypted {done} rows")
        left = sum(_stale(m, current_id).count() for m in models)
        self.stdout.write(self.style.SUCCESS(
            f"Done: {total_done} rows re-encrypted with key {current_id}; {left} rows left on old keys."))

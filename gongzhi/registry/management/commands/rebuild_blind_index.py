"""Recompute every blind index with the current BLIND_INDEX_KEY.

A blind index is an HMAC of the normalised clear value under
``BLIND_INDEX_KEY`` (see gongzhi/core/crypto.py). When that key changes, every
stored index is stale: exact search by ID number or phone number and
de-duplication on import find nothing written before the change. This command
decrypts each protected value with the encryption keys (``FIELD_ENCRYPTION_KEY``
and ``FIELD_ENCRYPTION_OLD_KEYS``) and recomputes its index with the current
``BLIND_INDEX_KEY``. The old blind-index key is not needed, and not asked for.

Which columns: in every model, an encrypted field ``<name>`` with a field
``<name>_index`` beside it (``Person.id_number``/``id_number_index``,
``Person.phone``/``phone_index``, ``CaseContact.phone``/``phone_index``); a new
model following that convention is covered without changing this command.

Rows are read and rewritten in batches by primary key, each batch in its own
transaction (its rows locked while it is recomputed), with one audit event per
batch that changed something. Only indexes that differ are written, so the
command is idempotent: interrupted, it is simply run again, and a run over
current indexes changes nothing. The procedure is in docs/data-protection.md.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from tqdm import tqdm

from gongzhi.accounts.actors import command_actor
from gongzhi.audit.services import record
from gongzhi.core import crypto
from gongzhi.registry.bulk import large_cache


def indexed_fields(model) -> list[tuple[crypto.EncryptedTextField, models.Field]]:
    """(encrypted field, its blind index field) pairs of ``model``, by the ``<name>_index`` convention."""
    by_name = {f.name: f for f in model._meta.concrete_fields}
    return [(field, by_name[f"{field.name}_index"]) for field in crypto.encrypted_fields(model)
            if f"{field.name}_index" in by_name]


def indexed_models() -> list:
    return [m for m in apps.get_models() if not m._meta.proxy and indexed_fields(m)]


def _unique(model, field) -> bool:
    """Whether equal non-empty values of ``field`` are refused (a unique field or a unique constraint on it)."""
    return field.unique or any(isinstance(c, models.UniqueConstraint) and list(c.fields) == [field.name]
                               for c in model._meta.constraints)


class Command(BaseCommand):
    help = ("Recompute the blind indexes (exact search by ID number and phone) with the current BLIND_INDEX_KEY, "
            "after that key changed. Idempotent; run it again if it was interrupted.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--dry-run", action="store_true", help="Only count the rows whose index is stale.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, batch_size, dry_run, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        total_changed = total_rows = 0
        for model in indexed_models():
            with large_cache():  # the index columns are rewritten in random order of their values
                rows, changed = self._rebuild(model, batch_size, dry_run, no_progress)
            total_rows += rows
            total_changed += changed
            verb = "stale" if dry_run else "rebuilt"
            self.stdout.write(f"{model._meta.label}: {rows} rows, {changed} {verb}")
        if dry_run:
            self.stdout.write(f"Dry run: {total_changed} of {total_rows} rows have a stale blind index.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Done: {total_changed} of {total_rows} rows re-indexed; every blind index is current."))

    def _rebuild(self, model, batch_size: int, dry_run: bool, no_progress: bool) -> tuple[int, int]:
        pairs = indexed_fields(model)
        indexers = [crypto.indexer(field.kind) for field, _index in pairs]
        names = [name for field, index in pairs for name in (field.attname, index.attname)]
        quote = connection.ops.quote_name
        update = (f"UPDATE {quote(model._meta.db_table)} SET "
                  + ", ".join(f"{quote(index.column)} = %s" for _field, index in pairs)
                  + f" WHERE {quote(model._meta.pk.column)} = %s")
        label = model._meta.label
        manager = model._base_manager
        rows = changed = 0
        last_pk = None
        with tqdm(total=manager.count(), desc=label, unit="rows", disable=no_progress) as bar:
            while True:
                with transaction.atomic():
                    batch_qs = manager.order_by("pk")
                    if last_pk is not None:
                        batch_qs = batch_qs.filter(pk__gt=last_pk)
                    if not dry_run:
                        batch_qs = batch_qs.select_for_update()
                    try:
                        batch = list(batch_qs.values_list("pk", *names)[:batch_size])
                    except crypto.DecryptionError as exc:
                        raise CommandError(f"{label}: {exc}") from exc
                    if not batch:
                        break
                    updates = []
                    for pk, *values in batch:
                        fresh = [index_of(values[2 * i]) for i, index_of in enumerate(indexers)]
                        if fresh != values[1::2]:
                            updates.append((*fresh, pk))
                    if updates and not dry_run:
                        self._refuse_duplicates(model, pairs, updates)
                        with connection.cursor() as cursor:
                            cursor.executemany(update, updates)
                        record(actor=command_actor("rebuild_blind_index"), action="crypto.rebuild_blind_index", object_type=model._meta.label_lower,
                               changes={"rows": len(updates), "first_pk": updates[0][-1], "last_pk": updates[-1][-1]})
                last_pk = batch[-1][0]
                rows += len(batch)
                changed += len(updates)
                bar.update(len(batch))
        return rows, changed

    def _refuse_duplicates(self, model, pairs, updates) -> None:
        """Stop, naming the rows, when a new index equals another row's (the same person registered twice).

        That happens when records were added between the key change and this
        command (de-duplication could not see the older ones). Nothing of the
        batch is written; merge the records and run the command again.
        """
        pks = [row[-1] for row in updates]
        for position, (field, index) in enumerate(pairs):
            if not _unique(model, index):
                continue
            new = {row[position]: row[-1] for row in updates if row[position]}
            clashes = (model._base_manager.filter(**{f"{index.name}__in": list(new)}).exclude(pk__in=pks)
                       .values_list(index.name, "pk"))
            for value, other_pk in clashes:
                raise CommandError(f"{model._meta.label} {new[value]} and {other_pk} have the same {field.name}: "
                                   "the same record was registered twice. Merge the two, then run the command again.")

"""Fast insertion of many new rows: one ``executemany`` per batch.

``QuerySet.bulk_create`` prepares every value of every row through the field
API and compiles a multi-row statement per batch; for an import of 100,000
persons with 20 columns that is two million field calls and most of the
import's time (measured in bench/import_registry.py). :func:`insert_rows`
chooses one converter per column once — encryption for
:class:`~gongzhi.core.crypto.EncryptedTextField`, the backend's own adapters for
dates, times and decimals, nothing for text, numbers and foreign keys — and
hands plain tuples to the driver. :func:`insert_tuples` goes one step further for
the bulk of an import: the caller builds one tuple per row in a fixed column
order, and only the columns that need it are converted. :func:`large_cache`
gives SQLite the page cache such a write needs.

It inserts only: no signals, no ``save()``, no returned primary keys (callers
look new rows up by a natural key), exactly like ``bulk_create``. Values must
already be valid; the importer and the demo seed validate before calling it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.utils import timezone

from gongzhi.core import crypto

_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField,
          models.ForeignKey)


def _converter(field: models.Field) -> Callable:
    ops = connection.ops
    if isinstance(field, crypto.EncryptedTextField):
        encrypt = crypto.encryptor()
        return lambda value: encrypt(str(value)) if value not in (None, "") else None
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if isinstance(field, _AS_IS) and not isinstance(field, models.JSONField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


@contextmanager
def large_cache(megabytes: int = 128):
    """On SQLite, a page cache big enough for the indexes of a bulk write, while it runs.

    SQLite's default cache (2 MB per connection) is much smaller than the
    indexes of 100,000 persons, and blind indexes are inserted in random order:
    dirty pages are spilled to the WAL and read back again and again. A larger
    cache halves the insert time of bench/import_registry.py. The cache grows
    only as far as it is used and is cut back to the previous size afterwards.
    PostgreSQL's buffers are shared and set on the server: nothing to do there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(megabytes) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _defaults(fields) -> dict:
    now = timezone.now()
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default() or not field.null:
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None
    return defaults


def insert_tuples(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple], *,
                  batch_size: int = 2000, progress: Callable[[int], None] | None = None) -> int:
    """Insert ``rows``, tuples of python values in the order of ``columns`` (attnames).

    The fastest path, for the bulk of an import: no dictionary per row, and only
    the columns that need it (encrypted, date, decimal) are converted; every
    other column takes its default, converted once. ``progress`` is called with
    the size of each batch written. Returns the number of rows.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_attname = {f.attname: f for f in fields}
    given = [by_attname[name] for name in columns]
    rest = [f for f in fields if f.attname not in set(columns)]
    defaults = _defaults(rest)
    tail = tuple(_converter(f)(defaults[f.attname]) for f in rest)
    conversions = [(i, _converter(f)) for i, f in enumerate(given) if not _needs_nothing(f)]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in given + rest)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    count = 0
    batch: list[tuple] = []
    append = batch.append
    with connection.cursor() as cursor:
        for row in rows:
            if conversions:
                values = list(row)
                for i, convert in conversions:
                    values[i] = convert(values[i])
                append((*values, *tail))
            else:
                append((*row, *tail))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                if progress is not None:
                    progress(len(batch))
                batch = []
                append = batch.append
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
            if progress is not None:
                progress(len(batch))
    return count


def _needs_nothing(field: models.Field) -> bool:
    return isinstance(field, _AS_IS) and not isinstance(field, (models.JSONField, crypto.EncryptedTextField))


def insert_rows(model: type[models.Model], rows: Iterable[dict], *, batch_size: int = 2000) -> int:
    """Insert ``rows`` (``{attname: python value}``); missing columns take their default.

    ``auto_now``/``auto_now_add`` columns get the same current time for all rows.
    Returns the number of rows inserted. Run it inside the caller's transaction.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = _defaults(fields)
    converters = {f.attname: _converter(f) for f in fields}
    # Defaults are converted once (the same timestamp for every row, for instance).
    columns = [(f.attname, converters[f.attname], converters[f.attname](defaults[f.attname])) for f in fields]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    count = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(convert(row[name]) if name in row else default for name, convert, default in columns))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count

"""Planner statistics after bulk writes: :func:`refresh_statistics`.

Why: a query planner chooses between an index and a full scan from the row
counts and value distributions it has measured. After a bulk load (demo data,
an import of tens of thousands of rows) PostgreSQL knows nothing of the new
rows until autovacuum's ANALYZE comes round, and nothing at all where
autovacuum is off; it then plans a table it believes small with sequential
scans. Seen here: the rollup's freshness check (``id > latest``, which finds
nothing) scanned all 600,000 case events on every dashboard load, 87 ms
instead of a fraction of one. So whoever writes many rows at once refreshes
the statistics of the tables it wrote, right after its transaction.

SQLite keeps its statistics in ``sqlite_stat1`` when asked (ANALYZE). They
are taken in full: sampled ones (``PRAGMA analysis_limit``) misjudged how
many cases share a category by 2.5 times and made the console's case list
walk every case by category (22 -> 219 ms with 120,000 cases); a full
ANALYZE of the large demo database takes 0.6 s. SQLite also forgets the
statistics of a table a migration rebuilds (most field changes rebuild it),
so they are taken again after a migrate that changed something
(:func:`after_migrate`), where they had been taken before.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections, models

# Fewer rows than this written at once do not change a plan worth the ANALYZE.
BULK_ROWS = 1000


def refresh_statistics(models_written: Iterable[type[models.Model]] | None = None, *,
                       using: str = DEFAULT_DB_ALIAS) -> None:
    """ANALYZE the tables of ``models_written`` (every table when None), outside any transaction of the caller's.

    Call it after the bulk write has committed: statistics taken inside the
    transaction would be of rows other sessions cannot see yet.
    """
    connection = connections[using]
    tables = None if models_written is None else sorted({m._meta.db_table for m in models_written})
    if tables == []:
        return
    quoted = [connection.ops.quote_name(table) for table in tables or ()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE" + (" " + ", ".join(quoted) if quoted else ""))
        elif connection.vendor == "sqlite":
            for statement in ([f"ANALYZE {name}" for name in quoted] or ["ANALYZE"]):
                cursor.execute(statement)


def after_migrate(*, using: str = DEFAULT_DB_ALIAS, plan=None, **kwargs) -> None:
    """post_migrate: on SQLite, statistics taken before are taken again once migrations were applied."""
    connection = connections[using]
    if not plan or connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        analysed = cursor.fetchone() is not None
    if analysed:
        refresh_statistics(using=using)

"""What the query planner believes of a table, for tests of core.maintenance's callers."""

from django.db import connection


def planner_rows(table: str) -> int | None:
    """How many rows the planner believes ``table`` has (None: it has never measured)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            value = cursor.fetchone()[0]
            return None if value < 0 else int(value)
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        row = cursor.fetchone()
        return None if row is None else int(row[0].split()[0])

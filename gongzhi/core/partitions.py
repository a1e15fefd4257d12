"""Monthly partitions of the history tables on PostgreSQL: :func:`partition_by_month`, :func:`maintain`,
:func:`detach`, :func:`attach`.

Why: a megacity's hotline writes about 25 million cases a year and several
times as many case events and audit events; years of them are kept. One
table of a few hundred million rows makes every index deep, every VACUUM
long and every old month impossible to move away. PostgreSQL's declarative
partitioning splits such a table by month under the same name: queries,
the ORM and the indexes work across the partitions unchanged, a query over
a period reads only the months it needs (partition pruning), and a month no
longer needed online is *detached* (it becomes a table of its own, ready for
``pg_dump`` to cold storage) and can be *attached* back.

The rules of the engine shape what is here:

- every unique index, the primary key included, must contain the partition
  column, so the primary key becomes ``(id, <time>)``; ids still come from
  one sequence and stay unique, and Django keeps addressing rows by ``id``;
- identity columns are not allowed on a partitioned table (before
  PostgreSQL 17), so ``id`` takes its values from a sequence owned by the
  column (``pg_get_serial_sequence`` finds it, as Django's sequence reset
  needs);
- a row trigger on the partitioned table is cloned onto every partition, a
  statement trigger (``BEFORE TRUNCATE``) is not: :func:`copy_statement_triggers`
  puts the table's statement triggers on each partition, so the audit
  trail's append-only guard holds on every month;
- a row whose month has no partition goes to the DEFAULT partition (an
  import of events dated years back, say); the periodic job
  (:func:`maintain`) gives the coming months their partitions ahead of time
  and gives such a month its partition, moving its rows out of the default.

Month bounds are local midnights in ``settings.TIME_ZONE``, the same months
as the rollup's and every report's. SQLite keeps plain tables: the embedded
default serves one street office, and every function here does nothing there.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

# Sent with (table, month) before a month's partition is detached and after it is attached back, so
# that what is derived from it (the rollup of the case events) can be made final or live again.
before_detach = Signal()
after_attach = Signal()

DEFAULT_SUFFIX = "_default"
_MONTH = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the default partition
    attached: bool


class PartitionError(Exception):
    """An operation on partitions that cannot be done as asked (the message says why)."""


def supported(connection) -> bool:
    return connection.vendor == "postgresql"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _next(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1]) + timedelta(days=1)


def _bound(month: date) -> str:
    return datetime.combine(month, time.min, tzinfo=_zone()).isoformat()


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(connection, table: str) -> bool:
    if not supported(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table])
        return cursor.fetchone() is not None


def partitioned_tables(connection) -> list[str]:
    if not supported(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT partrelid::regclass::text FROM pg_partitioned_table ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def partitions(connection, table: str) -> list[Partition]:
    """The month partitions of ``table`` (attached, and detached ones still in the database), then the default."""
    if not is_partitioned(connection, table):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [table])
        attached = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ %s",
                       [f"^{re.escape(table)}_p[0-9]{{6}}$"])
        named = {row[0] for row in cursor.fetchall()} | attached
    found = []
    for name in named:
        match = _MONTH.search(name)
        if match:
            found.append(Partition(name, date(int(match[1]), int(match[2]), 1), name in attached))
    found.sort(key=lambda p: p.month)
    if table + DEFAULT_SUFFIX in attached:
        found.append(Partition(table + DEFAULT_SUFFIX, None, True))
    return found


def _column_of(connection, table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef(%s::regclass)", [table])
        definition = cursor.fetchone()[0]  # "RANGE (at)"
    return re.search(r"\((\w+)\)", definition)[1]


def copy_statement_triggers(connection, table: str, partition: str | None = None) -> None:
    """Put the statement triggers of ``table`` (not inherited by partitions) on each partition, or on one."""
    with connection.cursor() as cursor:
        cursor.execute("""SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
                          WHERE tgrelid = %s::regclass AND NOT tgisinternal AND (tgtype & 1) = 0""", [table])
        statement_triggers = cursor.fetchall()
        targets = [partition] if partition else [p.name for p in partitions(connection, table) if p.attached]
        for target in targets:
            for name, definition in statement_triggers:
                sql = re.sub(r" ON (?:ONLY )?(?:\w+\.)?" + re.escape(table) + " ", f" ON {target} ", definition, count=1)
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {target}")
                cursor.execute(sql)


def _create(cursor, connection, table: str, month: date) -> str:
    name = partition_name(table, month)
    cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM (%s) TO (%s)",
                   [_bound(month), _bound(_next(month))])
    copy_statement_triggers(connection, table, name)
    return name


def partition_by_month(connection, table: str, column: str, *, ahead: int = 3) -> None:
    """Turn ``table`` into a table partitioned by month of ``column`` (a migration's step; PostgreSQL only).

    The rows are copied into partitions of the months they fall in (one per
    month from the earliest row to ``ahead`` months after this one, and the
    default for nothing else), with the table's columns, defaults, checks,
    indexes and foreign keys; its id sequence continues where it was.
    Triggers are the owning app's to put back (a row trigger created on the
    new table reaches every partition). Other tables must not reference
    ``table`` by foreign key: a key that is not unique alone cannot be referenced.
    """
    if not supported(connection) or is_partitioned(connection, table):
        return
    old = f"{table}__unpartitioned"
    with connection.cursor() as cursor:
        cursor.execute("""SELECT conrelid::regclass::text FROM pg_constraint
                          WHERE confrelid = %s::regclass AND contype = 'f'""", [table])
        referencing = [row[0] for row in cursor.fetchall()]
        if referencing:
            raise PartitionError(f"{table} is referenced by foreign keys of {', '.join(referencing)}")
        cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE conrelid = %s::regclass AND contype = 'f'""", [table])
        foreign_keys = cursor.fetchall()
        cursor.execute("""SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
                          WHERE indrelid = %s::regclass AND NOT indisprimary""", [table])
        indexes = cursor.fetchall()
        cursor.execute(f"SELECT min({column}), max(id) FROM {table}")
        first, last_id = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
        cursor.execute(f"""CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                           INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({column})""")
        this_month = datetime.now(_zone()).date().replace(day=1)
        month = min(first.astimezone(_zone()).date().replace(day=1), this_month) if first else this_month
        end = this_month
        for _ in range(ahead):
            end = _next(end)
        while month <= end:
            _create(cursor, connection, table, month)
            month = _next(month)
        cursor.execute(f"CREATE TABLE {table}{DEFAULT_SUFFIX} PARTITION OF {table} DEFAULT")
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")
        sequence = f"{table}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {sequence} OWNED BY {table}.id")
        if last_id:
            cursor.execute("SELECT setval(%s, %s)", [sequence, last_id])
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
        cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id, {column})")
        for name, definition in indexes:
            definition = re.sub(r" ON (?:ONLY )?(?:\w+\.)?" + re.escape(old) + " ", f" ON {table} ", definition,
                                count=1)
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def unpartition(connection, table: str) -> None:
    """The reverse of :func:`partition_by_month` (a migration rolled back): one plain table again."""
    if not is_partitioned(connection, table):
        return
    old = f"{table}__partitioned"
    with connection.cursor() as cursor:
        cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE conrelid = %s::regclass AND contype = 'f'""", [table])
        foreign_keys = cursor.fetchall()
        cursor.execute("""SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
                          WHERE indrelid = %s::regclass AND NOT indisprimary""", [table])
        indexes = cursor.fetchall()
        cursor.execute(f"SELECT max(id) FROM {table}")
        last_id = cursor.fetchone()[0]
        cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
        cursor.execute(f"""CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                           INCLUDING STORAGE INCLUDING COMMENTS)""")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old} CASCADE")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        if last_id:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [last_id])
        cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
        for _name, definition in indexes:
            cursor.execute(re.sub(r" ON (?:ONLY )?(?:\w+\.)?" + re.escape(old) + " ", f" ON {table} ", definition,
                                  count=1))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _default_rows_in(cursor, table: str, column: str, month: date) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}{DEFAULT_SUFFIX} WHERE {column} >= %s AND {column} < %s",
                   [_bound(month), _bound(_next(month))])
    return cursor.fetchone()[0]


def _create_month(connection, table: str, column: str, month: date) -> tuple[str, int]:
    """Give ``month`` its partition; rows of it already in the default partition move into it.

    One transaction. Moving rows from one partition to another changes no row
    (the audit trail's guard is lifted on the default partition for the move
    only, inside the transaction).
    """
    name = partition_name(table, month)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if not _default_rows_in(cursor, table, column, month):
            _create(cursor, connection, table, month)
            return name, 0
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        moved = _move_from_default(cursor, table, column, month, name)
        # Attaching builds the table's share of every index and clones the row triggers onto it.
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                       [_bound(month), _bound(_next(month))])
        copy_statement_triggers(connection, table, name)
    return name, moved


def _move_from_default(cursor, table: str, column: str, month: date, into: str) -> int:
    """Move the month's rows from the default partition into table ``into`` (inside a transaction)."""
    low, high = _bound(month), _bound(_next(month))
    default = table + DEFAULT_SUFFIX
    cursor.execute(f"INSERT INTO {into} SELECT * FROM {default} WHERE {column} >= %s AND {column} < %s", [low, high])
    moved = cursor.rowcount
    if moved:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [default])
        guarded = cursor.fetchone()[0] > 0  # (ALTER TABLE is refused while foreign-key checks are pending)
        if guarded:
            cursor.execute(f"ALTER TABLE {default} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {default} WHERE {column} >= %s AND {column} < %s", [low, high])
        if guarded:
            cursor.execute(f"ALTER TABLE {default} ENABLE TRIGGER USER")
    return moved


def _months_in_default(connection, table: str, column: str) -> list[date]:
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE %s)::date
                           FROM {table}{DEFAULT_SUFFIX} ORDER BY 1""", [settings.TIME_ZONE])
        return [row[0] for row in cursor.fetchall()]


def maintain(connection, *, months: int = 3, today: date | None = None) -> dict:
    """The periodic job: every partitioned table has its months (idempotent).

    This month and the next ``months`` get their partitions ahead of time;
    a month whose rows landed in the default partition (an import of history
    dated before the table was partitioned, say) gets its partition and its
    rows move into it. Returns ``{"created": [names], "moved": rows moved}``.
    """
    created, moved = [], 0
    if not supported(connection):
        return {"created": created, "moved": moved}
    month = (today or datetime.now(_zone()).date()).replace(day=1)
    wanted = [month]
    for _ in range(months):
        wanted.append(_next(wanted[-1]))
    for table in partitioned_tables(connection):
        column = _column_of(connection, table)
        # An attached month has no rows in the default partition; those of a detached month (kept in the
        # database under its name) wait there until it is attached back (see attach()).
        present = {p.month for p in partitions(connection, table)}
        for month in sorted(set(wanted) | set(_months_in_default(connection, table, column))):
            if month in present:
                continue
            name, rows = _create_month(connection, table, column, month)
            created.append(name)
            moved += rows
    return {"created": created, "moved": moved}


def _partition(connection, table: str, month: date) -> Partition:
    if not is_partitioned(connection, table):
        raise PartitionError(f"{table} is not partitioned here")
    for partition in partitions(connection, table):
        if partition.month == month:
            return partition
    raise PartitionError(f"{table} has no partition for {month:%Y-%m}")


def detach(connection, table: str, month: date) -> str:
    """Detach the month's partition of ``table``: it stays in the database as a table of its own.

    Receivers of :data:`before_detach` run first, in the same transaction
    (the case events' month is made final in the rollup before its events go).
    The current month and later cannot be detached: their rows are still written.
    """
    partition = _partition(connection, table, month)
    if not partition.attached:
        raise PartitionError(f"{partition.name} is already detached")
    if month >= datetime.now(_zone()).date().replace(day=1):
        raise PartitionError(f"{month:%Y-%m} has not ended; only past months can be detached")
    with transaction.atomic(using=connection.alias):
        before_detach.send(sender=table, table=table, month=month, connection=connection)
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {partition.name}")
    return partition.name


def attach(connection, table: str, month: date) -> str:
    """Attach a detached month back (restored from cold storage under its name first, if it was dropped).

    Rows dated in the month that were written while it was away (they went
    to the default partition) move into it first; receivers of
    :data:`after_attach` run in the same transaction.
    """
    partition = _partition(connection, table, month)
    if partition.attached:
        raise PartitionError(f"{partition.name} is attached already")
    column = _column_of(connection, table)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _move_from_default(cursor, table, column, month, partition.name)
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {partition.name} FOR VALUES FROM (%s) TO (%s)",
                       [_bound(month), _bound(_next(month))])
        copy_statement_triggers(connection, table, partition.name)
        after_attach.send(sender=table, table=table, month=month, connection=connection)
    return partition.name

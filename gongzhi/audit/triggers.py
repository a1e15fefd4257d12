"""Database triggers that keep the audit trail append-only below the ORM.

The model and its queryset refuse updates and deletes in Python; these
triggers refuse them in the database too, so raw SQL, a bulk tool or a bug in
some other code path cannot rewrite history either:

- PostgreSQL: a row trigger refusing UPDATE and DELETE and a statement
  trigger refusing TRUNCATE, raising SQLSTATE 23001 (restrict_violation);
- SQLite: BEFORE UPDATE / BEFORE DELETE triggers doing ``RAISE(ABORT, …)``.

Both let one thing through: deleting an event older than :data:`MIN_RETENTION_DAYS`
(the retention sweep, :mod:`gongzhi.audit.retention`); an update is never allowed.

Both surface in Django as :class:`django.db.IntegrityError`.

They are installed by migration ``audit.0002`` and re-ensured after every
``migrate`` (``post_migrate``, see ``apps.py``), because on SQLite a later
migration that alters the table rebuilds it and silently drops its triggers.
``manage.py flush`` (overridden in this app) is the one sanctioned way to
empty the table: it suspends the triggers around the flush, as the test
runner's flush between transactional tests needs. They guard against the
application and its operators' mistakes, not against the database owner,
who can drop a trigger: in production run the application as a database role
that does not own the table.
"""

from contextlib import contextmanager

from gongzhi.core import partitions

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"
# The one exception: an event older than this may be deleted (the retention sweep's purge, through
# gongzhi.audit.retention). The Cybersecurity Law (art. 21) and 等保 level 3 ask for at least six months
# of logs, so the database itself refuses to delete anything younger, whatever the rule says.
MIN_RETENTION_DAYS = 180

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.at < now() - interval '{MIN_RETENTION_DAYS} days' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$
"""
_PG_TRIGGERS = {
    "audit_auditevent_no_update_delete": f"""
        CREATE OR REPLACE TRIGGER audit_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()""",
    "audit_auditevent_no_truncate": f"""
        CREATE OR REPLACE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_change()""",
}
_SQLITE_TRIGGERS = {
    "audit_auditevent_no_update": f"""
        CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    "audit_auditevent_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON {TABLE}
        WHEN old.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{MIN_RETENTION_DAYS} days')
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
}


def supported(connection) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def table_exists(connection) -> bool:
    return TABLE in connection.introspection.table_names()


def install(connection) -> None:
    """Create the triggers (idempotent); nothing on other databases.

    On PostgreSQL the table is partitioned by month (migration ``audit.0004``):
    the row trigger reaches every partition by itself, the TRUNCATE trigger is
    copied onto each (see :mod:`gongzhi.core.partitions`).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for sql in _PG_TRIGGERS.values():
                cursor.execute(sql)
            partitions.copy_statement_triggers(connection, TABLE)
        elif connection.vendor == "sqlite":
            for name, sql in _SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")  # an older definition is replaced
                cursor.execute(sql)


def _pg_tables(connection) -> list[str]:
    """The table and, where it is partitioned, its attached partitions (statement triggers sit on each)."""
    return [TABLE, *(p.name for p in partitions.partitions(connection, TABLE) if p.attached)]


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in _pg_tables(connection):
                for name in _PG_TRIGGERS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS audit_auditevent_refuse_change()")
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def installed(connection) -> set[str]:
    """Names of the append-only triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def suspended(connection):
    """Let the table be emptied for the duration (``flush`` only); triggers are back afterwards."""
    if not table_exists(connection):
        yield
    elif connection.vendor == "postgresql":
        tables = _pg_tables(connection)
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    elif connection.vendor == "sqlite":
        remove(connection)
        try:
            yield
        finally:
            install(connection)
    else:
        yield

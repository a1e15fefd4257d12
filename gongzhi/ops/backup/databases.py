"""Consistent copies of the database, and fingerprints to prove a restore is whole.

One class per engine, each able to: copy the database to a file from one
consistent snapshot (and fingerprint the tables from that same snapshot),
replace the database with such a file, and fingerprint the database now.

A fingerprint is, per table, the row count and an order-independent digest
of the rows (the sum of each row's SHA-256 modulo 2**256), so two databases
with the same rows have the same fingerprint whatever order the engine reads
them in. It is read through the engine's own driver, not the ORM, so values
are compared as stored.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from django.utils.translation import gettext as _

from .errors import BackupError

_MOD = 2 ** 256


def _canon(value) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "b:" + bytes(value).hex()
    if isinstance(value, (dict, list)):
        return "j:" + json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return repr(value)


def digest_rows(rows) -> tuple[int, str]:
    count, total = 0, 0
    for row in rows:
        line = "\x1f".join(_canon(value) for value in row).encode("utf-8", "surrogatepass")
        total = (total + int.from_bytes(hashlib.sha256(line).digest(), "big")) % _MOD
        count += 1
    return count, f"{total:064x}"


def _fingerprint(tables, read_rows) -> dict:
    result = {}
    for table in tables:
        rows, digest = digest_rows(read_rows(table))
        result[table] = {"rows": rows, "sha256": digest}
    return result


def _migrations(rows) -> dict:
    applied = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


class SqliteDatabase:
    vendor = "sqlite"
    member = "database.sqlite3"

    def __init__(self, settings_dict):
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file::memory:") or "mode=memory" in name:
            raise BackupError(_("An in-memory SQLite database cannot be backed up or restored."))
        self.path = Path(name)
        self.timeout = float(settings_dict.get("OPTIONS", {}).get("timeout", 20))

    def describe(self) -> str:
        return _("SQLite database %(path)s") % {"path": self.path}

    def _connect(self, path=None):
        return sqlite3.connect(str(path or self.path), timeout=self.timeout, isolation_level=None)

    @staticmethod
    def _tables(conn):
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                            "ORDER BY name").fetchall()
        return [row[0] for row in rows]

    def _read(self, conn) -> tuple[dict, dict]:
        tables = self._tables(conn)

        def read_rows(table):
            quoted = '"' + table.replace('"', '""') + '"'
            return conn.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names come from sqlite_master

        migrations = {}
        if "django_migrations" in tables:
            migrations = _migrations(conn.execute("SELECT app, name FROM django_migrations"))
        return _fingerprint(tables, read_rows), migrations

    def snapshot(self, dest: Path) -> tuple[dict, dict]:
        """Online copy through SQLite's backup API: one read transaction, so consistent
        while the server keeps writing (WAL lets it)."""
        if not self.path.exists():
            raise BackupError(_("There is no SQLite database at %(path)s.") % {"path": self.path})
        source = self._connect()
        target = sqlite3.connect(str(dest), isolation_level=None)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            return self._read(target)
        finally:
            target.close()
            source.close()

    def fingerprint(self) -> tuple[dict, dict]:
        with closing(self._connect()) as conn:
            return self._read(conn)

    def is_empty(self) -> bool:
        if not self.path.exists():
            return True
        with closing(self._connect()) as conn:
            return not self._tables(conn)

    def restore(self, source_file: Path) -> None:
        """Copy the backup into the database file page by page, in one write transaction."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(str(source_file), isolation_level=None)
        target = self._connect()
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()


class PostgresDatabase:
    vendor = "postgresql"
    member = "database.pgdump"

    def __init__(self, settings_dict):
        self.name = settings_dict["NAME"]
        self.params = {key: str(value) for key, value in {
            "host": settings_dict.get("HOST"), "port": settings_dict.get("PORT"),
            "user": settings_dict.get("USER"), "password": settings_dict.get("PASSWORD"),
        }.items() if value}
        self.sslmode = settings_dict.get("OPTIONS", {}).get("sslmode")
        for tool in ("pg_dump", "pg_restore", "psql"):
            if shutil.which(tool) is None:
                raise BackupError(_("The PostgreSQL client tool %(tool)s is not installed (package "
                                    "postgresql-client).") % {"tool": tool})

    def describe(self) -> str:
        return _("PostgreSQL database %(name)s on %(host)s") % {
            "name": self.name, "host": self.params.get("host", "the local socket")}

    def _env(self) -> dict:
        env = dict(os.environ)
        mapping = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
        env.update({mapping[key]: value for key, value in self.params.items()})
        env["PGDATABASE"] = self.name
        if self.sslmode:
            env["PGSSLMODE"] = self.sslmode
        return env

    def _connect(self, **kwargs):
        import psycopg

        params = {**self.params, "dbname": self.name}
        if self.sslmode:
            params["sslmode"] = self.sslmode
        try:
            return psycopg.connect(**params, **kwargs)
        except psycopg.Error as exc:
            raise BackupError(_("Could not connect to %(target)s: %(error)s")
                              % {"target": self.describe(), "error": exc}) from exc

    def _run(self, args, what):
        result = subprocess.run(args, env=self._env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(_("%(step)s failed (%(tool)s exit %(code)s): %(error)s") % {
                "step": what, "tool": args[0], "code": result.returncode, "error": result.stderr.strip()})
        return result

    @staticmethod
    def _tables(conn):
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            # A partition's rows are read through its partitioned table ('p'), not counted twice.
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY 1").fetchall()
        return [row[0] for row in rows]

    def _read(self, conn) -> tuple[dict, dict]:
        from psycopg import sql

        conn.execute("SET TIME ZONE 'UTC'")
        tables = self._tables(conn)

        def read_rows(table):
            with conn.cursor(name="gongzhi_fingerprint") as cursor:
                cursor.itersize = 2000
                cursor.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
                yield from cursor

        migrations = {}
        if "django_migrations" in tables:
            migrations = _migrations(conn.execute("SELECT app, name FROM django_migrations").fetchall())
        return _fingerprint(tables, read_rows), migrations

    def snapshot(self, dest: Path) -> tuple[dict, dict]:
        """pg_dump -Fc of an exported snapshot, fingerprinted inside that same snapshot."""
        from psycopg import IsolationLevel

        conn = self._connect()
        try:
            conn.isolation_level = IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            self._run(["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={dest}"],
                      "pg_dump")
            return self._read(conn)
        finally:
            conn.rollback()
            conn.close()

    def fingerprint(self) -> tuple[dict, dict]:
        conn = self._connect()
        try:
            return self._read(conn)
        finally:
            conn.rollback()
            conn.close()

    def is_empty(self) -> bool:
        conn = self._connect()
        try:
            return not self._tables(conn)
        finally:
            conn.close()

    def restore(self, source_file: Path) -> None:
        """Replace the schema and its data in ONE transaction: a failure leaves the old data."""
        with tempfile.TemporaryDirectory(dir=source_file.parent) as work:
            script = Path(work) / "restore.sql"
            self._run(["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(source_file)],
                      "pg_restore")
            wrapper = Path(work) / "wrapper.sql"
            wrapper.write_text(
                "DROP SCHEMA IF EXISTS public CASCADE;\n"
                "CREATE SCHEMA public;\n"
                f"\\i '{script}'\n"
            )
            self._run(["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
                       f"--file={wrapper}"], _("Loading the database"))


def database_for(settings_dict):
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return SqliteDatabase(settings_dict)
    if engine.endswith("postgresql"):
        return PostgresDatabase(settings_dict)
    raise BackupError(_("Backups are not supported for the database engine %(engine)s.") % {"engine": engine})

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Create the PostgreSQL database named in DATABASE_URL if it does not exist (SQLite needs nothing)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        settings_dict = connections[database].settings_dict
        if connections[database].vendor != "postgresql":
            return
        import psycopg
        from psycopg import sql

        name = settings_dict["NAME"]
        params = {key: value for key, value in {
            "host": settings_dict.get("HOST"), "port": settings_dict.get("PORT"),
            "user": settings_dict.get("USER"), "password": settings_dict.get("PASSWORD"),
        }.items() if value}
        try:
            with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.stdout.write(_("Created database %(name)s.") % {"name": name})
        except psycopg.Error as exc:
            raise CommandError(_("Could not reach PostgreSQL to create database %(name)s: %(error)s")
                               % {"name": name, "error": exc}) from exc

"""Backup and restore of the database and the uploaded files (``manage.py backup`` / ``restore``).

See ``docs/backup.md`` for the schedule, retention and what is NOT in a
backup (the keys in the environment).
"""

import logging
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import django
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import command_actor

from . import archive
from .databases import database_for
from .errors import BackupError

__all__ = ["BackupError", "create_backup", "restore_backup", "prune_backups", "ARCHIVE_GLOB"]

log = logging.getLogger("gongzhi.ops.backup")

ARCHIVE_GLOB = "gongzhi-backup-*.tar.gz"


def _media_files(media_root: Path) -> list[tuple[str, Path]]:
    if not media_root.is_dir():
        return []
    files = []
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append((archive.MEDIA_PREFIX + path.relative_to(media_root).as_posix(), path))
    return files


def _archive_path(dest: Path, now: datetime) -> Path:
    if dest.is_dir():
        return dest / f"gongzhi-backup-{now:%Y%m%dT%H%M%S%fZ}.tar.gz"
    if not dest.name.endswith(".tar.gz"):
        raise BackupError(_("DEST must be a folder or a file name ending in .tar.gz, not %(dest)s.") % {"dest": dest})
    if not dest.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": dest.parent})
    return dest


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives named like ours in ``folder``."""
    archives = sorted(folder.glob(ARCHIVE_GLOB))
    doomed = archives[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def create_backup(dest: Path, *, using: str = "default", keep: int | None = None) -> tuple[Path, dict]:
    """Back up the database ``using`` and MEDIA_ROOT into one archive; returns (path, manifest)."""
    dest = Path(dest)
    if keep is not None and (keep < 1 or not dest.is_dir()):
        raise BackupError(_("--keep needs a folder as DEST and a number of at least 1."))
    database = database_for(connections[using].settings_dict)
    now = datetime.now(UTC)
    target = _archive_path(dest, now)
    with tempfile.TemporaryDirectory(prefix="gongzhi-backup-", dir=target.parent) as work:
        db_file = Path(work) / database.member
        tables, migrations = database.snapshot(db_file)
        manifest = {
            "created_at": now.isoformat(timespec="seconds"),
            "created_unix": int(now.timestamp()),
            "django_version": django.get_version(),
            "database": {"vendor": database.vendor, "member": database.member},
            "tables": tables,
            "migrations": migrations,
            "media_files": 0,
        }
        files = [(database.member, db_file), *_media_files(Path(settings.MEDIA_ROOT))]
        manifest["media_files"] = len(files) - 1
        manifest = archive.write_archive(target, manifest, files)
    if keep is not None:
        prune_backups(target.parent, keep)
    log.info("backup written to %s", target,
             extra={"archive": str(target), "tables": len(tables), "rows": sum(t["rows"] for t in tables.values()),
                    "media_files": manifest["media_files"]})
    return target, manifest


def _migration_gap(applied: dict) -> tuple[list[str], list[str]]:
    """(migrations in the backup this code does not know, migrations of this code not in the backup)."""
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in applied.items() for name in names}
    known_apps = {app for app, _name in on_disk}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - on_disk if app in known_apps)
    missing = sorted(f"{app}.{name}" for app, name in on_disk - in_backup)
    return unknown, missing


def _compare(expected: dict, actual: dict) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None or got is None:
            problems.append(_("table %(table)s: %(state)s") % {
                "table": table, "state": _("missing after restore") if got is None else _("not in the backup")})
        elif want["rows"] != got["rows"]:
            problems.append(_("table %(table)s: %(want)s rows in the backup, %(got)s after restore")
                            % {"table": table, "want": want["rows"], "got": got["rows"]})
        elif want["sha256"] != got["sha256"]:
            problems.append(_("table %(table)s: the rows differ from the backup") % {"table": table})
    return problems


def restore_backup(src: Path, *, using: str = "default", force: bool = False) -> dict:
    """Verify ``src`` whole, then replace the database and MEDIA_ROOT with its content.

    Refuses, before changing anything, a damaged archive, one of another
    database engine, one from a newer schema than this code knows, and (without
    ``force``) a database that already has tables. After the restore the table
    fingerprints are computed again and must equal the manifest's.
    """
    src = Path(src)
    database = database_for(connections[using].settings_dict)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".gongzhi-restore-", dir=media_root.parent))
    try:
        manifest = archive.extract_verified(src, staging)
        vendor = manifest["database"]["vendor"]
        if vendor != database.vendor:
            raise BackupError(_("This backup is of a %(backup)s database; it cannot be restored into %(target)s.")
                              % {"backup": vendor, "target": database.describe()})
        unknown, missing = _migration_gap(manifest["migrations"])
        if unknown and not force:
            raise BackupError(_("This backup comes from a newer version of Gongzhi (migrations unknown here: "
                                "%(names)s). Update the code first, or restore with --force.")
                              % {"names": ", ".join(unknown[:5])})
        connections.close_all()
        if not force and not database.is_empty():
            raise BackupError(_("%(target)s is not empty. Restoring replaces all of its data: "
                                "stop the server and workers, then run restore again with --force.")
                              % {"target": database.describe()})

        database.restore(staging / manifest["database"]["member"])
        _swap_media(staging / "media", media_root)

        tables, _applied = database.fingerprint()
        problems = _compare(manifest["tables"], tables)
        if problems:
            raise BackupError(_("The restored database does not match the backup: %(problems)s")
                              % {"problems": "; ".join(problems[:10])})
        if not missing and not unknown:
            _record_restore(src, manifest)
        log.info("restored %s", src, extra={"archive": str(src), "created_at": manifest["created_at"],
                                            "tables": len(tables), "pending_migrations": len(missing)})
        return {**manifest, "pending_migrations": missing}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        connections.close_all()


def _swap_media(new: Path, media_root: Path) -> None:
    """Put the restored files in place of MEDIA_ROOT with two renames."""
    new.mkdir(exist_ok=True)
    old = media_root.with_name(f".{media_root.name}-before-restore-{int(time.time())}")
    if media_root.exists():
        media_root.rename(old)
    new.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)


def _record_restore(src: Path, manifest: dict) -> None:
    """The restored trail says it was restored, from what, made when (after the row check)."""
    from gongzhi.audit.services import record

    with transaction.atomic():
        record(actor=command_actor("restore"), action="ops.restore", object_type="backup", object_repr=src.name[:200],
               changes={"backup_created_at": manifest["created_at"],
                        "tables": len(manifest["tables"]), "media_files": manifest.get("media_files", 0)})

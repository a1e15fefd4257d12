"""backup → wipe → restore, on SQLite and PostgreSQL, with real manage.py processes.

The commands run against scratch sites (tests/sites.py), never the pytest
test database: a SQLite file in the SQLite pass of the suite, a scratch
database on the same server in the PostgreSQL pass (DATABASE_URL=postgres://…).
"""

import gzip
import io
import json
import os
import re
import shutil
import tarfile

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from gongzhi.ops.backup import BackupError, prune_backups
from gongzhi.ops.backup.archive import extract_verified
from gongzhi.ops.backup.databases import database_for

from .sites import MEDIA, Site

AUDIT = "audit_auditevent"


def said(template, text):
    """``text`` holds the message ``template`` in the language the commands speak (LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        translated = translation.gettext(template)
    pattern = ".*?".join(re.escape(part) for part in re.split(r"%\(\w+\)[sdr]", translated))
    return re.search(pattern, text, re.S) is not None


NOT_EMPTY = ("%(target)s is not empty. Restoring replaces all of its data: stop the server and workers, "
             "then run restore again with --force.")
DAMAGED = "The archive %(archive)s is damaged or truncated (%(detail)s); nothing was restored."
MISMATCH = "checksum or size mismatch in %(members)s"


def fingerprint(site):
    tables, _migrations = database_for(site.settings_dict).fingerprint()
    return tables


def backup(site, dest):
    result = site.manage("backup", str(dest))
    path = result.stdout.splitlines()[0].strip()
    return path


def manifest_of(path):
    with tarfile.open(path, "r:gz") as tar:
        return json.load(tar.extractfile("manifest.json"))


def execute(site, statement):
    """Change the site's data behind Django's back, through the engine's own driver."""
    database = database_for(site.settings_dict)
    if database.vendor == "sqlite":
        conn = database._connect()
        conn.execute(statement)
    else:
        conn = database._connect(autocommit=True)
        conn.execute(statement)
    conn.close()


def rewrite(src, dest, change):
    """Copy an archive member by member, letting ``change(name, data)`` alter the bytes."""
    with tarfile.open(src, "r:gz") as old, tarfile.open(dest, "w:gz") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


# --- the two engines ---------------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    var = tmp_path_factory.mktemp("sqlite-site")
    site = Site(database_url=f"sqlite:///{var / 'gongzhi.sqlite3'}", var_dir=var)
    site.migrate_and_populate()
    site.archive = backup(site, tmp_path_factory.mktemp("sqlite-archives"))
    return site


def _wipe_sqlite(site):
    for suffix in ("", "-wal", "-shm"):
        path = site.var_dir / f"gongzhi.sqlite3{suffix}"
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def postgres_site(tmp_path_factory):
    import psycopg

    params = connection.settings_dict
    name = "gongzhi_backup_test" + (f"_{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ
                                    else "")
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    admin = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"],
             "dbname": "postgres", "autocommit": True}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]

    def recreate():
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    recreate()
    site = Site(database_url=url, var_dir=tmp_path_factory.mktemp("postgres-site"))
    site.wipe_database = recreate
    site.migrate_and_populate()
    site.archive = backup(site, tmp_path_factory.mktemp("postgres-archives"))
    yield site
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(request):
    """The scratch site on the engine of this pass of the suite (each pass covers its engine)."""
    if connection.vendor == "postgresql":
        return request.getfixturevalue("postgres_site")
    site = request.getfixturevalue("sqlite_site")
    site.wipe_database = lambda: _wipe_sqlite(site)
    return site


# --- round trip ----------------------------------------------------------------

def test_backup_wipe_restore_gives_identical_rows_and_files(site):
    manifest = manifest_of(site.archive)
    before = manifest["tables"]
    assert before["regions_region"]["rows"] == 5 and before["accounts_user"]["rows"] == 12
    assert manifest["media_files"] == len(MEDIA)
    assert manifest["database"]["vendor"] == database_for(site.settings_dict).vendor
    assert "0001_initial" in manifest["migrations"]["regions"]
    assert oct(os.stat(site.archive).st_mode & 0o777) == "0o600"
    media_before = site.media_files()

    site.wipe_database()
    shutil.rmtree(site.media_root)
    assert fingerprint(site) == {}

    result = site.manage("restore", site.archive)
    assert said("Restored the backup of %(created)s: %(tables)d tables and %(rows)d rows match the manifest; "
                "%(files)d uploaded files.", result.stdout)

    after = fingerprint(site)
    assert {t: v for t, v in after.items() if t != AUDIT} == {t: v for t, v in before.items() if t != AUDIT}
    # The restored trail says so, in one more event.
    assert after[AUDIT]["rows"] == before[AUDIT]["rows"] + 1
    assert site.media_files() == media_before


def test_restore_refuses_a_database_with_data_unless_forced(site):
    execute(site, "DELETE FROM regions_region WHERE level = 'community'")
    (site.media_root / "cases" / "late-upload.jpg").write_bytes(b"late")
    changed = fingerprint(site)

    refused = site.manage("restore", site.archive, check=False)
    assert refused.returncode != 0
    assert said(NOT_EMPTY, refused.stderr)
    assert fingerprint(site) == changed

    site.manage("restore", site.archive, "--force")
    restored = fingerprint(site)
    assert restored["regions_region"] == manifest_of(site.archive)["tables"]["regions_region"]
    assert not (site.media_root / "cases" / "late-upload.jpg").exists()


# --- damaged archives: refused before anything is touched ----------------------

def _untouched(site):
    return fingerprint(site), site.media_files()


def test_a_truncated_archive_is_refused_and_nothing_is_touched(site, tmp_path):
    data = open(site.archive, "rb").read()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) // 2])
    state = _untouched(site)

    result = site.manage("restore", str(cut), "--force", check=False)

    assert result.returncode != 0
    assert said(DAMAGED, result.stderr)
    assert _untouched(site) == state


def test_a_tampered_member_is_refused_and_nothing_is_touched(site, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"
    victim = "media/cases/2026/11/photo-1.jpg"
    rewrite(site.archive, tampered, lambda name, data: data[:-1] + b"X" if name == victim else data)
    state = _untouched(site)

    result = site.manage("restore", str(tampered), "--force", check=False)

    assert result.returncode != 0
    assert said(DAMAGED, result.stderr) and said(MISMATCH, result.stderr)
    assert "media/cases/2026/11/photo-1.jpg" in result.stderr
    assert _untouched(site) == state


def test_verification_names_what_is_wrong(site, tmp_path):
    source = site.archive

    def refused(archive_path, message):
        staging = tmp_path / f"staging-{archive_path.stem}"
        staging.mkdir()
        with translation.override("en"), pytest.raises(BackupError, match=message):
            extract_verified(archive_path, staging)

    changed = tmp_path / "changed.tar.gz"
    def flip_a_bit(name, data):
        return data[:100] + bytes([data[100] ^ 1]) + data[101:] if name.startswith("database.") else data

    rewrite(source, changed, flip_a_bit)
    refused(changed, "checksum or size mismatch in database.")

    no_trailer = tmp_path / "no-trailer.tar.gz"
    no_trailer.write_bytes(open(source, "rb").read()[:-4])  # every member whole, gzip length cut
    refused(no_trailer, "damaged or truncated")

    added = tmp_path / "added.tar.gz"
    with tarfile.open(source, "r:gz") as old, tarfile.open(added, "w:gz") as new:
        for member in old:
            new.addfile(member, old.extractfile(member))
        info = tarfile.TarInfo("media/unlisted.txt")
        info.size = 2
        new.addfile(info, io.BytesIO(b"hi"))
    refused(added, "unlisted members: \\['media/unlisted.txt'\\]")

    escape = tmp_path / "escape.tar.gz"
    with tarfile.open(escape, "w:gz") as new:
        info = tarfile.TarInfo("media/../../etc/evil")
        info.size = 1
        new.addfile(info, io.BytesIO(b"x"))
    refused(escape, "unexpected member")
    assert not (tmp_path / "etc").exists()

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(gzip.compress(b"not a tar file at all" * 100)[:50])
    refused(garbage, "damaged or truncated")


def test_keep_prunes_old_archives(tmp_path):
    for stamp in ("20260101T000000000000Z", "20260102T000000000000Z", "20260103T000000000000Z"):
        (tmp_path / f"gongzhi-backup-{stamp}.tar.gz").write_bytes(b"x")
    (tmp_path / "unrelated.tar.gz").write_bytes(b"x")
    removed = prune_backups(tmp_path, keep=2)
    assert [path.name for path in removed] == ["gongzhi-backup-20260101T000000000000Z.tar.gz"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "gongzhi-backup-20260102T000000000000Z.tar.gz", "gongzhi-backup-20260103T000000000000Z.tar.gz",
        "unrelated.tar.gz"]


def test_backup_into_a_folder_with_keep(site, tmp_path):
    for stamp in ("20260101T000000000000Z", "20260102T000000000000Z"):
        (tmp_path / f"gongzhi-backup-{stamp}.tar.gz").write_bytes(b"old")
    site.manage("backup", str(tmp_path), "--keep", "2")
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert len(kept) == 2 and kept[0] == "gongzhi-backup-20260102T000000000000Z.tar.gz"
    assert manifest_of(tmp_path / kept[1])["format"] == "gongzhi-backup"

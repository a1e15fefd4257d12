"""The backup archive: one tar.gz with the database, the uploaded files and a manifest.

Layout::

    database.sqlite3 | database.pgdump    the database copy
    media/<path>                          every file under MEDIA_ROOT
    manifest.json                         written last (see below)

The manifest names every other member with its size and SHA-256, the row
count and digest of every table, the applied migrations, the Django version
and the time of the backup. It is written last because the checksums are
computed while the members are streamed in (a file is read once), and so a
truncated archive is one without a manifest.

Reading (:func:`extract_verified`) unpacks into a staging folder and checks
everything before the caller touches the live database or files: gzip
integrity to the last byte, no unexpected or missing member, no path leaving
the staging folder, every size and checksum.
"""

import hashlib
import io
import json
import os
import tarfile
import zlib
from functools import partial
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from .errors import BackupError

FORMAT = "gongzhi-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
_CHUNK = 1 << 20
_MAX_MANIFEST_BYTES = 64 << 20


class _HashingReader:
    """A file wrapper that hashes what tarfile reads through it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


def write_archive(dest: Path, manifest: dict, files: list[tuple[str, Path]]) -> dict:
    """Write ``files`` (arcname, path) and the manifest to ``dest`` atomically; returns the manifest.

    The archive is written to ``dest.partial`` (mode 0600: it holds personal
    data) and renamed into place only when complete and flushed to disk.
    """
    unfinished = dest.with_name(dest.name + ".partial")
    members = {}
    fd = os.open(unfinished, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                for arcname, path in files:
                    try:
                        handle = open(path, "rb")
                    except FileNotFoundError:  # an upload deleted while we were backing up
                        continue
                    with handle:
                        stat = os.fstat(handle.fileno())
                        info = tarfile.TarInfo(arcname)
                        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
                        reader = _HashingReader(handle)
                        tar.addfile(info, reader)
                    members[arcname] = {"size": stat.st_size, "sha256": reader.sha256.hexdigest()}
                manifest = {**manifest, "format": FORMAT, "version": VERSION, "members": members}
                data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                info.mtime = int(manifest.get("created_unix", 0))
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(unfinished, dest)
    except BaseException:
        unfinished.unlink(missing_ok=True)
        raise
    dir_fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return manifest


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (not path.is_absolute() and ".." not in path.parts and name == path.as_posix()
            and (name == MANIFEST or name.startswith("database.") or name.startswith(MEDIA_PREFIX)))


def extract_verified(src: Path, staging: Path) -> dict:
    """Unpack ``src`` into ``staging`` and return its manifest, or raise BackupError.

    Nothing outside ``staging`` is written.
    """
    damaged = _("The archive %(archive)s is damaged or truncated (%(detail)s); nothing was restored.")
    found, manifest = {}, None
    try:
        with tarfile.open(src, mode="r:gz") as tar:
            for member in tar:
                if not member.isreg() or not _safe_name(member.name):
                    raise BackupError(_("The archive %(archive)s holds an unexpected member %(member)r; "
                                        "it is not a Gongzhi backup. Nothing was restored.")
                                      % {"archive": src, "member": member.name})
                if member.name in found or (member.name == MANIFEST and manifest is not None):
                    raise BackupError(_("The archive %(archive)s holds %(member)r twice; nothing was restored.")
                                      % {"archive": src, "member": member.name})
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > _MAX_MANIFEST_BYTES:
                        raise BackupError(damaged % {"archive": src, "detail": _("manifest too large")})
                    manifest = json.loads(handle.read().decode("utf-8"))
                    continue
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with open(target, "wb") as out:
                    for chunk in iter(partial(handle.read, _CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[member.name] = {"size": size, "sha256": digest.hexdigest()}
            # Read the gzip stream to its end, so that its length and CRC are checked.
            while tar.fileobj.read(_CHUNK):
                pass
    except BackupError:
        raise
    except FileNotFoundError:
        raise BackupError(_("There is no archive at %(archive)s.") % {"archive": src}) from None
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(damaged % {"archive": src, "detail": f"{exc.__class__.__name__}: {exc}"}) from exc
    if manifest is None:
        raise BackupError(damaged % {"archive": src, "detail": _("no manifest")})
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(_("%(archive)s is not a Gongzhi backup of a version this code can read "
                            "(format %(format)r, version %(version)r).")
                          % {"archive": src, "format": manifest.get("format"), "version": manifest.get("version")})
    expected = manifest.get("members", {})
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        detail = _("missing members: %(missing)s; unlisted members: %(extra)s") % {
            "missing": missing[:5], "extra": extra[:5]}
        raise BackupError(damaged % {"archive": src, "detail": detail})
    wrong = sorted(name for name in expected if expected[name] != found[name])
    if wrong:
        raise BackupError(damaged % {"archive": src, "detail": _("checksum or size mismatch in %(members)s")
                                     % {"members": ", ".join(wrong[:5])}})
    return manifest

"""Scratch installations for tests that run real processes (manage.py, gunicorn).

A site is a database URL plus a var folder (media, static, SQLite file),
separate from the pytest test database: the commands under test replace whole
databases, so they never point at the one the test session uses.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Migrate, then rows through the ORM in several tables, with non-ASCII text
# and JSON (one process: each Django start costs seconds).
POPULATE = """
from django.core.management import call_command
from django.db import transaction
from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.audit.services import record
from gongzhi.regions.models import Level, Region

call_command("migrate", interactive=False, verbosity=0)
# A copy of the session's test database holds no migration data when a transactional test
# emptied it before (they restore it only for themselves): the default categories again.
from gongzhi.cases.services import seed_categories
seed_categories()
with transaction.atomic():
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    for n in range(1, 4):
        Region.objects.create(code=f"110105001{n:03d}", name=f"第{n}社区", level=Level.COMMUNITY, parent=street)
    for n in range(12):
        user = User(username=f"resident{n}", role=Role.RESIDENT)
        user.set_unusable_password()
        user.save()
        record(actor=None, action="test.seed", obj=user, changes={"n": n, "名字": "张三"})
"""

MEDIA = {
    "cases/2026/11/photo-1.jpg": bytes(range(256)) * 40,
    "cases/2026/11/照片 2.png": b"\x89PNG\r\n\x1a\n" + os.urandom(3000),
    "notes/readme.txt": "上传的文件\n".encode(),
}


def clean_env(**extra) -> dict:
    """The environment of a child process: ours without what selects settings, plus ``extra``."""
    drop = {"DATABASE_URL", "GONGZHI_VAR_DIR", "GONGZHI_ENV", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY",
            "BLIND_INDEX_KEY", "ALLOWED_HOSTS", "LOG_FORMAT", "TASKS_BACKEND", "REDIS_URL",
            "PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(extra)
    return env


@dataclass
class Site:
    database_url: str
    var_dir: Path
    extra_env: dict = field(default_factory=dict)

    @property
    def media_root(self) -> Path:
        return self.var_dir / "media"

    @property
    def env(self) -> dict:
        return clean_env(DATABASE_URL=self.database_url, GONGZHI_VAR_DIR=str(self.var_dir), **self.extra_env)

    @property
    def settings_dict(self) -> dict:
        import dj_database_url

        return dj_database_url.parse(self.database_url)

    # A guard against a command that hangs, not a measure of speed: a full migrate of every app took over
    # three minutes on a loaded two-core machine.
    def manage(self, *args, check=True, timeout=600) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def migrate(self):
        self.manage("migrate", "--no-input", "-v", "0")

    def migrate_and_populate(self):
        self.manage("shell", "-c", POPULATE)
        for name, content in MEDIA.items():
            path = self.media_root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)

    def media_files(self) -> dict:
        if not self.media_root.exists():
            return {}
        return {path.relative_to(self.media_root).as_posix(): path.read_bytes()
                for path in self.media_root.rglob("*") if path.is_file()}

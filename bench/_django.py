"""What every bench script does before it touches Django: a database of its own and quiet settings.

Imported by the scripts of this folder (which Python puts first on the path when it runs one of them).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


def start(name: str, database_url: str = "") -> Path:
    """Set Django up on ``database_url``, or on a fresh SQLite file ``var/bench/<name>.sqlite3`` (returned)."""
    sys.path.insert(0, str(ROOT))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = BENCH_DIR / f"{name}.sqlite3"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        for suffix in ("", "-wal", "-shm"):  # a fresh file each run: figures from the same starting point
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    return db

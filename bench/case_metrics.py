"""Benchmark of the monthly three-rate ranking of all units over 1,000,000 cases.

Builds a district of 10 subdistricts × 10 communities × 4 grids with 120
units (a department per domain, a command centre per subdistrict, a committee
per community), then a year of 1,000,000 cases with their events, written in
bulk by the demo generator (``gongzhi.demo.cases.write_history``: the same
actions, states and payloads the state machine writes; about 5 million events).
It then times ``gongzhi.cases.metrics.ranking`` for one month, as the API
computes it: the response-rate query and the callback query (GROUP BY over
the events with conditional aggregation) and the ranking.

SQLite by default (a temporary file under var/bench/); PostgreSQL with
``--database-url postgres://…/<name containing "bench">`` (that database is
dropped and created again).

    .venv/bin/python bench/case_metrics.py [--cases N] [--database-url URL]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)

parser = argparse.ArgumentParser()
parser.add_argument("--cases", type=int, default=1_000_000)
parser.add_argument("--database-url", default="")
parser.add_argument("--month", default="2025-11")
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

if args.database_url.startswith("postgres"):
    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit("the PostgreSQL database of a benchmark must have 'bench' in its name (it is dropped)")
    with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin_connection:
        admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin_connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.database_url
    ENGINE = "PostgreSQL"
else:
    DB = BENCH_DIR / "case_metrics.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    ENGINE = "SQLite"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from _district import SUBDISTRICTS, district_world  # noqa: E402

from gongzhi.accounts.models import Unit, User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.cases import metrics  # noqa: E402
from gongzhi.cases.models import Case, CaseEvent  # noqa: E402
from gongzhi.demo.cases import write_history  # noqa: E402


def main():
    rng = random.Random(20260101)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    world, grids = district_world(rng, admin)
    end = timezone.make_aware(dt.datetime(2026, 1, 1, 8, 0))
    bar = tqdm(total=args.cases, desc="cases", unit="cases", disable=not sys.stderr.isatty())
    # Autocommit: each batch of inserts commits on its own, as a long import would.
    written = write_history(rng=rng, world=world, first=dt.date(2025, 1, 1), end=end, count=args.cases,
                            contacts=False, progress=bar.update)
    bar.close()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_caseevent")
            cursor.execute("VACUUM ANALYZE cases_case")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    generation = time.perf_counter() - t0
    units = Unit.objects.count()

    timings, report = [], None
    for _run in range(args.runs):
        start = time.perf_counter()
        report = metrics.ranking(admin, args.month)
        timings.append(time.perf_counter() - start)
    period = metrics.Period.month(args.month)
    month_events = CaseEvent.objects.filter(at__gte=period.start, at__lt=period.end).count()
    region_start = time.perf_counter()
    metrics.ranking(admin, args.month, by="region", region="110105000000")
    region_time = time.perf_counter() - region_start

    print(f"database: {ENGINE}")
    print(f"data: {Case.objects.count():,} cases, {written.events:,} events, {units} units, {len(grids)} grids; "
          f"{month_events:,} events in {args.month} (generated in bulk in {generation:.0f} s)")
    print(f"monthly ranking of {len(report.rows)} units, first run: {timings[0] * 1000:,.0f} ms (target: < 2000)")
    print(f"monthly ranking of {len(report.rows)} units, median of {args.runs}: "
          f"{statistics.median(timings) * 1000:,.0f} ms (target: < 2000)")
    print(f"monthly ranking of the {SUBDISTRICTS} subdistricts by place: "
          f"{region_time * 1000:,.0f} ms")
    best = report.rows[0]
    print(f"check: rank 1 {best.name}, response {best.response_rate:.1%}, resolution {best.resolution_rate:.1%}, "
          f"satisfaction {best.satisfaction_rate:.1%}, score {best.score:.1f}; district total "
          f"{report.total.dispatched:,} dispatched, {report.total.called_back:,} called back")


if __name__ == "__main__":
    main()

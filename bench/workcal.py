"""Benchmark of the working-day calendar: deadline computations per second.

Intake computes a response and a resolution deadline per case, and metrics
measure working time per case and step, so each call must cost microseconds.
Runs on a temporary SQLite database under var/bench/ with a few overrides:
deployment-wide ones, and regional ones (a district's holiday, made a working
day again in one of its subdistricts, a community's closure). Each figure is
measured without a region and with a region code drawn from 1,000 grid codes
(of which some lie under the regional overrides), as cases pass them.

    .venv/bin/python bench/workcal.py
"""

import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB = BENCH_DIR / "workcal.sqlite3"
DB.unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from gongzhi.core import workcal  # noqa: E402
from gongzhi.core.models import CalendarOverride  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")


def rate(name, calls, func, target, unit="calls/s", regions=None):
    if regions is None:
        started = time.perf_counter()
        for args in calls:
            func(*args)
        elapsed = time.perf_counter() - started
    else:
        name += ", with region"
        started = time.perf_counter()
        for args, region in zip(calls, regions):
            func(*args, region=region)
        elapsed = time.perf_counter() - started
    per_second = len(calls) / elapsed
    print(f"{name}: {per_second:,.0f} {unit} (target: >= {target})")


def main():
    call_command("migrate", verbosity=0)
    CalendarOverride.objects.bulk_create([
        CalendarOverride(date=date(2025, 5, 6), kind="holiday", note="bench"),
        CalendarOverride(date=date(2025, 6, 7), kind="working_day", note="bench"),
        CalendarOverride(date=date(2025, 6, 16), region_code="650102", kind="holiday", note="bench"),
        CalendarOverride(date=date(2025, 6, 16), region_code="650102003", kind="working_day", note="bench"),
        CalendarOverride(date=date(2024, 7, 11), region_code="65", kind="holiday", note="bench"),
        CalendarOverride(date=date(2025, 3, 3), region_code="650103002001", kind="holiday", note="bench"),
    ])
    rng = random.Random(2026)
    grids = [f"6501{d:02d}{s:03d}{c:03d}{g:03d}" for d in (2, 3) for s in range(1, 6) for c in range(1, 11)
             for g in range(1, 11)]
    start = datetime(2024, 1, 1, tzinfo=SH)
    moments = [start + timedelta(seconds=rng.randrange(0, 2 * 365 * 86400)) for _ in range(50_000)]
    workcal.add_working_days(moments[0], 1)  # load overrides, parse settings, warm the year tables

    regions = [rng.choice(grids) for _ in moments]
    for region in grids:
        workcal.is_working_day(moments[0], region=region)  # as a long-running process would have them
    for with_regions in (None, regions):
        rate("add_working_days (1-15 days)", [(m, rng.randint(1, 15)) for m in moments], workcal.add_working_days,
             5000, regions=with_regions)
        rate("add_working_hours (1-48 hours)", [(m, rng.randint(1, 48)) for m in moments],
             workcal.add_working_hours, 5000, regions=with_regions)
        rate("working_time_between (spans < 30 days)",
             [(m, m + timedelta(minutes=rng.randrange(0, 30 * 1440))) for m in moments], workcal.working_time_between,
             20000, regions=with_regions)
        rate("working_time_between (spans up to 2 years)",
             [(m, m + timedelta(minutes=rng.randrange(0, 2 * 365 * 1440))) for m in moments[:20_000]],
             workcal.working_time_between, 20000, regions=with_regions)
        rate("is_working_day", [(m.date(),) for m in moments], workcal.is_working_day, 100000, regions=with_regions)

if __name__ == "__main__":
    main()

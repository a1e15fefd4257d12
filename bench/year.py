"""A megacity's year on PostgreSQL: the monthly three-rate ranking as history grows to 25 million cases.

Builds the district of ``_district.py`` (120 units), then writes a year
(2025) of cases with their events in bulk with the demo generator, in steps
(by default 1, 5, 10 and 25 million cases: each step adds cases to the same
year), and at each size measures what a leader's monthly ranking costs:

- ``partitions``: the daily job giving each month of 2025 its partition
  (the generator writes into the default partition; the job moves the rows);
- ``rollup``: the worker's job bringing the rollup up to date (computing
  every closed month from the events, then incrementally);
- the monthly ranking of all units read from the rollup (what a dashboard,
  the API and an export do), the target: under 5 s;
- the same ranking counted live from the events (the baseline, measured in
  the same run): what every read cost before the rollup.

PostgreSQL only (the partitions are PostgreSQL's). The database named must
contain "bench": it is dropped and created again.

    .venv/bin/python bench/year.py --database-url postgres://postgres@127.0.0.1:5432/bench_year \
        [--sizes 1000000,5000000,10000000,25000000] [--month 2025-11] [--runs 5]
"""

import argparse
import sys
import time

import _django

parser = argparse.ArgumentParser()
parser.add_argument("--database-url", required=True)
parser.add_argument("--sizes", default="1000000,5000000,10000000,25000000")
parser.add_argument("--month", default="2025-11")
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()
if not args.database_url.startswith(("postgres://", "postgresql://")):
    sys.exit("bench/year.py measures partitioned history: give a PostgreSQL --database-url")
name = args.database_url.rsplit("/", 1)[1]
if "bench" not in name:
    sys.exit("the PostgreSQL database of a benchmark must have 'bench' in its name (it is dropped)")

import psycopg  # noqa: E402

with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin_connection:
    admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin_connection.execute(f'CREATE DATABASE "{name}"')
_django.start("year", args.database_url)

import datetime as dt  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from _district import district_world  # noqa: E402

from gongzhi.accounts.models import User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.cases import metrics, rollup  # noqa: E402
from gongzhi.cases.models import Case, CaseEvent  # noqa: E402
from gongzhi.core import partitions  # noqa: E402
from gongzhi.demo.cases import write_history  # noqa: E402


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main():
    sizes = sorted(int(size) for size in args.sizes.split(","))
    rng = random.Random(20260101)
    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    world, _grids = district_world(rng, admin)
    end = timezone.make_aware(dt.datetime(2026, 1, 1, 8, 0))
    period = metrics.Period.month(args.month)
    print("database: PostgreSQL, case events and audit events partitioned by month")
    for size in sizes:
        have = Case.objects.count()
        if size > have:
            bar = tqdm(total=size - have, desc=f"cases to {size:,}", unit="cases", disable=not sys.stderr.isatty())
            _written, generation = timed(lambda: write_history(
                rng=rng, world=world, first=dt.date(2025, 1, 1), end=end, count=size - have, contacts=False,
                progress=bar.update))
            bar.close()
        else:
            generation = 0.0
        moved, moving = timed(lambda: partitions.maintain(connection))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_caseevent")
            cursor.execute("VACUUM ANALYZE cases_case")
        refreshed, refreshing = timed(rollup.refresh)
        events = CaseEvent.objects.count()
        month_events = CaseEvent.objects.filter(at__gte=period.start, at__lt=period.end).count()
        label = f"{size:,} cases"
        print(f"data at {label}: {events:,} events ({month_events:,} in {args.month}); "
              f"{len(partitions.partitions(connection, 'cases_caseevent'))} partitions; written in {generation:.0f} s")
        print(f"partitions job at {label}: {moving:.1f} s, {moved['moved']:,} rows moved "
              f"(target: informational)")
        print(f"rollup job at {label}: {refreshing:.1f} s, {refreshed['computed']} spans computed "
              f"(target: informational)")
        rolled = []
        for _run in range(args.runs):
            report, seconds = timed(lambda: metrics.ranking(admin, args.month))
            rolled.append(seconds)
        live_rows, live = timed(lambda: list(rollup.live_rate_rows(period.start, period.end).values()))
        baseline, grouping = timed(lambda: metrics.by_unit(admin, period, rows=live_rows))
        live += grouping
        median = statistics.median(rolled)
        assert [(r.key, r.score) for r in baseline.rows] == [(r.key, r.score) for r in report.rows], \
            "the ranking from the rollup differs from the live count"
        print(f"monthly ranking at {label}, from the rollup (median of {args.runs}): {median * 1000:,.0f} ms "
              f"(target: < 5000)")
        print(f"monthly ranking at {label}, counted live (baseline): {live * 1000:,.0f} ms (target: informational)")
        print(f"rollup speed-up at {label}: {live / median:,.1f} x (target: informational)")


if __name__ == "__main__":
    main()

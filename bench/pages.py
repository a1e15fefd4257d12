"""Server time of the main pages with the ``--size large`` demo data.

Builds (once; ``--fresh`` rebuilds) a SQLite database under var/bench/ with
``seed_demo --size large`` (a district of 6 communities and 96 grids, over
200,000 persons, a year of about 120,000 cases), then requests each main page
of every console through Django's test client in this process, signed in as
the demo user of the role, and prints the median server time of several
requests (the first, warming caches, is not counted). Target: under 300 ms
for the staff console and the dashboard. The dashboard remembers its figures
until a case changes or the minute turns (web.dashboard_data.build_cached);
its time is printed both ways: remembered, and first load after a change.
Closed months and days are rolled up first (``manage.py rollup``, what the
background scheduler keeps done), its time printed; the first load after a
change then counts only today live (gongzhi.cases.rollup).

    .venv/bin/python bench/pages.py [--fresh] [--repeat N]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB = BENCH_DIR / "pages.sqlite3"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--fresh", action="store_true", help="rebuild the demo database")
parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
args = parser.parse_args()

if args.fresh:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("DEMO_PASSWORD", "bench-pages-2026")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.accounts.models import User  # noqa: E402
from gongzhi.cases.models import Case, CaseState  # noqa: E402

settings.ALLOWED_HOSTS = ["testserver"]
TARGET_MS = 300


def ensure_data():
    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        started = time.perf_counter()
        print("Seeding the large demo data (a few minutes, once)...", file=sys.stderr)
        call_command("seed_demo", size="large", verbosity=0, stdout=open(os.devnull, "w"))
        print(f"  seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    from gongzhi.cases import rollup

    started = time.perf_counter()
    done = rollup.refresh()
    print(f"rollup of closed months and days ({done['computed']} of {done['spans']} computed): "
          f"{(time.perf_counter() - started) * 1000:,.0f} ms (target: informational)")


def timed(client, url, cold=False):
    if cold:  # every request as if something had changed: no remembered figures
        from django.core.cache import cache

        times = []
        for _ in range(args.repeat):
            cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)
    response = client.get(url)  # warm-up, not counted
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main():
    ensure_data()
    users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    dispatcher = users["demo_dispatcher"]
    from gongzhi.cases import selectors

    some_case = selectors.list_cases(dispatcher, selectors.CaseFilters(state=CaseState.IN_PROGRESS)).first() \
        or selectors.visible_cases(dispatcher).first()
    own_case = Case.objects.filter(reporter=users["demo_resident"]).first()
    month = timezone.localdate().replace(day=1)
    period = f"start={month.isoformat()}&end={timezone.localdate().isoformat()}"
    pages = [
        ("resident: my requests", "demo_resident", "/r/", False),
        ("resident: report form", "demo_resident", "/r/new/", False),
        ("resident: one request", "demo_resident", f"/r/cases/{own_case.pk}/" if own_case else "/r/", False),
        ("grid worker: my tasks", "demo_grid_worker", "/grid/", False),
        ("grid worker: my grid map", "demo_grid_worker", "/grid/map/", False),
        ("console: work queue (dispatcher)", "demo_dispatcher", "/console/", True),
        ("console: case list", "demo_dispatcher", "/console/cases/", True),
        ("console: Chinese search", "demo_dispatcher", "/console/cases/?q=%E5%99%AA%E5%A3%B0", True),
        ("console: filtered list (overdue)", "demo_dispatcher", "/console/cases/?overdue=1", True),
        ("console: case detail", "demo_dispatcher", f"/console/cases/{some_case.pk}/", True),
        ("console: deadline board", "demo_dispatcher", "/console/deadlines/", True),
        ("console: work queue (department)", "demo_department", "/console/", True),
        ("dashboard: this month (leader), figures remembered", "demo_leader", f"/dashboard/?{period}", True),
        ("dashboard: XLSX export (leader), figures remembered", "demo_leader", f"/dashboard/export.xlsx?{period}",
         True),
    ]
    cold = [
        ("dashboard: this month (leader), first load after a change", "demo_leader", f"/dashboard/?{period}"),
    ]
    print(f"cases in the database: {Case.objects.count():,} (target: >= 100000)")
    for name, username, url, targeted in pages:
        client = Client()
        client.force_login(users[username])
        ms = timed(client, url)
        target = f"< {TARGET_MS}" if targeted else "< 1000"
        print(f"{name}: {ms:,.0f} ms (target: {target})")
    for name, username, url in cold:
        client = Client()
        client.force_login(users[username])
        print(f"{name}: {timed(client, url, cold=True):,.0f} ms (target: < {TARGET_MS})")


if __name__ == "__main__":
    main()

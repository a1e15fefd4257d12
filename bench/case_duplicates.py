"""Benchmark of the duplicate check at intake: how long "already reported" takes over many cases.

Builds a temporary database (SQLite under var/bench/, or the PostgreSQL database of
``--database-url``, which it empties) with one subdistrict of 10 communities × 10 grids
(1 km squares) and ``--cases`` cases (200,000 by default) received over the last ``--days`` days
(365): about 5.5 a grid a day, several times what a busy grid receives, a third of them closed, with texts drawn from a few hundred templates (so that many are alike, as in real
hotline data), written in bulk. Then asks :func:`gongzhi.cases.duplicates.already_reported` — what
the resident's form and ``POST /api/v1/cases/similar`` call — for ``--queries`` new texts at
random points, and prints the latency (p50, p95) and how many candidates were compared and found.

The check reads only the cases of the grids near the point in the time window, through the
``(grid, created_at)`` index, at most ``CASE_DUPLICATE_SCAN_MAX`` of them: its cost follows the
number of recent cases in one place, not the size of the table.

    .venv/bin/python bench/case_duplicates.py [--cases N] [--queries N] [--database-url postgres://…]
"""

import argparse
import random
import statistics
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--cases", type=int, default=200_000)
parser.add_argument("--queries", type=int, default=500)
parser.add_argument("--days", type=int, default=365, help="the cases are received over this many days")
parser.add_argument("--database-url", default="")
args = parser.parse_args()

from _django import start  # noqa: E402

start("case_duplicates", args.database_url)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.cases import duplicates  # noqa: E402
from gongzhi.cases.models import Case, CaseState, Category  # noqa: E402
from gongzhi.core.maintenance import refresh_statistics  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402

TARGET_P95_MS = 50
PLACES = ["北门", "南门", "东侧", "西侧", "3号楼", "5号楼", "12号楼", "小区广场", "地下车库", "菜市场", "幼儿园门口", "公交站"]
PROBLEMS = [
    ("路灯坏了", "的路灯坏了好几天了，晚上很黑，老人孩子出入不安全，请尽快修理。"),
    ("夜间施工噪声扰民", "工地每晚十点以后还在施工，噪声很大，影响休息，请有关部门管一管。"),
    ("饭店油烟扰民", "楼下饭店每天排放油烟，窗户都不能开，请尽快处理。"),
    ("垃圾满溢无人清运", "垃圾桶已经满了三天没人清运，气味很大，招苍蝇。"),
    ("下水道堵塞", "下水道堵了，污水漫到路面上，行人无法通过。"),
    ("占道经营", "有商贩长期占用人行道摆摊，行人只能走机动车道，很危险。"),
    ("停车难", "车辆乱停乱放，消防通道被堵，请安排人员清理。"),
    ("拖欠工资", "公司拖欠工资三个月，多次讨要无果，请帮助协调。"),
    ("供暖不热", "家里暖气不热，室温只有十四度，请尽快检修。"),
    ("井盖缺失", "路面井盖丢失，已经有人掉进去受伤，请立即处理。"),
]


def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


def build_places() -> list[Region]:
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    grids = []
    for c in range(10):
        community = Region.objects.create(code=f"110105001{c + 1:03d}", name=f"第{c + 1}社区",
                                          level=Level.COMMUNITY, parent=street)
        for g in range(10):
            grids.append(Region.objects.create(
                code=f"{community.code}{g + 1:03d}", name=f"第{c + 1}社区第{g + 1}网格", level=Level.GRID,
                parent=community, boundary=square(116.40 + 0.01 * g, 39.90 + 0.01 * c)))
    return grids


def text(rng: random.Random) -> tuple[str, str]:
    title, body = rng.choice(PROBLEMS)
    place = rng.choice(PLACES)
    return f"{place}{title}", f"{rng.choice(['', '您好，', '反映：'])}小区{place}{body}"


def write_cases(grids, count: int, rng: random.Random) -> None:
    categories = list(Category.objects.filter(is_active=True, children__isnull=True)[:20])
    now = timezone.now()
    states = [CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.REPLIED, CaseState.CLOSED,
              CaseState.CLOSED]
    batch = []
    for n in range(count):
        grid = rng.choice(grids)
        g, c = int(grid.code[-3:]) - 1, int(grid.code[9:12]) - 1
        title, description = text(rng)
        batch.append(Case(
            number=f"B{n:012d}", channel="hotline_12345", category=rng.choice(categories), title=title, description=description,
            lon=116.40 + 0.01 * g + rng.random() * 0.01, lat=39.90 + 0.01 * c + rng.random() * 0.01, crs="wgs84",
            grid_id=grid.pk, region_code=grid.code, state=rng.choice(states),
            created_at=now - timezone.timedelta(seconds=rng.randrange(args.days * 86400))))
        if len(batch) == 5000:
            with transaction.atomic():
                Case.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Case.objects.bulk_create(batch)


def main():
    rng = random.Random(14)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    grids = build_places()
    started = time.perf_counter()
    write_cases(grids, args.cases, rng)
    refresh_statistics([Case])
    print(f"database: {connection.vendor}")
    print(f"cases written: {args.cases:,} in {time.perf_counter() - started:.0f} s")
    times, found = [], []
    for _ in range(args.queries):
        title, description = text(rng)
        lon, lat = 116.40 + rng.random() * 0.1, 39.90 + rng.random() * 0.1
        started = time.perf_counter()
        result = duplicates.already_reported(title=title, description=description, lon=lon, lat=lat)
        times.append((time.perf_counter() - started) * 1000)
        found.append(len(result))
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"already reported, p50: {p50:.1f} ms")
    print(f"already reported, p95: {p95:.1f} ms (target: < {TARGET_P95_MS})")
    print(f"already reported, candidates shown per query: {statistics.mean(found):.1f} on average")


if __name__ == "__main__":
    main()

"""Benchmark of the 12345 hotline import: orders per second through the intake path, on SQLite.

Builds a temporary SQLite database under var/bench/ with one community of 10
grids and a dispatcher of its subdistrict, writes a hotline export of
100,000 work orders as a CSV file (as the hotline hands it over: Chinese
headers, call times in several shapes, categories by code, by path and by the
name of a first-level group, points in GCJ-02 or WGS-84, callers with
phones, letters of a few hundred characters, one in a hundred of 7,000), and
imports it with ``gongzhi.cases.importing.import_cases`` exactly as
``manage.py import_cases`` runs it: reading, every check of every row
(cells, category, time, the intake checks: texts, point to grid, area,
phone), then the writes in batches (cases, intake events, contacts with
encrypted phones and their blind index, audit events), pausing between
batches as it does on SQLite so that other writers get their turn.

While the import writes, another thread signs a user in every 0.2 s through
the real sign-in page; the longest wait of a sign-in is printed (it waits
for one batch at most, not the import).

    .venv/bin/python bench/case_import.py [--orders N]
"""

import argparse
import csv
import io
import os
import random
import threading
import time

from _django import start  # noqa: E402

DB = start("case_import")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from gongzhi.accounts.models import Unit, UnitKind, User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.cases.importing import import_cases  # noqa: E402
from gongzhi.cases.models import Case, Category  # noqa: E402
from gongzhi.core.geo import wgs84_to_gcj02  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402

HEADERS = ["工单编号", "来电时间", "诉求类别", "紧急程度", "标题", "诉求内容", "地址", "经度", "纬度", "坐标系", "来电人",
           "联系电话"]
TEXTS = ["小区东侧工地每晚十点以后仍在施工，噪声很大，影响休息。", "小区垃圾桶已经满溢两天，异味很大，请尽快清运。",
         "楼道内长期堆放杂物，存在消防安全隐患。", "家中暖气温度不达标，室温只有十五度左右。",
         "路口两侧长期违章停车，早晚高峰拥堵严重。"]
TIMES = ["2019/2/28 9:05:05", "2019年2月28日 11时25分", "2019.02.28 11:25", "2019-02-28 11:25:00", "2018/4/24"]
PASSWORD = "bench-Passw0rd!"


def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def build_world() -> User:
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    community = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street)
    for i in range(10):
        Region.objects.create(code=f"110105001001{i + 1:03d}", name=f"永安里第{i + 1}网格", level=Level.GRID,
                              parent=community, boundary=square(116.40 + i * 0.01, 39.90))
    office = Unit.objects.create(code="U-JW", name="建外街道办事处", kind=UnitKind.SUBDISTRICT_OFFICE, region=street)
    User.objects.create_user(username="bench-signin", password=PASSWORD, role=Role.RESIDENT)
    return User.objects.create(username="bench-hotline", role=Role.DISPATCHER, region=street, unit=office)


def export(count: int, rng: random.Random) -> bytes:
    leaves = list(Category.objects.filter(is_active=True).exclude(parent=None).select_related("parent"))
    labels = [c.code for c in leaves] + [c.path_name.replace(" ", "") for c in leaves[:10]]
    labels += sorted({c.parent.name for c in leaves})  # first-level categories: the group's 其他
    long_letter = "".join(TEXTS) * 60  # about 7,000 characters
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for i in range(count):
        grid = rng.randrange(10)
        lon, lat = 116.40 + grid * 0.01 + rng.uniform(0.0005, 0.0095), 39.90 + rng.uniform(0.0005, 0.0095)
        gcj = i % 2 == 0
        if gcj:
            lon, lat = wgs84_to_gcj02(lon, lat)
        text = long_letter if i % 100 == 0 else f"{rng.choice(TEXTS)}（第 {i} 号来电）"
        writer.writerow([f"GD{i:09d}", rng.choice(TIMES), rng.choice(labels), "紧急" if i % 10 == 0 else "一般", "",
                         text, f"永安里{rng.randint(1, 30)}号楼", round(lon, 6), round(lat, 6),
                         "高德" if gcj else "WGS84", "王秀英" if i % 3 else "", f"138{i:08d}"[:11]])
    return buffer.getvalue().encode("utf-8-sig")


class SignIns(threading.Thread):
    """Signs a user in every 0.2 s through the sign-in page while the import runs; keeps the longest wait."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop, self.waits, self.failures = threading.Event(), [], 0

    def run(self):
        client = Client()
        while not self.stop.is_set():
            start = time.perf_counter()
            response = client.post(reverse("login"), {"username": "bench-signin", "password": PASSWORD})
            self.waits.append(time.perf_counter() - start)
            if response.status_code != 302:
                self.failures += 1
            client.logout()
            self.stop.wait(0.2)
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the sign-in's hash is not measured
    call_command("migrate", verbosity=0)
    actor = build_world()
    data = export(args.orders, random.Random(14))
    sign_ins = SignIns()
    sign_ins.start()
    start, cpu = time.perf_counter(), time.thread_time()
    report = import_cases(actor=actor, data=data, filename="hotline.csv")
    seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    sign_ins.stop.set()
    sign_ins.join()
    if not report.ok:
        for problem in report.errors[:20]:
            print(problem)
        raise SystemExit(f"the import was refused: {report.error_count} problems")
    assert report.created == args.orders == Case.objects.count(), (report.created, Case.objects.count())
    longest = max(sign_ins.waits) if sign_ins.waits else 0.0
    print(f"case import (SQLite, {args.orders:,} orders): {args.orders / seconds:,.0f} orders/s (target: >= 2000)")
    print(f"case import time: {seconds:.1f} s, of which CPU time of the importing thread {cpu:.1f} s "
          f"({args.orders / cpu:,.0f} orders per CPU-second); load average {os.getloadavg()[0]:.1f}")
    print(f"sign-ins during the import: {len(sign_ins.waits)}, failed: {sign_ins.failures}, "
          f"longest: {longest * 1000:,.0f} ms")


if __name__ == "__main__":
    main()

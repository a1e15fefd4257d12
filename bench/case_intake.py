"""Benchmark of case intake: cases per second through the service layer and through the HTTP API.

Builds a temporary SQLite database under var/bench/ with one community of 10
grids and an API key (acting for the subdistrict office, with the
``cases.intake`` capability), and generates the inputs of 100,000 cases
(categories drawn from the default taxonomy, titles, descriptions, points in
the grids).

1. Service layer: ``gongzhi.cases.services.create_case`` once per case, each in
   its own transaction, exactly as the API calls it: input checks, category
   look-up, the point converted and placed in its grid, the area check, the
   case row, its intake event and its audit event.
2. Raw insert: the very rows step 1 wrote (cases, case events, audit events),
   read back and inserted with ``executemany`` into scratch tables of the same
   columns, in one transaction: the floor of what writing these rows costs.
   And the same rows inserted raw one case per transaction (BEGIN IMMEDIATE,
   three INSERTs, COMMIT) into copies of the tables with their indexes: the
   floor of the one-transaction-per-case path, which step 1 is.
3. HTTP API: a real server process (gunicorn, ``--workers`` processes, 4
   threads each) on a free 127.0.0.1 port against the same database file;
   ``--threads`` client threads POST to ``/api/v1/cases/`` with the key, over
   keep-alive connections: 100,000 cases by default, as the issue asks
   (about six minutes here); ``--http-cases`` sets fewer for a quick run, the
   rate hardly depends on how many cases are already stored.

Each rate is printed with its ratio to the raw insert of the same run. The
service layer runs with ``DEBUG`` off unless the environment says otherwise
(production settings; with DEBUG on, Django also logs every query).

    .venv/bin/python bench/case_intake.py [--cases N] [--http-cases N] [--workers N] [--threads N]
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time

from _django import ROOT, start  # noqa: E402

DB = start("case_intake")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from gongzhi.accounts.models import Unit, UnitKind, User  # noqa: E402
from gongzhi.accounts.roles import Role  # noqa: E402
from gongzhi.accounts.services import create_api_key  # noqa: E402
from gongzhi.cases.models import Category  # noqa: E402
from gongzhi.cases.services import create_case  # noqa: E402
from gongzhi.demo.cases import leaf_categories  # noqa: E402
from gongzhi.regions.models import Level, Region  # noqa: E402

TEXTS = [("夜间施工噪声扰民", "小区东侧工地每晚十点以后仍在施工，噪声很大，影响休息。"),
         ("垃圾桶满溢无人清运", "小区垃圾桶已经满溢两天，异味很大，请尽快清运。"),
         ("楼道堆放杂物", "楼道内长期堆放杂物，存在消防安全隐患。"),
         ("暖气不热", "家中暖气温度不达标，室温只有十五度左右。"),
         ("路口违章停车", "路口两侧长期违章停车，早晚高峰拥堵严重。")]


def square(lon, lat, size=0.01):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def build_world():
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    community = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street)
    for i in range(10):
        Region.objects.create(code=f"110105001001{i + 1:03d}", name=f"永安里第{i + 1}网格", level=Level.GRID,
                              parent=community, boundary=square(116.40 + i * 0.01, 39.90))
    office = Unit.objects.create(code="U-JW", name="建外街道办事处", kind=UnitKind.SUBDISTRICT_OFFICE, region=street)
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    key, raw = create_api_key(actor=admin, name="bench client", unit=office, capabilities=["cases.intake"])
    return key, raw


def inputs(count: int, rng: random.Random) -> list[dict]:
    codes = [c.code for c in leaf_categories()]
    rows = []
    for i in range(count):
        title, text = rng.choice(TEXTS)
        grid = rng.randrange(10)
        rows.append({"channel": "api", "category": rng.choice(codes), "title": title,
                     "description": f"{text}（编号 {i}）", "lon": round(116.40 + grid * 0.01 + rng.uniform(0.0005, 0.0095), 6),
                     "lat": round(39.90 + rng.uniform(0.0005, 0.0095), 6), "address": f"永安里{rng.randint(1, 30)}号楼"})
    return rows


def raw_insert() -> tuple[int, float]:
    """executemany of the rows the service wrote, into scratch copies of their tables; (cases, seconds)."""
    tables = ("cases_case", "cases_caseevent", "audit_auditevent")
    data = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS bench_raw_{table}")
            cursor.execute(f"CREATE TABLE bench_raw_{table} AS SELECT * FROM {table} WHERE 1 = 0")
            cursor.execute(f"SELECT * FROM {table}")
            data[table] = (len(cursor.description), cursor.fetchall())
        cases = len(data["cases_case"][1])
        start = time.perf_counter()
        with transaction.atomic():
            for table, (width, rows) in data.items():
                cursor.executemany(f"INSERT INTO bench_raw_{table} VALUES ({', '.join(['%s'] * width)})", rows)
        return cases, time.perf_counter() - start


def raw_insert_per_case(limit: int) -> tuple[int, float]:
    """The first ``limit`` cases' rows again, one transaction per case, into copies of the tables that
    keep every index (as the service writes them); (cases, seconds)."""
    tables = ("cases_case", "cases_caseevent", "audit_auditevent")
    raw = connection.connection  # the sqlite3 connection: no ORM, no Django cursor wrapper
    sqls, rows = {}, {}
    for table in tables:
        raw.execute(f"DROP TABLE IF EXISTS bench_tx_{table}")
        ddl = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()[0]
        raw.execute(ddl.replace(f'"{table}"', f'"bench_tx_{table}"', 1))
        for (index_sql,) in raw.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                        "AND sql IS NOT NULL", [table]).fetchall():
            name_end = index_sql.index(" ON ")
            raw.execute(index_sql[:name_end].replace('INDEX "', 'INDEX "bench_tx_') +
                        index_sql[name_end:].replace(f'"{table}"', f'"bench_tx_{table}"', 1))
        columns = [r[1] for r in raw.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        sqls[table] = (f"INSERT INTO bench_tx_{table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' * len(columns))})")
        rows[table] = raw.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id LIMIT ?",
                                  [limit]).fetchall()
    cases = min(len(r) for r in rows.values())
    start = time.perf_counter()
    for i in range(cases):
        raw.execute("BEGIN IMMEDIATE")
        for table in tables:
            raw.execute(sqls[table], rows[table][i])
        raw.execute("COMMIT")
    return cases, time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    config = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)  # no deploy config: plain flags only
    config.close()
    env = {**os.environ, "DEBUG": "0", "STATIC_MANIFEST": "0", "LOG_LEVEL": "ERROR", "TASKS_BACKEND": "immediate",
           "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "gongzhi.wsgi:application", "-c", config.name,
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
         "--log-level", "error"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                os.unlink(config.name)
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def post_all(port: int, key: str, rows: list[dict], threads: int) -> tuple[float, dict]:
    statuses: dict = {}
    lock = threading.Lock()
    chunks = [rows[i::threads] for i in range(threads)]

    def client(chunk):
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "X-API-Key": key}
        for row in chunk:
            try:
                connection_.request("POST", "/api/v1/cases/", body=json.dumps(row), headers=headers)
                response = connection_.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection_.close()
                connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = "error"
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start, statuses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--http-cases", type=int, default=100_000)
    parser.add_argument("--batched-cases", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(20260101)
    load_at_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    call_command("migrate", verbosity=0)
    key, raw_key = build_world()
    rows = inputs(args.cases, rng)

    # For scale: how fast Python, one ORM query and one bare query are on this machine right now.
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    python_loop = time.perf_counter() - start
    category = Category.objects.order_by("pk").first()
    start = time.perf_counter()
    for _ in range(500):
        Category.objects.filter(pk=category.pk).first()
    orm_query = (time.perf_counter() - start) / 500
    with connection.cursor() as cursor:
        start = time.perf_counter()
        for _ in range(500):
            cursor.execute("SELECT id, code, name FROM cases_category WHERE id = %s", [category.pk])
            cursor.fetchone()
        bare_query = (time.perf_counter() - start) / 500

    start = time.perf_counter()
    for row in rows:
        create_case(actor=key, **row)
    service_seconds = time.perf_counter() - start
    service_rate = args.cases / service_seconds
    load_after_service = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    cases, raw_seconds = raw_insert()
    raw_rate = cases / raw_seconds
    tx_cases, tx_seconds = raw_insert_per_case(min(args.cases, 20_000))
    tx_rate = tx_cases / tx_seconds

    batched = inputs(args.batched_cases, rng)
    start = time.perf_counter()
    with transaction.atomic():
        for row in batched:
            create_case(actor=key, **row)
    batched_rate = len(batched) / (time.perf_counter() - start) if batched else 0

    print(f"pure-Python loop of 10,000,000 additions on this machine: {python_loop:.2f} s; "
          f"load average at the start: {load_at_start}; DEBUG {'on' if settings.DEBUG else 'off'}")
    print(f"one ORM query (SELECT by primary key) on this machine during the run: {orm_query * 1000:.2f} ms; "
          f"the same bare cursor query: {bare_query * 1000:.2f} ms")
    print(f"intake through the service layer ({args.cases:,} cases, one transaction each): "
          f"{service_rate:,.0f} cases/s (target: >= 1000)")
    print(f"load average after the service layer run: {load_after_service}")
    if batched:
        print(f"intake through the service layer, {len(batched):,} cases in one transaction (as import_cases): "
              f"{batched_rate:,.0f} cases/s")
    print(f"raw insert of the same rows (case, intake event, audit event; executemany, one transaction): "
          f"{raw_rate:,.0f} cases/s")
    print(f"service layer / raw insert: {service_rate / raw_rate:.3f} (raw is {raw_rate / service_rate:,.0f}x faster)")
    print(f"raw insert of the same rows, one transaction per case (BEGIN IMMEDIATE, 3 INSERTs, COMMIT; "
          f"{tx_cases:,} cases): {tx_rate:,.0f} cases/s")
    print(f"service layer / raw insert one transaction per case: {service_rate / tx_rate:.3f}")

    if args.http_cases:
        connection.close()
        port = free_port()
        server = start_server(port, args.workers)
        try:
            seconds, statuses = post_all(port, raw_key, inputs(args.http_cases, rng), args.threads)
        finally:
            stop_server(server)
        created = statuses.get(201, 0)
        http_rate = created / seconds
        print(f"intake through the HTTP API (gunicorn, {args.workers} workers × 4 threads, {args.threads} client "
              f"threads, keep-alive; {args.http_cases:,} cases): {http_rate:,.0f} cases/s")
        print(f"HTTP API / raw insert: {http_rate / raw_rate:.4f} (raw is {raw_rate / http_rate:,.0f}x faster)")
        print(f"HTTP answers: {', '.join(f'{status}: {n:,}' for status, n in sorted(statuses.items(), key=str))}")


if __name__ == "__main__":
    main()

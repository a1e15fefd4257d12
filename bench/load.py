"""Load test of the production stack: gunicorn + db_worker on PostgreSQL and Redis, on 127.0.0.1 only.

    .venv/bin/python bench/load.py [--size small|large] [--mode mix|submit] [--rate 200] [--duration 60] [--reuse]

1. A scratch PostgreSQL database ``gongzhi_load`` (``LOAD_DATABASE_URL``, default on the local server)
   is created, migrated and filled with ``seed_demo --size SIZE`` (large: 120,000 cases, about 15-25
   minutes here; ``--reuse`` keeps a database seeded with the same size by an earlier ``--keep`` run).
   Production settings, Redis cache and sessions, database task queue, hashed static files.
2. gunicorn (``--web-workers`` x ``--threads``, gthread) and one ``db_worker`` start on a free local port.
3. Timed phases, after an uncounted warm-up:
   - ``healthz`` alone, then case submission alone, each by ``--clients`` closed-loop clients: the ratio
     of their throughputs says what a submission costs next to a trivial request on the same server;
   - ``--mode mix`` (default), for ``--duration`` seconds, closed loop: residents submitting cases, every
     fourth with a photo; two dispatchers listing new cases and dispatching them by the routing rules; a
     department listing its cases; leaders opening the dashboard page and the metrics API; two Open311
     clients polling ``GET /open311/v2/requests.json``;
   - ``--mode submit``: the target's shape: submissions falling due at ``--rate`` per second (open loop:
     a slow server shows as latency and a throughput shortfall, the client does not slow down with it)
     while ``--leaders`` leaders (4) each open the dashboard once every ``--leader-every`` seconds (2),
     a leader reading the screen between loads; ``--leader-every 0`` makes it a closed-loop stress test.
4. Per kind: requests/s, p50/p95/p99 latency and errors (by HTTP status or connection failure), as
   ``name: value unit (target: OP value)``, with the load average before and after the run.

The client is one asyncio process speaking raw HTTP/1.1 over keep-alive connections (no thread per
user, no HTTP library): it runs on the same 2 cores as the server and must take little of them.
Every phase is bounded in time (``--duration`` at most 600 s) and the connections go to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Load-test-password-2026"
DATABASE = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gongzhi_load")


# --- the stack ---------------------------------------------------------------------

def production_env(var_dir: Path, port: int, web_workers: int, threads: int = 1) -> dict:
    drop = {"DATABASE_URL", "GONGZHI_VAR_DIR", "DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "TASKS_BACKEND"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    keys_file = var_dir / "keys.json"
    if keys_file.exists():
        keys = json.loads(keys_file.read_text())
    else:
        from cryptography.fernet import Fernet

        keys = {"SECRET_KEY": secrets.token_urlsafe(60), "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "BLIND_INDEX_KEY": secrets.token_urlsafe(40)}
        keys_file.write_text(json.dumps(keys))
    env.update(keys)
    env.update({
        "GONGZHI_ENV": "production", "DATABASE_URL": DATABASE, "GONGZHI_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_KEY_PREFIX": f"gongzhi-load-{uuid.uuid4().hex[:6]}", "TASKS_BACKEND": "database",
        "DEMO_PASSWORD": PASSWORD, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(web_workers),
        "GUNICORN_THREADS": str(threads), "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",  # persistent connections (health-checked), as a deployment should
        "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
        # A load test signs in a few dozen sessions from one address.
        "LOGIN_MAX_FAILURES": "1000",
    })
    return env


def admin_connection():
    import psycopg

    url = urlparse(DATABASE)
    return psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username, password=url.password,
                           dbname="postgres", autocommit=True), url.path.lstrip("/")


def seeded(env) -> bool:
    import psycopg

    try:
        with psycopg.connect(DATABASE) as conn:
            return conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] > 0
    except psycopg.Error:
        return False


def prepare(env, size: str, reuse: bool, var_dir: Path):
    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)

    marker = var_dir / "seeded.json"  # {database URL: size it was seeded with}
    sizes = json.loads(marker.read_text()) if marker.exists() else {}
    if reuse and sizes.get(DATABASE) == size and seeded(env):
        print(f"# reusing the database {DATABASE} seeded with --size {size}", flush=True)
        manage("migrate", "--no-input", "-v", "0")
    else:
        sizes.pop(DATABASE, None)
        marker.write_text(json.dumps(sizes))
        conn, name = admin_connection()
        with conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        started = time.monotonic()
        manage("migrate", "--no-input", "-v", "0")
        manage("seed_demo", "--size", size)
        print(f"# migrate + seed_demo --size {size}: {time.monotonic() - started:.0f} s", flush=True)
        marker.write_text(json.dumps({**sizes, DATABASE: size}))
    manage("collectstatic", "--no-input", "-v", "0")


def start(env, var_dir: Path):
    logs = open(var_dir / "stack.log", "w")
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], cwd=ROOT, env=env,
                           stdout=logs, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--queue-name", "*"], cwd=ROOT, env=env,
                              stdout=logs, stderr=subprocess.STDOUT)
    return [web, worker], logs


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the client: one asyncio process, raw HTTP/1.1 over keep-alive sockets ----------
#
# The client shares the two cores with the server, so it must cost little per request:
# no thread per client, no HTTP library; each virtual user is a coroutine with its own
# connection, writing a request and reading the answer (Content-Length or chunked).

class Connection:
    """One keep-alive connection to the server; reopened when the server closes it."""

    def __init__(self, port):
        self.port, self.reader, self.writer = port, None, None

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method != "GET":
            head.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self._open()
            try:
                self.writer.write(payload)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt == 2:  # a kept-alive socket may have been closed by the server: retry once
                    raise

    async def _response(self):
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers, cookies = {}, []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            data = b"".join(part[:-2] for part in parts)
        else:
            data = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, cookies, data


class Session:
    """A signed-in (or anonymous) client: cookies and CSRF token, shareable by several connections."""

    def __init__(self):
        self.cookies = {}

    def headers(self, method, extra=None):
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return headers

    def keep(self, cookies):
        for raw in cookies:
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def login(self, port, username):
        conn = Connection(port)
        status, cookies, _ = await conn.request("GET", "/login/", headers=self.headers("GET"))
        self.keep(cookies)
        form = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}).encode()
        status, cookies, _ = await conn.request("POST", "/login/", form, self.headers(
            "POST", {"Content-Type": "application/x-www-form-urlencoded"}))
        conn.close()
        if status != 302:
            raise SystemExit(f"cannot sign in as {username}: HTTP {status}")
        self.keep(cookies)
        return self


class Recorder:
    """Latencies and errors per kind of request; a request is counted when its answer has come."""

    def __init__(self):
        self.latencies = defaultdict(list)
        self.errors = defaultdict(lambda: defaultdict(int))
        self.samples = {}

    async def timed(self, kind, conn, session, method, path, body=b"", headers=None, ok=(200,), since=None):
        """``since``: when the request was due (open loop), so that waiting for a connection counts too."""
        started = since if since is not None else time.perf_counter()
        try:
            status, cookies, data = await conn.request(method, path, body, session.headers(method, headers))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, cookies, data = None, (), f"{type(exc).__name__}: {exc}".encode()
        self.latencies[kind].append(time.perf_counter() - started)
        if status not in ok:
            label = f"HTTP {status}" if status else "connection"
            self.errors[kind][label] += 1
            self.samples.setdefault(kind, f"{label}: {data[:300]!r}")
        return status, data


def jpeg() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (800, 600))
    rng = random.Random(7)
    image.putdata([(rng.randrange(256), rng.randrange(256), 128) for _ in range(800 * 600)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def multipart(fields: dict, file_name: str, content: bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def places():
    import psycopg

    with psycopg.connect(DATABASE) as conn:
        return conn.execute(
            "SELECT c.lon, c.lat, k.code FROM cases_case c JOIN cases_category k ON k.id = c.category_id "
            "WHERE c.lon IS NOT NULL AND c.channel = 'web' AND NOT k.is_consultation ORDER BY c.id LIMIT 500"
        ).fetchall()


JSON = {"Content-Type": "application/json"}


class Workload:
    """What each kind of user does, one coroutine per user, until ``stop_at`` (time.monotonic)."""

    def __init__(self, port, spots, photo, sessions):
        self.port, self.spots, self.photo, self.sessions = port, spots, photo, sessions
        self.month = time.strftime("%Y-%m")

    def case_body(self, rng) -> bytes:
        lon, lat, code = rng.choice(self.spots)
        return json.dumps({"channel": "web", "category": code, "title": "楼道堆放杂物", "lon": lon, "lat": lat,
                           "description": "楼道里长期堆放杂物，影响通行和消防安全。"}).encode()

    async def healthz(self, rec, stop_at, rng):
        conn, anonymous = Connection(self.port), Session()
        while time.monotonic() < stop_at:
            await rec.timed("healthz", conn, anonymous, "GET", "/healthz")
        conn.close()

    async def resident(self, rec, stop_at, rng, photos=True):
        conn, session, n = Connection(self.port), self.sessions["demo_resident"], 0
        form, form_headers = multipart({"purpose": "report"}, "photo.jpg", self.photo)
        while time.monotonic() < stop_at:
            status, data = await rec.timed("submit", conn, session, "POST", "/api/v1/cases/", self.case_body(rng),
                                           JSON, ok=(201,))
            n += 1
            if photos and status == 201 and n % 4 == 0:
                case_id = json.loads(data)["id"]
                await rec.timed("photo", conn, session, "POST", f"/api/v1/cases/{case_id}/attachments", form,
                                form_headers, ok=(201,))
        conn.close()

    async def dispatcher(self, rec, stop_at, rng):
        conn, session = Connection(self.port), self.sessions["demo_dispatcher"]
        while time.monotonic() < stop_at:
            status, data = await rec.timed("staff list", conn, session, "GET",
                                           "/api/v1/cases/?state=received&page_size=20")
            items = json.loads(data)["items"] if status == 200 else []
            if not items:
                continue
            case = rng.choice(items)
            await rec.timed("staff dispatch", conn, session, "POST", f"/api/v1/cases/{case['id']}/dispatch",
                            json.dumps({"version": case["version"]}).encode(), JSON,
                            ok=(200, 409, 422))  # another dispatcher was first, or no routing rule: not errors
        conn.close()

    async def department(self, rec, stop_at, rng):
        conn, session = Connection(self.port), self.sessions["demo_department"]
        while time.monotonic() < stop_at:
            await rec.timed("staff list", conn, session, "GET", f"/api/v1/cases/?page={rng.randint(1, 5)}&page_size=20")
        conn.close()

    async def leader(self, rec, stop_at, rng, metrics_api=True, every: float = 0):
        """Opens the dashboard (and the metrics API) again and again; with ``every``, once per that many
        seconds (a leader reading the screen between loads), else as soon as the last answer came."""
        conn, session = Connection(self.port), self.sessions["demo_leader"]
        await asyncio.sleep(rng.uniform(0, every))  # leaders do not all look at the same instant
        while time.monotonic() < stop_at:
            started = time.monotonic()
            await rec.timed("dashboard", conn, session, "GET", "/dashboard/")
            if metrics_api:
                await rec.timed("metrics api", conn, session, "GET", f"/api/v1/cases/metrics?month={self.month}")
            rest = every - (time.monotonic() - started)
            if rest > 0:
                await asyncio.sleep(min(rest, max(0.0, stop_at - time.monotonic())))
        conn.close()

    async def open311(self, rec, stop_at, rng):
        conn, anonymous = Connection(self.port), Session()
        while time.monotonic() < stop_at:
            await rec.timed("open311 poll", conn, anonymous, "GET", "/open311/v2/requests.json")
        conn.close()

    async def submissions_at(self, rec, stop_at, rng, rate: float, connections: int):
        """Open loop: a submission falls due every 1/rate s, whatever the server's pace; each takes a free
        connection from a pool (waiting for one counts in its latency), so a slow server shows as latency
        and a shortfall in throughput, not as a politely slower client."""
        pool = asyncio.Queue()
        for _ in range(connections):
            pool.put_nowait(Connection(self.port))
        session = self.sessions["demo_resident"]
        started, in_flight, n = time.perf_counter(), set(), 0

        async def one(due):
            conn = await pool.get()
            try:
                await rec.timed("submit", conn, session, "POST", "/api/v1/cases/", self.case_body(rng), JSON,
                                ok=(201,), since=due)
            finally:
                pool.put_nowait(conn)

        while time.monotonic() < stop_at:
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(due))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            n += 1
        if in_flight:
            await asyncio.wait(in_flight)
        while not pool.empty():
            pool.get_nowait().close()


async def run_phase(plan, seconds) -> float:
    """plan: list of (count, coroutine function taking (recorder-bound) stop_at and rng). Returns seconds taken."""
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(work(stop_at, random.Random(n)) for n, work in enumerate(plan)))
    return time.monotonic() - started


def pct(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


def report(rec: Recorder, took: float, kinds, targets: dict):
    """``name: value unit (target: OP value)`` lines per kind: throughput, p50/p95/p99, errors by kind."""
    for kind in kinds:
        values = rec.latencies.get(kind, [])
        limits = targets.get(kind, {})
        print(f"{kind} throughput: {len(values) / took:,.1f} requests/s (target: {limits.get('rps', 'informational')})")
        for q in (50, 95, 99):
            print(f"{kind} p{q}: {pct(values, q):,.0f} ms (target: {limits.get(f'p{q}', 'informational')})")
        errors = rec.errors.get(kind, {})
        detail = ", ".join(f"{label} x{n}" for label, n in sorted(errors.items()))
        print(f"{kind} errors: {sum(errors.values())} errors (target: {limits.get('errors', 'informational')})"
              + (f"  # {detail}" if detail else ""))
        if kind in rec.samples:
            print(f"# first {kind} error: {rec.samples[kind]}")


async def drive(options, port, spots, photo, processes):
    deadline = time.monotonic() + 120
    while True:
        try:
            conn = Connection(port)
            status = (await conn.request("GET", "/readyz"))[0]
            conn.close()
            if status == 200:
                break
        except OSError:
            pass  # not listening yet: gunicorn is still starting; the deadline below bounds the wait
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise SystemExit("the stack did not get ready; see var/bench/load/stack.log")
        await asyncio.sleep(0.5)

    sessions = {name: await Session().login(port, name)
                for name in ("demo_resident", "demo_dispatcher", "demo_department", "demo_leader")}
    work = Workload(port, spots, photo, sessions)

    def users(count, behaviour, rec, **kwargs):
        return [lambda stop_at, rng: behaviour(rec, stop_at, rng, **kwargs)] * count

    # Warm-up, not counted: every gunicorn worker has booted, opened its connections and filled its caches.
    warm = Recorder()
    await run_phase(users(options.clients, work.healthz, warm) + users(2, work.resident, warm, photos=False)
                    + users(1, work.leader, warm) + users(1, work.open311, warm), options.warmup)

    results = {}
    probe = Recorder()
    took = await run_phase(users(options.clients, work.healthz, probe), options.probe)
    results["healthz"] = len(probe.latencies["healthz"]) / took
    took = await run_phase(users(options.clients, work.resident, probe, photos=False), options.probe)
    results["submit"] = len(probe.latencies["submit"]) / took
    results["probe"] = probe

    rec = Recorder()
    if options.mode == "submit":
        # The target: submissions at a set rate, the leaders' dashboard under that load.
        plan = ([lambda stop_at, rng: work.submissions_at(rec, stop_at, rng, options.rate, options.connections)]
                + users(options.leaders, work.leader, rec, metrics_api=False, every=options.leader_every))
    else:
        plan = (users(options.residents, work.resident, rec) + users(2, work.dispatcher, rec)
                + users(1, work.department, rec) + users(2, work.leader, rec)
                + users(2, work.open311, rec))
    results["took"] = await run_phase(plan, options.duration)
    results["mix"] = rec
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default="large")
    parser.add_argument("--mode", choices=["mix", "submit"], default="mix",
                        help="mix: the realistic closed-loop mix; submit: submissions at --rate plus leaders")
    parser.add_argument("--rate", type=float, default=200, help="submissions/s in --mode submit")
    parser.add_argument("--connections", type=int, default=64, help="connections of the open-loop submitters")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the measured phase (at most 600)")
    parser.add_argument("--probe", type=int, default=10, help="seconds of each of the healthz/submit probes")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of uncounted warm-up")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients of the healthz/submit probes")
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or 0) or None,
                        help="gunicorn processes (default: deploy/gunicorn.conf.py's, 2 x CPU cores)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS") or 0) or None,
                        help="threads per gunicorn process, gthread when > 1 (default: deploy/gunicorn.conf.py's, 2)")
    parser.add_argument("--residents", type=int, default=8, help="closed-loop residents in the mix")
    parser.add_argument("--leaders", type=int, default=4, help="in --mode submit, leaders opening the dashboard")
    parser.add_argument("--leader-every", type=float, default=2.0,
                        help="in --mode submit, each leader opens the dashboard once per this many seconds "
                             "(0: again as soon as it has come, a stress test rather than a leader)")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database of the same size")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    options = parser.parse_args()
    options.web_workers = options.web_workers or 2 * os.cpu_count()  # as deploy/gunicorn.conf.py
    options.threads = options.threads or 2
    if not 0 < options.duration <= 600 or not 0 < options.probe <= 120 or not 0 <= options.warmup <= 120:
        parser.error("the phases are bounded: --duration 1..600, --probe 1..120, --warmup 0..120 seconds")
    if not 0 < options.rate <= 2000 or not 0 < options.connections <= 512:
        parser.error("--rate 1..2000 and --connections 1..512")

    var_dir = ROOT / "var" / "bench" / "load"
    var_dir.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = production_env(var_dir, port, options.web_workers, options.threads)
    prepare(env, options.size, options.reuse, var_dir)
    spots = places()
    photo = jpeg()
    processes, logs = start(env, var_dir)
    load_before = os.getloadavg()
    try:
        results = asyncio.run(drive(options, port, spots, photo, processes))
    finally:
        stop(processes)
        logs.close()
        if not options.keep:
            conn, name = admin_connection()
            with conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            marker = var_dir / "seeded.json"
            if marker.exists():
                marker.write_text(json.dumps({k: v for k, v in json.loads(marker.read_text()).items()
                                              if k != DATABASE}))
    load_after = os.getloadavg()

    took, rec = results["took"], results["mix"]
    server = (f"gunicorn {options.web_workers} workers x {options.threads} threads"
              f" ({'gthread' if options.threads > 1 else 'sync'}) + 1 db_worker")
    phase = (f"submissions at {options.rate:g}/s (open loop, {options.connections} connections) + "
             f"{options.leaders} leaders each opening the dashboard "
             + (f"every {options.leader_every:g} s" if options.leader_every else "in a closed loop")
             if options.mode == "submit" else "the closed-loop mix")
    print(f"# data: seed_demo --size {options.size}; {server}; PostgreSQL + Redis; {phase} for {took:.0f} s; "
          "one asyncio client process on the same machine", flush=True)
    print(f"# load average (1 min) before/after the run: {load_before[0]:.1f} / {load_after[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"healthz alone ({options.clients} clients): {results['healthz']:,.0f} requests/s")
    print(f"submit alone ({options.clients} clients): {results['submit']:,.0f} requests/s")
    print(f"submit/healthz throughput ratio: {results['submit'] / results['healthz']:.2f} (target: informational)")
    targets = {"submit": {"rps": ">= 200", "p95": "< 250", "errors": "== 0"},
               "dashboard": {"p95": "< 500", "errors": "== 0"}}
    kinds = (["submit", "dashboard"] if options.mode == "submit" else
             ["submit", "photo", "staff list", "staff dispatch", "dashboard", "metrics api", "open311 poll"])
    report(rec, took, kinds, targets)
    return 0


if __name__ == "__main__":
    sys.exit(main())

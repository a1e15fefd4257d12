"""Load test of the production stack: gunicorn + db_worker on PostgreSQL and Redis, on 127.0.0.1 only.

    .venv/bin/python bench/load.py [--size small|large] [--duration 60] [--reuse]

1. A scratch PostgreSQL database ``gongzhi_load`` (``LOAD_DATABASE_URL``, default on the local server)
   is created, migrated and filled with ``seed_demo --size SIZE`` (large: 120,000 cases, some minutes;
   ``--reuse`` keeps a database seeded by an earlier run). Production settings, Redis cache, database
   task queue, hashed static files.
2. gunicorn (``--web-workers`` sync workers) and one ``db_worker`` start on a free local port.
3. Three timed phases, the client a pool of threads with their own sessions (http.client):
   - ``healthz`` alone, then case submission alone, at the same concurrency: the ratio of their
     throughputs says what a submission costs next to a trivial request on the same server;
   - the mix, for ``--duration`` seconds: residents submitting cases, every fourth with a photo;
     a dispatcher listing new cases and dispatching them by the routing rules; a department listing
     its cases; leaders opening the dashboard page and the metrics API; Open311 clients polling
     ``GET /open311/v2/requests.json``.
   Each client loops as fast as the server answers (closed loop), so requests/s is what the stack
   sustains at that concurrency on this machine, client included.
4. Per kind: requests/s, p50/p95/p99 latency and errors, as ``name: value unit (target: OP value)``.

The client runs on the same 2 cores as the server; the figures are this machine's, not a server's.
"""

from __future__ import annotations

import argparse
import http.client
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
import threading
import time
import uuid
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Load-test-password-2026"
DATABASE = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gongzhi_load")


# --- the stack ---------------------------------------------------------------------

def production_env(var_dir: Path, port: int, web_workers: int) -> dict:
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
        "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "60",  # persistent connections, as a deployment should "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
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


def prepare(env, size: str, reuse: bool):
    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)

    if reuse and seeded(env):
        print(f"# reusing the seeded database {DATABASE}", flush=True)
    else:
        conn, name = admin_connection()
        with conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        started = time.monotonic()
        manage("migrate", "--no-input", "-v", "0")
        manage("seed_demo", "--size", size)
        print(f"# migrate + seed_demo --size {size}: {time.monotonic() - started:.0f} s", flush=True)
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


# --- the client --------------------------------------------------------------------

class Session:
    """One client: its own connection, cookies (Secure ones too, over plain HTTP) and CSRF token."""

    def __init__(self, port):
        self.port, self.cookies, self.conn = port, {}, None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        for raw in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def login(self, username):
        self.request("GET", "/login/")
        form = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        status, _ = self.request("POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"cannot sign in as {username}: HTTP {status}")
        return self


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = {}

    def timed(self, kind, session, method, path, body=None, headers=None, ok=(200,)):
        started = time.perf_counter()
        try:
            status, data = session.request(method, path, body, headers)
        except OSError as exc:
            status, data = None, str(exc).encode()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if status not in ok:
                self.errors[kind] += 1
                self.samples.setdefault(kind, f"HTTP {status}: {data[:300]!r}")
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


def run_phase(port, recorder, plan, seconds):
    """plan: list of (count, username or None, loop(session, recorder, stop_at, rng))."""
    sessions = []
    for count, username, loop in plan:
        for n in range(count):
            session = Session(port)
            if username:
                session.login(username)
            sessions.append((session, loop, n))
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(session, recorder, stop_at, random.Random(n)))
               for session, loop, n in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default="large")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the mixed phase")
    parser.add_argument("--probe", type=int, default=10, help="seconds of each of the healthz/submit probes")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of uncounted warm-up")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--residents", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    options = parser.parse_args()

    var_dir = ROOT / "var" / "bench" / "load"
    var_dir.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = production_env(var_dir, port, options.web_workers)
    prepare(env, options.size, options.reuse)
    spots = places()
    photo = jpeg()
    processes, logs = start(env, var_dir)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if Session(port).request("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise SystemExit(f"the stack did not get ready; see {var_dir / 'stack.log'}")
            time.sleep(0.5)

        month = time.strftime("%Y-%m")

        def healthz(session, rec, stop_at, rng):
            while time.monotonic() < stop_at:
                rec.timed("healthz", session, "GET", "/healthz")

        def submit(session, rec, stop_at, rng, photos=True):
            n = 0
            while time.monotonic() < stop_at:
                lon, lat, code = rng.choice(spots)
                body = json.dumps({"channel": "web", "category": code, "title": "楼道堆放杂物", "lon": lon,
                                   "lat": lat, "description": "楼道里长期堆放杂物，影响通行和消防安全。"})
                status, data = rec.timed("submit", session, "POST", "/api/v1/cases/", body,
                                         {"Content-Type": "application/json"}, ok=(201,))
                n += 1
                if photos and status == 201 and n % 4 == 0:
                    case_id = json.loads(data)["id"]
                    form, headers = multipart({"purpose": "report"}, "photo.jpg", photo)
                    rec.timed("photo", session, "POST", f"/api/v1/cases/{case_id}/attachments", form, headers,
                              ok=(201,))

        def dispatcher(session, rec, stop_at, rng):
            while time.monotonic() < stop_at:
                status, data = rec.timed("staff list", session, "GET", "/api/v1/cases/?state=received&page_size=20")
                items = json.loads(data)["items"] if status == 200 else []
                if not items:
                    continue
                case = rng.choice(items)
                rec.timed("staff dispatch", session, "POST", f"/api/v1/cases/{case['id']}/dispatch",
                          json.dumps({"version": case["version"]}), {"Content-Type": "application/json"},
                          ok=(200, 409, 422))  # another dispatcher was first, or no routing rule: not errors

        def department(session, rec, stop_at, rng):
            while time.monotonic() < stop_at:
                rec.timed("staff list", session, "GET", f"/api/v1/cases/?page={rng.randint(1, 5)}&page_size=20")

        def leader(session, rec, stop_at, rng):
            while time.monotonic() < stop_at:
                rec.timed("dashboard", session, "GET", "/dashboard/")
                rec.timed("metrics api", session, "GET", f"/api/v1/cases/metrics?month={month}")

        def open311(session, rec, stop_at, rng):
            while time.monotonic() < stop_at:
                rec.timed("open311 poll", session, "GET", "/open311/v2/requests.json")

        # Warm-up, not counted: every gunicorn worker has booted and opened its connections.
        run_phase(port, Recorder(), [(options.web_workers * 2, None, healthz)], options.warmup)
        probe = Recorder()
        took = run_phase(port, probe, [(options.residents, None, healthz)], options.probe)
        health_rps = len(probe.latencies["healthz"]) / took
        took = run_phase(port, probe, [(options.residents, "demo_resident",
                                        lambda *a: submit(*a, photos=False))], options.probe)
        submit_only_rps = len(probe.latencies["submit"]) / took

        mix = Recorder()
        took = run_phase(port, mix, [
            (options.residents, "demo_resident", submit),
            (2, "demo_dispatcher", dispatcher),
            (1, "demo_department", department),
            (2, "demo_leader", leader),
            (2, None, open311),
        ], options.duration)
    finally:
        stop(processes)
        logs.close()
        if not options.keep:
            conn, name = admin_connection()
            with conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def pct(values, q):
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0

    print(f"# data: seed_demo --size {options.size}; gunicorn {options.web_workers} sync workers + 1 db_worker; "
          f"PostgreSQL + Redis; mixed phase {took:.0f} s; client threads on the same machine", flush=True)
    print(f"healthz alone: {health_rps:,.0f} requests/s")
    print(f"submit alone: {submit_only_rps:,.0f} requests/s")
    print(f"submit/healthz throughput ratio: {submit_only_rps / health_rps:.2f} (target: informational)")
    targets = {"submit": ("p95 < 250 ms", 250), "dashboard": ("p95 < 500 ms", 500)}
    for kind in ["submit", "photo", "staff list", "staff dispatch", "dashboard", "metrics api", "open311 poll"]:
        values = mix.latencies.get(kind, [])
        rps = len(values) / took
        errors = mix.errors.get(kind, 0)
        label, limit = targets.get(kind, ("", None))
        rps_target = ">= 200" if kind == "submit" else "informational"
        print(f"{kind} throughput: {rps:,.1f} requests/s (target: {rps_target})")
        p95 = pct(values, 95)
        print(f"{kind} p50: {pct(values, 50):,.0f} ms (target: informational)")
        print(f"{kind} p95: {p95:,.0f} ms (target: {'< ' + str(limit) if limit else 'informational'})")
        print(f"{kind} p99: {pct(values, 99):,.0f} ms (target: informational)")
        print(f"{kind} errors: {errors} errors (target: {'== 0' if kind in ('submit', 'dashboard') else 'informational'})")
        if kind in mix.samples:
            print(f"# first {kind} error: {mix.samples[kind]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

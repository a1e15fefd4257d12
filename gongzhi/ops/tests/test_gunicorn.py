"""The production app server for real: gunicorn with production settings on a free local port.

In the SQLite pass the site is a SQLite file made in a temporary folder; in
the PostgreSQL pass gunicorn uses the test database of this session (only
read here). Redis is the local one (127.0.0.1:6379), as on every machine of
this project.
"""

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection

from .sites import ROOT, Site

TOKEN = "metrics-token-for-the-gunicorn-test"
PRODUCTION_ENV = {
    "GONGZHI_ENV": "production",
    "SECRET_KEY": "k3J9-x2QpZ7vR1mN8sT4wY6uB0eH5gL2aD9fC3jK7nP1qS8vX4zM6",
    "FIELD_ENCRYPTION_KEY": "ZmllbGQta2V5LWZvci10ZXN0cy1vbmx5LTMyYnl0ZXM=",
    "BLIND_INDEX_KEY": "blind-index-key-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "METRICS_TOKEN": TOKEN,
    "WEB_CONCURRENCY": "2",
}

SETUP = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production_site(tmp_path):
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": f"gongzhi-test-{uuid.uuid4().hex[:8]}"}
    if connection.vendor == "postgresql":
        params = connection.settings_dict
        auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
        url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
        setup = SETUP.replace('call_command("migrate", interactive=False, verbosity=0)\n', "")
    else:
        url, setup = f"sqlite:///{tmp_path / 'gongzhi.sqlite3'}", SETUP
    site = Site(database_url=url, var_dir=tmp_path, extra_env={**PRODUCTION_ENV, **redis})
    site.manage("shell", "-c", setup)
    return site


@pytest.fixture
def gunicorn(production_site, tmp_path):
    port = free_port()
    env = {**production_site.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log = open(tmp_path / "gunicorn.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            fetch(base + "/healthz")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                process.kill()
                pytest.fail(f"gunicorn did not answer:\n{log.read()}")
            time.sleep(0.3)
    yield base, process, log
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def access_lines(log):
    log.flush()
    log.seek(0)
    lines = []
    for raw in log.read().splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line.get("logger") == "gunicorn.access":
                lines.append(line)
    return lines


@pytest.mark.django_db  # in the PostgreSQL pass, gunicorn uses the session's test database
def test_gunicorn_serves_the_production_stack(production_site, gunicorn):
    base, process, log = gunicorn

    status, headers, body = fetch(base + "/healthz", {"X-Request-ID": "probe-1"})
    assert status == 200
    assert json.loads(body)["database"] == "ok"
    assert json.loads(body)["vendor"] == connection.vendor
    assert headers["X-Request-ID"] == "probe-1"

    status, _headers, body = fetch(base + "/readyz")
    assert status == 200, (body, production_site.database_url)
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}

    # Static files: hashed names from the manifest, served by WhiteNoise with a far-future cache.
    manifest = json.loads((production_site.var_dir / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["web/base.css"]
    assert hashed != "web/base.css"
    status, headers, _body = fetch(f"{base}/static/{hashed}", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    status, _headers, page = fetch(base + "/login/")
    assert status == 200 and f"/static/{hashed}".encode() in page

    # Metrics: refused without the token (the test runs from 127.0.0.1, so from a
    # proxy-like request), summed over both workers with it.
    assert fetch(base + "/metrics", {"X-Forwarded-For": "203.0.113.9"})[0] == 403
    status, _headers, body = fetch(base + "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    assert b'gongzhi_http_requests_total{method="GET",status="200",view="healthz"}' in body
    assert b'gongzhi_scrape_collector_up{collector="gongzhi_task_queue_depth"} 1.0' in body

    # One JSON access line per request, with the request id the app answered with.
    [line] = [line for line in access_lines(log) if line["request_id"] == "probe-1"]
    assert line["path"] == "/healthz" and line["status"] == 200 and line["level"] == "INFO"
    assert process.poll() is None

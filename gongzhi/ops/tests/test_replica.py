"""The read replica, against a real PostgreSQL standby fed by streaming replication.

The test starts two PostgreSQL servers of its own beside the machine's (``initdb`` into a
temporary folder, ports of their own): a primary holding a copy of the session's migrated test
database, and a standby made from it with ``pg_basebackup -R``, which then streams every change.
A Django process pointed at both (``DATABASE_URL`` and ``DATABASE_REPLICA_URL``) checks where
reads and writes go, with the standby's replay paused so that "on the replica" and "on the
primary" give different answers.

Only in the PostgreSQL pass: it needs the session's database as a PostgreSQL dump and the
PostgreSQL server binaries, which the PostgreSQL pass has. It never skips for a missing binary.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from .sites import ROOT, clean_env
from .test_gunicorn import free_port

needs_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the replica is a PostgreSQL standby; the PostgreSQL pass of CI runs this test",
)

CHECKS = r"""
import json, time
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host name and in-memory mail
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.ops import replica
from gongzhi.regions.models import Level, Region

out = {}

def on_replica(**lookup):
    with replica.reads():
        return Region.objects.filter(**lookup).exists()

# 1. Streaming replication works: a row written on the primary reaches the replica.
Region.objects.create(code="990000000000", name="streamed", level=Level.DISTRICT)
leader = User(username="replica-leader", role=Role.LEADER)
leader.set_password("Replica-test-2026")
leader.save()
deadline = time.monotonic() + 30
while not on_replica(code="990000000000") and time.monotonic() < deadline:
    time.sleep(0.1)
out["streamed"] = on_replica(code="990000000000")

# 2. The replica falls behind (replay paused): reads in the replica scope see the old state.
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_pause()")
Region.objects.create(code="990000000001", name="behind", level=Level.DISTRICT)
out["outside_scope_sees_new_row"] = Region.objects.filter(code="990000000001").exists()
out["replica_scope_sees_new_row"] = on_replica(code="990000000001")
out["lag_seconds"] = replica.replica_lag_seconds()

# 3. A write inside the scope goes to the primary (the standby would refuse it), and pins the
#    rest of the scope to the primary.
with replica.reads():
    before = Region.objects.filter(code="990000000001").exists()
    Region.objects.create(code="990000000002", name="written in scope", level=Level.DISTRICT)
    after = Region.objects.filter(code="990000000002").exists()
out["scope_before_write"], out["scope_after_write"] = before, after
with replica.reads(), replica.primary():
    out["primary_inside_reads"] = Region.objects.filter(code="990000000001").exists()

# 4. Over HTTP: the dashboard reads the replica, the desk does not, and a browser that has just
#    changed something reads the primary.
client = Client()
assert client.login(username="replica-leader", password="Replica-test-2026")

def replica_queries(path):
    with CaptureQueriesContext(connections["replica"]) as seen, CaptureQueriesContext(connection):
        response = client.get(path)
    return response.status_code, len(seen)

out["dashboard"] = replica_queries("/dashboard/")
out["metrics_api"] = replica_queries("/api/v1/cases/metrics/ranking?month=2026-11")
out["console"] = replica_queries("/console/")
response = client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
out["pin_cookie"] = replica.PIN_COOKIE in response.cookies
out["dashboard_after_change"] = replica_queries("/dashboard/")
print("RESULT " + json.dumps(out))
"""


def run(args, *, as_postgres, **kwargs):
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres and os.geteuid() == 0 else []
    return subprocess.run(prefix + [str(arg) for arg in args], check=True, capture_output=True, text=True,
                          timeout=120, **kwargs)


class Server:
    def __init__(self, bindir: Path, folder: Path, name: str):
        self.bindir, self.data, self.port = bindir, folder / name, free_port()
        self.log = folder / f"{name}.log"

    def start(self):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data.parent} "
                   "-c fsync=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=4 "
                   "-c hot_standby=on -c shared_buffers=16MB")
        run([self.bindir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "60", "start"],
            as_postgres=True)

    def stop(self):
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def primary_and_standby(db):
    bindir = Path(subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                                 text=True).stdout.strip())
    folder = Path(tempfile.mkdtemp(prefix="gongzhi-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary, standby = Server(bindir, folder, "primary"), Server(bindir, folder, "standby")
    try:
        run([bindir / "initdb", "-D", primary.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"], as_postgres=True)
        primary.start()
        # The session's migrated test database, copied into the new primary.
        params = connection.settings_dict
        run([bindir / "createdb", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "gongzhi"],
            as_postgres=False)
        dump = subprocess.run([bindir / "pg_dump", "--no-owner", "--no-privileges", "-h",
                               params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432), "-U",
                               params["USER"], params["NAME"]], capture_output=True, timeout=120)
        assert dump.returncode == 0, dump.stderr.decode()
        subprocess.run([bindir / "psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(primary.port),
                        "-U", "postgres", "gongzhi"], input=dump.stdout, check=True, capture_output=True, timeout=120)
        # The standby: a base backup that writes its own replication settings (-R), then streams.
        run([bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres", "-D", standby.data,
             "-R", "-X", "stream", "--no-sync"], as_postgres=True)
        standby.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


@needs_postgres
def test_dashboards_read_the_replica_and_everything_else_the_primary(primary_and_standby):
    primary, standby = primary_and_standby
    env = clean_env(DATABASE_URL=primary.url("gongzhi"), DATABASE_REPLICA_URL=standby.url("gongzhi"),
                    GONGZHI_VAR_DIR=tempfile.mkdtemp(prefix="gongzhi-replica-var-"),
                    DJANGO_SETTINGS_MODULE="gongzhi.settings", GONGZHI_LANGUAGE="en",
                    TWO_FACTOR_ENFORCED="false")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", CHECKS], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    out = json.loads(line.removeprefix("RESULT "))

    assert out["streamed"], f"the standby did not replay the primary's write within {time.monotonic() - started:.0f} s"
    assert out["outside_scope_sees_new_row"] is True
    assert out["replica_scope_sees_new_row"] is False  # the replica is behind: proof it was asked
    assert out["lag_seconds"] > 0
    assert out["scope_before_write"] is False
    assert out["scope_after_write"] is True  # pinned to the primary after the write
    assert out["primary_inside_reads"] is True

    status, replica_reads = out["dashboard"]
    assert status == 200 and replica_reads > 0
    status, replica_reads = out["metrics_api"]
    assert status == 200 and replica_reads > 0
    status, replica_reads = out["console"]
    assert replica_reads == 0
    assert out["pin_cookie"] is True
    status, replica_reads = out["dashboard_after_change"]
    assert status == 200 and replica_reads == 0


# Without a replica (every run but the PostgreSQL standby test above) the router is installed and
# sends every read to the primary; which requests would read the replica is decided the same way.
def test_without_a_replica_every_read_is_the_primarys(settings):
    from gongzhi.ops import replica

    router = replica.ReplicaRouter()
    with replica.reads():
        assert router.db_for_read(None) == "default"
    assert router.allow_migrate("replica", "cases") is False and router.allow_migrate("default", "cases")


@pytest.mark.parametrize(("path", "expected"), [
    ("/dashboard/", True), ("/metrics", True), ("/api/v1/cases/metrics/ranking", True),
    ("/console/", False), ("/api/v1/cases/", False),
])
def test_the_views_that_read_the_replica(rf, path, expected):
    from django.urls import resolve

    from gongzhi.ops.replica import ReplicaReadsMiddleware

    request = rf.get(path)
    request.resolver_match = resolve(path)
    assert ReplicaReadsMiddleware.reads_replica(request) is expected

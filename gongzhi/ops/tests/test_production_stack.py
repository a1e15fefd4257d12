"""One case through the whole production stack, over HTTP, with real processes.

gunicorn (production settings, two workers) answers the API; ``db_worker``
runs the task queue; ``run_scheduler`` enqueues the deadline sweep, which the
worker runs; PostgreSQL holds the data and the queue; Redis is the cache.
The case goes resident intake → dispatch → (clock moved past the response
deadline) sweep alert and escalation → acknowledgement → reply, and every
step is checked through the API as its users see it.

Only in the PostgreSQL pass: the stack is PostgreSQL's. The scratch database
is a copy of the session's migrated test database (``CREATE DATABASE …
TEMPLATE``, a second instead of a fresh migrate's twenty), dropped at the end.
Redis must answer: a production test that silently skips proves nothing.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.db import connection

from .sites import ROOT, Site
from .test_gunicorn import PRODUCTION_ENV, free_port

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the production stack runs on PostgreSQL; the PostgreSQL pass of CI runs this test",
)

PASSWORD = "Stack-test-password-2026"

SEED = """
from django.core.management import call_command
from django.db import transaction
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.regions.models import CommunityType, Level, Region

if MIGRATE:
    call_command("migrate", interactive=False, verbosity=0)
# A copy of the session's test database holds no migration data when a transactional test
# emptied it before (they restore it only for themselves): the default categories again.
from gongzhi.cases.services import seed_categories
seed_categories()

def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}

with transaction.atomic():
    district = Region.objects.create(code="110105000000", name="朝阳区", level=Level.DISTRICT)
    street = Region.objects.create(code="110105001000", name="建外街道", level=Level.SUBDISTRICT, parent=district)
    comm = Region.objects.create(code="110105001001", name="永安里社区", level=Level.COMMUNITY, parent=street,
                                 community_type=CommunityType.URBAN)
    Region.objects.create(code="110105001001001", name="永安里第一网格", level=Level.GRID, parent=comm,
                          boundary=square(116.44, 39.90))
    district_office = Unit.objects.create(code="U-CY", name="朝阳区政府", kind=UnitKind.OTHER, region=district)
    street_office = Unit.objects.create(code="U-JW", name="建外街道办事处", kind=UnitKind.SUBDISTRICT_OFFICE,
                                        region=street, supervisor=district_office)
    chengguan = Unit.objects.create(code="U-CG", name="朝阳区城管执法局", kind=UnitKind.DEPARTMENT,
                                    region=district, supervisor=district_office)
    for username, role, region, unit in (("resident", Role.RESIDENT, None, None),
                                         ("dispatcher", Role.DISPATCHER, street, street_office),
                                         ("cg_clerk", Role.DEPARTMENT, None, chengguan)):
        user = User(username=username, role=role, region=region, unit=unit)
        user.set_password(PASSWORD)
        user.save()
"""


class Browser:
    """A signed-in user over plain HTTP: keeps its cookies (Secure ones too) and sends the CSRF token."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies and method != "GET":
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def login(self, username):
        status, _page = self.request("GET", "/login/")
        assert status == 200 and "csrftoken" in self.cookies
        form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]})
        status, page = self.request("POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, (status, page[:500])
        assert "sessionid" in self.cookies
        return self

    def api(self, method, path, payload=None):
        body = json.dumps(payload) if payload is not None else None
        status, data = self.request(method, "/api/v1/cases" + path, body, {"Content-Type": "application/json"})
        return status, (json.loads(data) if data else None)


def redis_answers(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def stack_database(django_db_setup, django_db_blocker):
    """A scratch PostgreSQL database copied from the session's test database, dropped afterwards."""
    import psycopg

    params = connection.settings_dict
    name = f"gongzhi_stack_{uuid.uuid4().hex[:8]}"
    admin = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"],
             "dbname": "postgres", "autocommit": True}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    with django_db_blocker.unblock():
        connection.close()  # a template may have no other session
    with psycopg.connect(**admin) as conn:
        try:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{params["NAME"]}"')
            migrated = True
        except psycopg.Error:
            conn.execute(f'CREATE DATABASE "{name}"')  # the seed's migrate then builds it
            migrated = False
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    yield f"postgres://{auth}@{admin['host']}:{admin['port']}/{name}", admin, name, migrated
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Processes:
    def __init__(self, site, folder):
        self.site, self.folder, self.running = site, folder, []

    def start(self, label, *args, **env):
        log = open(self.folder / f"{label}.log", "w+")
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.site.env, **env},
                                   stdout=log, stderr=subprocess.STDOUT)
        self.running.append((label, process, log))
        return process

    def logs(self):
        out = []
        for label, _process, log in self.running:
            log.flush()
            log.seek(0)
            out.append(f"--- {label}\n{log.read()[-3000:]}")
        return "\n".join(out)

    def stop(self):
        for _label, process, _log in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _label, process, log in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def wait_for(check, what, processes, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        for label, process, _log in processes.running:
            if process.poll() is not None and (label != "seed" or process.returncode):
                pytest.fail(f"{label} exited with {process.returncode} while waiting for {what}\n{processes.logs()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{processes.logs()}")
        time.sleep(0.3)


def test_one_case_through_the_production_stack(stack_database, tmp_path):
    assert redis_answers(), "Redis at 127.0.0.1:6379 does not answer: the production stack test needs it"
    url, admin, name, migrated = stack_database
    # Hashed static files are test_gunicorn's subject; here they are served unhashed (no collectstatic).
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0", "TASKS_BACKEND": "database",
           "STATIC_MANIFEST": "false", "CACHE_KEY_PREFIX": f"gongzhi-stack-{uuid.uuid4().hex[:8]}"}
    site = Site(database_url=url, var_dir=tmp_path, extra_env=env)
    port = free_port()
    processes = Processes(site, tmp_path)
    try:
        # Each Django start costs seconds: on a copied (migrated) database the seed and the
        # three processes start side by side.
        seed = processes.start("seed", "manage.py", "shell", "-c",
                               f"PASSWORD = {PASSWORD!r}\nMIGRATE = {not migrated}\n" + SEED)
        if not migrated:
            assert seed.wait(timeout=120) == 0, processes.logs()
        processes.start("gunicorn", "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                        GUNICORN_BIND=f"127.0.0.1:{port}")
        processes.start("worker", "manage.py", "db_worker", "--queue-name", "*")
        processes.start("scheduler", "manage.py", "run_scheduler", "--tick", "1")
        assert seed.wait(timeout=120) == 0, processes.logs()

        def ready():
            status, body = Browser(port).request("GET", "/readyz")
            return status == 200 and json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}

        wait_for(ready, "/readyz", processes)

        # Intake: a resident reports through the API with the browser session.
        resident = Browser(port).login("resident")
        status, case = resident.api("POST", "/", {
            "channel": "web", "category": "0201", "title": "夜间施工噪声扰民",
            "description": "小区东侧工地每晚十点以后仍在施工。", "lon": 116.445, "lat": 39.905})
        assert status == 201, case
        case_id = case["id"]
        assert case["state"] == "received" and case["grid"] == "110105001001001"

        # Dispatch to 城管.
        dispatcher = Browser(port).login("dispatcher")
        status, case = dispatcher.api("POST", f"/{case_id}/dispatch", {"unit": "U-CG", "version": case["version"]})
        assert status == 200, case
        assert case["state"] == "dispatched" and case["lead_unit"] == "U-CG" and case["response_due"]

        # The clock moves on: past the response deadline, and past the sweep's interval since the
        # scheduler's first tick. The scheduler enqueues the sweep again; the worker runs it.
        import psycopg

        with psycopg.connect(**{**admin, "dbname": name}) as conn:
            conn.execute("UPDATE cases_case SET response_due = now() - interval '1 hour' WHERE id = %s", [case_id])
            conn.execute("UPDATE ops_periodicjobstate SET last_enqueued_at = now() - interval '1 hour' "
                         "WHERE name = 'sweep_deadlines'")

        def swept():
            status, detail = dispatcher.api("GET", f"/{case_id}")
            assert status == 200, detail
            actions = [event["action"] for event in detail["timeline"]]
            return detail if "deadline_alert" in actions and "escalate" in actions else None

        case = wait_for(swept, "the scheduled deadline sweep", processes)
        [alert] = [e for e in case["timeline"] if e["action"] == "deadline_alert"]
        [escalation] = [e for e in case["timeline"] if e["action"] == "escalate"]
        assert alert["payload"]["kind"] == "response_overdue"
        assert escalation["unit"] == "U-CY"
        assert case["overdue"] is True and case["state"] == "dispatched"

        # The department acknowledges and replies.
        clerk = Browser(port).login("cg_clerk")
        status, case = clerk.api("POST", f"/{case_id}/acknowledge", {"version": case["version"]})
        assert status == 200, case
        assert case["state"] == "in_progress"
        status, case = clerk.api("POST", f"/{case_id}/reply", {"content": "已责令工地夜间停工。",
                                                               "version": case["version"]})
        assert status == 200, case
        assert case["state"] == "replied" and case["reply"] == "已责令工地夜间停工。"

        # The resident sees the reply on their own case; the stack served it all from PostgreSQL.
        status, mine = resident.api("GET", f"/{case_id}")
        assert status == 200 and mine["state"] == "replied"
        assert [e["action"] for e in mine["timeline"]] == [
            "intake", "dispatch", "deadline_alert", "escalate", "acknowledge", "reply"]
        status, body = Browser(port).request("GET", "/healthz")
        assert status == 200 and json.loads(body)["vendor"] == "postgresql"
        # The sweep's run went through the queue: a finished task result in the database.
        with psycopg.connect(**{**admin, "dbname": name}) as conn:
            finished = conn.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult "
                                    "WHERE task_path = 'gongzhi.ops.tasks.run_periodic_job' "
                                    "AND status = 'SUCCESSFUL'").fetchone()[0]
        assert finished >= 1
        for label, process, _log in processes.running[1:]:
            assert process.poll() is None, f"{label} died\n{processes.logs()}"
    finally:
        processes.stop()

"""SIGKILL in the middle of an import, a dispatch and a deadline sweep: nothing half-written, a re-run completes once.

Each test runs the real work in a child process (``manage.py``) on a scratch
database of the engine of this pass of the suite (a SQLite file, or a scratch
PostgreSQL database on the server of ``DATABASE_URL``), waits until the child
is inside the transaction that matters, and kills it with SIGKILL: no handler,
no ``finally``, no rollback by Python; only the database's own atomicity stands
between the kill and a half-written case. Then the same command runs again and
must complete the work exactly once.

How the child is caught inside its transaction, without hooks in product code:

- import: the ``importing`` progress bar of ``import_cases`` (written on stderr
  after each batch the import commits) has passed its first batch; the import
  writes in batches, so what must hold is that each batch is whole (every case
  with its event and contact) and that a re-run writes exactly the rest;
- dispatch and sweep: the child's script wraps the notice sent at the end of the
  transaction (``notices.dispatched``, ``notices.deadline_alert``) so that it
  says so on stdout and sleeps — the case row, its event, its audit record and
  its notifications are then written but not committed.

The verification reads the scratch database directly (sqlite3 or psycopg),
beside Django. On PostgreSQL the seeded database is built once per module (from
a copy of the session's migrated test database) and each test works on its own
``CREATE DATABASE … TEMPLATE`` copy of it, dropped afterwards.
"""

import csv
import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from .sites import ROOT, Site

SEED = """
import datetime as dt
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.cases import services
from gongzhi.cases.models import Category
from gongzhi.regions.models import CommunityType, Level, Region

call_command("migrate", interactive=False, verbosity=0)
# A copy of the session's test database holds no migration data when a transactional test
# emptied it before (they restore it only for themselves): the default categories again.
from gongzhi.cases.services import seed_categories
seed_categories()

def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}

def user(username, role, region=None, unit=None, **extra):
    person = User(username=username, role=role, region=region, unit=unit, **extra)
    person.set_unusable_password()
    person.save()
    return person

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
    user("admin", Role.ADMIN, is_superuser=True, is_staff=True)
    dispatcher = user("dispatcher", Role.DISPATCHER, street, street_office)
    user("cg_clerk", Role.DEPARTMENT, unit=chengguan)
    user("district_clerk", Role.DEPARTMENT, unit=district_office)
    resident = user("resident", Role.RESIDENT)
    noise = Category.objects.get(code="0201")
    a_month_ago = timezone.now() - dt.timedelta(days=30)

    def report(title):
        return services.create_case(actor=resident, channel="web", category=noise, title=title,
                                    description="工地每晚十点以后仍在施工。", lon=116.445, lat=39.905, at=a_month_ago)

    report("DISPATCH ME")
    # Dispatched a month ago and never acknowledged: each gets an overdue alert and an escalation.
    for n in range(SWEEP_CASES):
        services.dispatch_case(case=report(f"overdue {n}"), actor=dispatcher, unit=chengguan, at=a_month_ago)
"""
SWEEP_CASES = 60
BATCH = 1000  # rows per write transaction of import_cases (gongzhi.cases.importing.BATCH; ops may not import cases)
IMPORT_ROWS = 3 * BATCH  # a kill after the first batch, before the last; each pass costs seconds


def _postgres_admin():
    params = connection.settings_dict
    admin = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"],
             "dbname": "postgres", "autocommit": True}
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    auth = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    return admin, f"postgres://{auth}@{admin['host']}:{admin['port']}/"


def _postgres(admin, *statements):
    import psycopg

    with psycopg.connect(**admin) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="module")
def seeded(request, tmp_path_factory):
    """A migrated, seeded database of this pass's engine; every test works on its own copy.

    SQLite: a file. PostgreSQL: a database copied from the session's migrated
    test database (a second, against twenty for a fresh migrate), then seeded.
    """
    folder = tmp_path_factory.mktemp("crash-seed")
    script = f"SWEEP_CASES = {SWEEP_CASES}\n" + SEED
    if connection.vendor != "postgresql":
        site = Site(database_url=f"sqlite:///{folder / 'seed.sqlite3'}", var_dir=folder)
        site.manage("shell", "-c", script)
        yield folder / "seed.sqlite3"
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    admin, base = _postgres_admin()
    name = f"gongzhi_crash_seed_{uuid.uuid4().hex[:8]}"
    with blocker.unblock():
        connection.close()  # a template may have no other session
    import psycopg

    try:
        _postgres(admin, f'CREATE DATABASE "{name}" TEMPLATE "{connection.settings_dict["NAME"]}"')
    except psycopg.Error:
        _postgres(admin, f'CREATE DATABASE "{name}"')  # the seed's migrate then builds it
    try:
        Site(database_url=base + name, var_dir=folder).manage("shell", "-c", script)
        yield name
    finally:
        _postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(seeded, tmp_path):
    if connection.vendor != "postgresql":
        shutil.copy(seeded, tmp_path / "gongzhi.sqlite3")
        yield Site(database_url=f"sqlite:///{tmp_path / 'gongzhi.sqlite3'}", var_dir=tmp_path)
        return
    admin, base = _postgres_admin()
    name = f"gongzhi_crash_{uuid.uuid4().hex[:8]}"
    _postgres(admin, f'CREATE DATABASE "{name}" TEMPLATE "{seeded}"')
    try:
        yield Site(database_url=base + name, var_dir=tmp_path)
    finally:
        _postgres(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(site, sql, params=()):
    """Rows of ``sql`` (``?`` placeholders) read straight from the site's database."""
    settings = site.settings_dict
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        with sqlite3.connect(settings["NAME"]) as db:
            return db.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True) as db:
        if params:
            sql = sql.replace("%", "%%").replace("?", "%s")
        return [tuple(row) for row in db.execute(sql, params or None).fetchall()]


def scalar(site, sql, params=()):
    return query(site, sql, params)[0][0]


def counts(site) -> dict:
    tables = ["cases_case", "cases_caseevent", "cases_casecontact", "cases_deadlinemarker",
              "notifications_notification", "audit_auditevent"]
    return {table: scalar(site, f"SELECT count(*) FROM {table}") for table in tables}


def kill_when(site, args, reached, tmp_path, timeout=120):
    """Run ``manage.py args``; SIGKILL it as soon as ``reached(output)`` holds. Returns the output."""
    out_path = tmp_path / "child.log"
    with open(out_path, "w") as out:
        child = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=site.env,
                                 stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        try:
            while True:
                output = out_path.read_text(errors="replace")
                if reached(output):
                    break
                if child.poll() is not None:
                    pytest.fail(f"manage.py {args[0]} ended ({child.returncode}) before the kill:\n{output}")
                if time.monotonic() > deadline:
                    pytest.fail(f"manage.py {args[0]} never reached the point of the kill:\n{output}")
                time.sleep(0.05)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return out_path.read_text(errors="replace")


# Run a command twice in one process, the outputs separated by a line "--- again".
TWICE = """
from django.core.management import call_command
call_command(*ARGS)
print("--- again", flush=True)
call_command(*ARGS)
"""


def shell(site, script, **variables):
    header = "".join(f"{name} = {value!r}\n" for name, value in variables.items())
    return ["shell", "-c", header + script]


# --- (a) import -------------------------------------------------------------------

def hotline_file(path, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["工单编号", "来电时间", "诉求类别", "紧急程度", "标题", "诉求内容", "地址", "来电人", "区划代码"])
    for n in range(rows):
        writer.writerow([f"GD2025{n:06d}", "2025-09-15 09:12:00", "0201", "一般", f"夜间施工噪声 {n}",
                         "工地每晚十点后仍在施工。", f"永安里{n % 40}号楼", "王秀英", "110105001001"])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def test_an_import_killed_between_its_batches_leaves_whole_cases_and_completes_once_on_rerun(site, tmp_path):
    """The import writes in batches (gongzhi.cases.importing): a kill leaves whole batches, a re-run the rest."""
    source = hotline_file(tmp_path / "hotline.csv", IMPORT_ROWS)
    before = counts(site)

    def deep_in_the_import(output):
        done = re.findall(r"importing\S*:\s+\d+%\|[^|]*\|\s*(\d+)/", output)
        return bool(done) and int(done[-1]) >= BATCH

    output = kill_when(site, ["import_cases", str(source)], deep_in_the_import, tmp_path)
    assert "checking" in output  # it was past the checks, writing its batches

    written = scalar(site, "SELECT count(*) FROM cases_case WHERE hotline_id LIKE 'GD2025%'")
    assert written % BATCH == 0 and BATCH <= written <= IMPORT_ROWS, "the killed import left part of a batch"
    killed = counts(site)
    assert killed["cases_casecontact"] - before["cases_casecontact"] == written  # each case whole
    assert killed["cases_caseevent"] - before["cases_caseevent"] == written

    # The same command again, twice (in one process: each Django start costs seconds).
    result = site.manage(*shell(site, TWICE, ARGS=["import_cases", str(source), "--no-progress"]))
    first, second = result.stdout.split("--- again\n")
    assert (f"{IMPORT_ROWS} rows: {IMPORT_ROWS - written} cases created, 0 updated, {written} unchanged."
            in first)
    assert f"{IMPORT_ROWS} rows: 0 cases created, 0 updated, {IMPORT_ROWS} unchanged." in second
    after = counts(site)
    assert after["cases_case"] - before["cases_case"] == IMPORT_ROWS
    assert after["cases_casecontact"] - before["cases_casecontact"] == IMPORT_ROWS
    assert scalar(site, "SELECT count(DISTINCT hotline_id) FROM cases_case WHERE hotline_id LIKE 'GD2025%'") \
        == IMPORT_ROWS
    assert scalar(site, "SELECT max(n) FROM (SELECT count(*) AS n FROM cases_caseevent e JOIN cases_case c "
                        "ON c.id = e.case_id WHERE c.hotline_id LIKE 'GD2025%' GROUP BY e.case_id) AS per_case") == 1


# --- (b) dispatch -----------------------------------------------------------------

DISPATCH = """
import time
from gongzhi.accounts.models import User
from gongzhi.cases import notices, services
from gongzhi.cases.models import Case

original = notices.dispatched

def dispatched_then_pause(case, actor=None, **options):
    original(case, actor, **options)
    if PAUSE:
        print("inside the dispatch transaction", flush=True)
        time.sleep(600)

notices.dispatched = dispatched_then_pause
case = Case.objects.get(title="DISPATCH ME")
services.dispatch_case(case=case, actor=User.objects.get(username="dispatcher"), unit="U-CG")
print("dispatched", case.pk)
"""


def test_a_dispatch_killed_inside_its_transaction_changes_nothing_and_a_rerun_dispatches_once(site, tmp_path):
    [(case_id, version)] = query(site, "SELECT id, version FROM cases_case WHERE title = 'DISPATCH ME'")
    before = counts(site)

    kill_when(site, shell(site, DISPATCH, PAUSE=True), lambda out: "inside the dispatch transaction" in out,
              tmp_path)

    assert counts(site) == before
    assert query(site, "SELECT state, version, lead_unit_id, dispatched_at FROM cases_case WHERE id = ?",
                 [case_id]) == [("received", version, None, None)]
    assert scalar(site, "SELECT count(*) FROM cases_caseevent WHERE case_id = ? AND action = 'dispatch'",
                  [case_id]) == 0

    result = site.manage(*shell(site, DISPATCH, PAUSE=False))
    assert f"dispatched {case_id}" in result.stdout
    assert query(site, "SELECT state, version FROM cases_case WHERE id = ?", [case_id]) == [("dispatched", version + 1)]
    assert scalar(site, "SELECT count(*) FROM cases_caseevent WHERE case_id = ? AND action = 'dispatch'",
                  [case_id]) == 1
    # One notice to each person told (the unit's staff and, since residents are told at dispatch, the reporter).
    [(notices, told)] = query(site, "SELECT count(*), count(DISTINCT user_id) FROM notifications_notification "
                                    "WHERE kind = 'cases.dispatched' AND object_id = ?", [str(case_id)])
    assert notices == told >= 1


# --- (c) deadline sweep -----------------------------------------------------------

SWEEP = """
import time
from gongzhi.cases import notices
from gongzhi.cases.sweep import sweep_deadlines

original = notices.deadline_alert
calls = []

def alert_then_pause(case, kind, title):
    original(case, kind, title)
    calls.append(case.pk)
    if len(calls) == PAUSE_AT:
        print("inside the transaction of alert", len(calls), flush=True)
        time.sleep(600)

notices.deadline_alert = alert_then_pause
sweep_deadlines()
"""


def sweep_state(site):
    """Per alert kind: markers, case events, notifications; and the most of any one per case."""
    markers = dict(query(site, "SELECT kind, count(*) FROM cases_deadlinemarker GROUP BY kind"))
    events = dict(query(site, "SELECT action, count(*) FROM cases_caseevent WHERE action IN "
                              "('deadline_alert', 'escalate') GROUP BY action"))
    notes = dict(query(site, "SELECT kind, count(*) FROM notifications_notification WHERE kind IN "
                             "('cases.deadline.response_overdue', 'cases.escalated') GROUP BY kind"))
    most = scalar(site, "SELECT max(n) FROM (SELECT count(*) AS n FROM notifications_notification "
                        "WHERE kind LIKE 'cases.deadline.%' OR kind = 'cases.escalated' "
                        "GROUP BY kind, object_id, user_id) AS per_recipient")
    return markers, events, notes, most


def test_a_sweep_killed_midway_keeps_whole_alerts_only_and_a_rerun_raises_each_once(site, tmp_path):
    half = SWEEP_CASES // 2
    kill_when(site, shell(site, SWEEP, PAUSE_AT=half), lambda out: f"transaction of alert {half}" in out, tmp_path)

    # The alerts before the kill are whole (marker, event, notification); the one in hand left nothing.
    markers, events, notes, _most = sweep_state(site)
    done = half - 1
    assert markers == {"response_overdue": done, "escalated": done}
    assert events == {"deadline_alert": done, "escalate": done}
    assert notes == {"cases.deadline.response_overdue": done, "cases.escalated": done}

    result = site.manage(*shell(site, TWICE, ARGS=["sweep_deadlines"]))
    first, second = result.stdout.split("--- again\n")
    assert f"response_overdue: {SWEEP_CASES - done}" in first and f"escalated: {SWEEP_CASES - done}" in first
    assert "No new deadline alerts." in second
    markers, events, notes, most = sweep_state(site)
    assert markers == {"response_overdue": SWEEP_CASES, "escalated": SWEEP_CASES}
    assert events == {"deadline_alert": SWEEP_CASES, "escalate": SWEEP_CASES}
    assert notes == {"cases.deadline.response_overdue": SWEEP_CASES, "cases.escalated": SWEEP_CASES}
    assert most == 1
    assert scalar(site, "SELECT max(n) FROM (SELECT count(*) AS n FROM cases_caseevent "
                        "WHERE action = 'deadline_alert' GROUP BY case_id) AS per_case") == 1

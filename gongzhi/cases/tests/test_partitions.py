"""Case events and audit events partitioned by month on PostgreSQL (gongzhi.core.partitions).

Queries work across the partitions unchanged, back-dated events find their
month, the audit trail stays append-only on every partition, and a month
detached to cold storage still answers its figures from its (final) rollup.
On SQLite the tables stay plain and the command says so.
"""

import io
import os
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import metrics, rollup, services
from gongzhi.cases.models import CaseEvent, Rollup, Span
from gongzhi.core import partitions

from .conftest import local
from .test_metrics import SEPTEMBER, figures, month  # noqa: F401  (the hand-computed September)

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
# The SQLite pass has no partitions to test; the PostgreSQL pass of CI runs these (a missing server fails it).
needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="partitions are PostgreSQL's; the PostgreSQL pass runs this")
EVENTS, AUDIT = CaseEvent._meta.db_table, AuditEvent._meta.db_table


def rows_of(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_sqlite_keeps_plain_tables():
    if ON_POSTGRES:
        assert partitions.is_partitioned(connection, EVENTS) and partitions.is_partitioned(connection, AUDIT)
        return
    out = io.StringIO()
    call_command("partitions", stdout=out)
    assert "plain tables" in out.getvalue()
    assert partitions.maintain(connection) == {"created": [], "moved": 0}
    assert not partitions.is_partitioned(connection, EVENTS)


@needs_postgres
@pytest.mark.django_db
def test_months_have_partitions_and_back_dated_events_move_into_theirs(world, month, new_case):
    # The hand-computed September of 2025 was written after migrating, so it sits in the default partition.
    assert rows_of(EVENTS + partitions.DEFAULT_SUFFIX) > 0
    before = figures(metrics.by_unit(world.users.admin, SEPTEMBER))
    total = CaseEvent.objects.count()
    done = partitions.maintain(connection)
    assert "cases_caseevent_p202509" in done["created"] and done["moved"] > 0
    assert rows_of("cases_caseevent_p202509") > 0 and rows_of(EVENTS + partitions.DEFAULT_SUFFIX) == 0
    # Nothing is lost or doubled; queries across the partitions answer as before; a second run does nothing.
    assert CaseEvent.objects.count() == total
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER)) == before
    assert partitions.maintain(connection) == {"created": [], "moved": 0}
    # This month and the next three exist ahead of time.
    names = {p.name for p in partitions.partitions(connection, EVENTS)}
    today = date.today().replace(day=1)
    assert partitions.partition_name(EVENTS, today) in names
    assert partitions.partition_name(EVENTS, (today + timedelta(days=95)).replace(day=1)) in names
    # Ids keep coming from the one sequence; a new September event goes to September's partition.
    last = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    in_september = rows_of("cases_caseevent_p202509")
    case = services.dispatch_case(case=new_case(at=local(2025, 9, 30, 9, 0)), actor=world.users.dispatcher,
                                  unit=world.units.chengguan, at=local(2025, 9, 30, 10, 0))
    written = list(CaseEvent.objects.filter(case=case).values_list("id", flat=True))
    assert len(written) == 2 and min(written) > last
    assert rows_of("cases_caseevent_p202509") == in_september + 2


@needs_postgres
@pytest.mark.django_db
def test_the_audit_trail_is_append_only_on_every_partition(world, month):
    partitions.maintain(connection)
    names = [p.name for p in partitions.partitions(connection, AUDIT) if p.attached]
    assert names and all(name.startswith(AUDIT) for name in names)
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname, array_agg(t.tgname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                          WHERE NOT t.tgisinternal AND c.relname LIKE 'audit_auditevent%%' GROUP BY c.relname""")
        triggers = dict(cursor.fetchall())
    for name in [AUDIT, *names]:
        assert set(triggers[name]) == {"audit_auditevent_no_update_delete", "audit_auditevent_no_truncate"}, name
    current = partitions.partition_name(AUDIT, date.today().replace(day=1))
    assert rows_of(current) > 0
    for statement in (f"UPDATE {current} SET reason = 'x'", f"DELETE FROM {current}", f"TRUNCATE {current}",
                      f"UPDATE {AUDIT} SET reason = 'x'"):
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)


@needs_postgres
@pytest.mark.django_db
def test_a_detached_month_answers_from_its_final_rollup_and_comes_back(world, month):
    partitions.maintain(connection)
    rollup.refresh()
    before = figures(metrics.by_unit(world.users.admin, SEPTEMBER))
    september_events = rows_of("cases_caseevent_p202509")
    out = io.StringIO()
    call_command("partitions", "--detach", EVENTS, "2025-09", stdout=out)
    assert "cases_caseevent_p202509" in out.getvalue()
    assert not CaseEvent.objects.filter(at__gte=SEPTEMBER.start, at__lt=SEPTEMBER.end).exists()
    assert rows_of("cases_caseevent_p202509") == september_events  # a table of its own, for pg_dump
    header = Rollup.objects.get(span=Span.MONTH, first_day=date(2025, 9, 1))
    assert header.frozen
    # The figures of the detached month come from its rollup, and a rebuild leaves them as they were.
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER)) == before
    call_command("rollup", "--rebuild", stdout=io.StringIO())
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER)) == before
    assert AuditEvent.objects.filter(action="partition.detach", object_id="cases_caseevent_p202509").exists()
    # The month cannot be detached twice; this month cannot be detached at all; a bad month is named.
    for arguments, message in ((["--detach", EVENTS, "2025-09"], "already detached"),
                               (["--detach", EVENTS, date.today().strftime("%Y-%m")], "has not ended"),
                               (["--detach", EVENTS, "2025/09"], "YYYY-MM"),
                               (["--detach", "cases_case", "2025-09"], "not a partitioned table")):
        with pytest.raises(CommandError, match=message):
            call_command("partitions", *arguments, stdout=io.StringIO())
    listing = io.StringIO()
    call_command("partitions", stdout=listing)
    assert "(detached)" in listing.getvalue()

    call_command("partitions", "--attach", EVENTS, "2025-09", stdout=io.StringIO())
    assert CaseEvent.objects.filter(at__gte=SEPTEMBER.start, at__lt=SEPTEMBER.end).count() == september_events
    assert not Rollup.objects.get(span=Span.MONTH, first_day=date(2025, 9, 1)).frozen
    rollup.refresh(rebuild=True)
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER)) == before

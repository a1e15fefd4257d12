"""The de-identified Parquet export of case events (gongzhi.cases.analytics), read back by DuckDB."""

from datetime import date, timedelta

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from gongzhi.cases import analytics, services
from gongzhi.cases.models import CaseEvent

from .conftest import MONDAY

TUESDAY = MONDAY + timedelta(days=1)
TODAY = date(2025, 9, 20)


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


@pytest.fixture
def handled(world, case_in, noise):
    """A closed case received and handled on Monday, and a new one on Tuesday with personal data in it."""
    closed = case_in("closed")
    fresh = services.create_case(
        actor=world.users.resident, channel="web", category=noise, title="王小明家门口漏水",
        description="联系电话 13812345678，身份证 110105199001011234", address="永安里12号楼3单元501",
        lon=116.445, lat=39.905, at=TUESDAY)
    return closed, fresh


def read(analytics_dir):
    return duckdb.sql(f"""
        SELECT day::VARCHAR AS day, action, count(*) AS n
        FROM read_parquet('{analytics_dir}/case_events/*/*.parquet', hive_partitioning = true)
        GROUP BY ALL ORDER BY day, action
    """).fetchall()


def test_each_closed_day_becomes_a_parquet_file_that_duckdb_reads(handled, analytics_dir):
    written = analytics.export(today=TODAY)

    monday, tuesday = MONDAY.date().isoformat(), TUESDAY.date().isoformat()
    assert set(written) == {monday, tuesday}
    expected = sorted(
        (event.at.astimezone(MONDAY.tzinfo).date().isoformat(), event.action, 1) for event in CaseEvent.objects.all())
    counted = {}
    for day, action, _ in expected:
        counted[(day, action)] = counted.get((day, action), 0) + 1
    assert read(analytics_dir) == sorted((day, action, n) for (day, action), n in counted.items())
    assert sum(written.values()) == CaseEvent.objects.count()


def test_the_export_holds_no_names_numbers_or_free_text(handled, analytics_dir):
    closed, fresh = handled
    analytics.export(today=TODAY)

    files = list((analytics_dir / "case_events").glob("day=*/events.parquet"))
    table = pq.read_table(files[0]).to_pylist() + pq.read_table(files[1]).to_pylist()
    assert set(table[0]) == set(analytics.SCHEMA.names)
    values = " ".join(str(value) for row in table for value in row.values())
    for secret in ("王小明", "13812345678", "110105199001011234", "永安里12号楼", "漏水", "夜间施工",
                   fresh.number, closed.number, "已责令", "resident", "cg_clerk", "dispatcher"):
        assert secret not in values
    for path in files:  # nor anywhere in the files' bytes (statistics, metadata)
        raw = path.read_bytes()
        assert "13812345678".encode() not in raw and "王小明".encode() not in raw
    # Places only down to the community; a case is followed by a keyed pseudonym, not its id.
    assert {row["community"] for row in table} == {closed.region_code[:12]}
    assert len(closed.region_code) > 12
    assert {row["case"] for row in table} == {analytics.pseudonym("case", closed.pk), analytics.pseudonym("case", fresh.pk)}
    assert str(closed.pk) not in {row["case"] for row in table}
    assert {row["category_top"] for row in table} == {closed.category.parent.code}


def test_running_again_writes_nothing_and_a_late_event_rewrites_its_day(handled, world, analytics_dir):
    closed, fresh = handled
    analytics.export(today=TODAY)
    assert analytics.export(today=TODAY) == {}

    # A late event dated Tuesday (an import of last week's orders) is recorded on Saturday.
    services.dispatch_case(case=fresh, actor=world.users.dispatcher, unit=world.units.chengguan, at=TUESDAY)
    assert analytics.export(today=TODAY) == {TUESDAY.date().isoformat(): 2}
    assert ("2025-09-16", "dispatch", 1) in read(analytics_dir)


def test_today_is_not_written_until_it_is_over(handled, analytics_dir):
    written = analytics.export(today=TUESDAY.date())
    assert set(written) == {MONDAY.date().isoformat()}


def test_the_command_writes_and_reports(handled, analytics_dir, capsys):
    call_command("export_analytics", "--since", "2025-09-16")
    out = capsys.readouterr().out
    assert "1 days written" in out
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("export_analytics", "--since", "16.9.2025")


def test_the_query_of_docs_scaling_runs(handled, analytics_dir):
    analytics.export(today=TODAY)
    rows = duckdb.sql(f"""
        SELECT date_trunc('month', occurred_at)::DATE AS month, category_top,
               count(DISTINCT "case") AS cases, count(*) FILTER (WHERE action = 'dispatch') AS dispatches
        FROM read_parquet('{analytics_dir}/case_events/*/*.parquet', hive_partitioning = true)
        GROUP BY ALL ORDER BY month, category_top
    """).fetchall()
    assert [(str(month), top, cases, dispatches) for month, top, cases, dispatches in rows] == [
        ("2025-09-01", "02", 2, 1)]

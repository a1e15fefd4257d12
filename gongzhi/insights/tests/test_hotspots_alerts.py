"""Hotspots find a planted cluster; 每月一题 tracks it; 未诉先办 alerts from planted patterns."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from gongzhi.accounts.actors import command_actor
from gongzhi.audit.models import AuditEvent
from gongzhi.insights import alerts, corpus, hotspots, topics
from gongzhi.insights.models import Alert, AlertKind, AlertState

from .conftest import MONDAY

DAY = MONDAY.date()  # 2025-09-15
LIFT = [("电梯困人", f"永安里小区3号楼电梯又坏了，电梯困人，第{i}次了，老人上不了楼", "0902") for i in range(12)]


@pytest.fixture
def planted(put_cases):
    """Background: 92 generated cases spread over three grids; planted: 12 lift failures in grid A1."""
    background = corpus.generate(92, seed=9)
    for i, grid in enumerate(("grid_a1", "grid_a2", "grid_b1")):
        put_cases(31, grid, MONDAY - dt.timedelta(days=3), texts=background[i::3])
    return put_cases(12, "grid_a1", MONDAY - dt.timedelta(days=2), texts=LIFT)


def test_hotspots_find_the_planted_cluster(world, planted):
    found = hotspots.hotspots(world.users.leader, start=DAY - dt.timedelta(days=14), end=DAY + dt.timedelta(days=1))
    top = found[0]
    assert top.place_code == world.tree["comm_a"].code and top.place_name == "永安里社区"
    assert "电梯" in top.words
    planted_ids = {c.pk for c in planted}
    assert len(planted_ids & set(top.case_ids)) >= 10 and len(top.representative) == 3
    assert top.previous == 0 and top.growth == top.count  # nothing the fortnight before
    by_grid = hotspots.hotspots(world.users.leader, start=DAY - dt.timedelta(days=14), end=DAY + dt.timedelta(days=1),
                                by="grid")
    assert by_grid[0].place_code == world.tree["grid_a1"].code


def test_hotspots_keep_to_the_area(world, planted):
    seen = hotspots.hotspots(world.users.grid_b1, start=DAY - dt.timedelta(days=14), end=DAY + dt.timedelta(days=1))
    assert all(h.place_code == world.tree["comm_b"].code for h in seen)


def test_the_month_topic_is_chosen_from_a_hotspot_and_tracked(world, planted, put_cases):
    period = {"start": DAY - dt.timedelta(days=14), "end": DAY + dt.timedelta(days=1)}
    top = hotspots.hotspots(world.users.leader, **period)[0]
    with pytest.raises(PermissionDenied):
        topics.choose_topic(actor=world.users.dispatcher, key=top.key, **period)
    topic = topics.choose_topic(actor=world.users.leader, key=top.key, month=DAY, note="电梯改造", **period)
    assert topic.region == world.tree["comm_a"] and "电梯" in topic.words and topic.cases.count() == top.count
    assert AuditEvent.objects.filter(action="insights.topic.choose").exists()
    with pytest.raises(ValidationError, match="already has a topic"):
        topics.choose_topic(actor=world.users.leader, key=top.key, month=DAY, **period)
    # A later lift case joins the programme by its words; the figures count it after the choice.
    later = put_cases(1, "grid_a2", MONDAY + dt.timedelta(days=20), texts=[("电梯坏了", "2号楼电梯坏了", "0902")])
    cases = topics.topic_cases(topic, world.users.leader)
    assert later[0] in cases
    figures = topics.topic_figures(topic, today=DAY + dt.timedelta(days=40))
    assert [r["month"] for r in figures][:4] == [dt.date(2025, 6, 1), dt.date(2025, 7, 1), dt.date(2025, 8, 1),
                                                dt.date(2025, 9, 1)]
    assert sum(r["cases"] for r in figures if r["after"]) == len(cases)
    summary = topics.before_and_after(figures)
    assert summary["before"]["months"] == 3 and summary["after"]["months"] == 2
    with pytest.raises(ValidationError, match="no longer among"):
        topics.choose_topic(actor=world.users.leader, key="nonsense", **period)


def test_a_spike_in_a_grid_raises_one_alert_routed_like_a_case(world, put_cases):
    for week in range(1, 9):  # a quiet baseline: one case a week for eight weeks
        put_cases(1, "grid_a2", MONDAY - dt.timedelta(days=7 * week + 1))
    put_cases(9, "grid_a2", MONDAY - dt.timedelta(days=2), title="井盖丢失", description="路口井盖丢失，很危险")
    created = alerts.raise_alerts(today=DAY)
    spike = [a for a in created if a.kind == AlertKind.SPIKE]
    assert len(spike) == 1
    alert = spike[0]
    assert alert.grid == world.tree["grid_a2"] and alert.payload["last_7_days"] == 9
    assert alert.payload["weekly_baseline"] == [1] * 8 and "9 cases in the last 7 days" in alert.reason
    assert alert.category.code == "0102" and alert.unit is not None and alert.routing
    assert alerts.raise_alerts(today=DAY) == []  # raised once
    # Alerts are their own channel: the cases are what they were.
    from gongzhi.cases.models import Case

    assert Case.objects.count() == 17


def test_repeated_address_and_seasonal_recurrence(world, put_cases):
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=30), title="漏水", description="楼上漏水",
              code="0103", address="永安里小区 5号楼")
    put_cases(6, "grid_b1", MONDAY.replace(year=2024) + dt.timedelta(days=5), title="暖气不热",
              description="暖气一点都不热", code="0105")
    created = {a.kind: a for a in alerts.raise_alerts(today=DAY)}
    assert created[AlertKind.REPEAT_ADDRESS].grid == world.tree["grid_a1"]
    assert len(created[AlertKind.REPEAT_ADDRESS].payload["cases"]) == 3
    seasonal = created[AlertKind.SEASONAL]
    assert seasonal.region_code == world.tree["comm_b"].code and seasonal.category.code == "0105"
    assert "Last year 6 cases" in seasonal.reason


def test_alerts_are_handled_in_scope_with_a_reason_to_dismiss(world, put_cases):
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=3), address="金台里2号")
    alert = alerts.raise_alerts(today=DAY)[0]
    with pytest.raises(PermissionDenied):
        alerts.handle_alert(actor=world.users.grid_b1, alert=alert, step="take_on")
    with pytest.raises(ValidationError, match="Say why"):
        alerts.handle_alert(actor=world.users.grid_a1, alert=alert, step="dismiss")
    alert = alerts.handle_alert(actor=world.users.grid_a1, alert=alert, step="take_on")
    alert = alerts.handle_alert(actor=world.users.grid_a1, alert=alert, step="done", note="已联系物业维修")
    assert alert.state == AlertState.DONE and alert.handled_by == world.users.grid_a1
    with pytest.raises(ValidationError, match="already"):
        alerts.handle_alert(actor=world.users.grid_a1, alert=alert, step="dismiss", note="x")
    assert list(alerts.visible_alerts(world.users.grid_b1, state="")) == []


def test_the_command_raises_and_reports(world, put_cases, capsys):
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=3), address="金台里2号")
    call_command("raise_alerts", "--date", DAY.isoformat())
    assert "1 alerts raised" in capsys.readouterr().out
    assert Alert.objects.count() == 1
    assert alerts.raise_alerts(actor=command_actor("x"), today=DAY) == []

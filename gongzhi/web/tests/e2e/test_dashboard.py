"""The leader dashboard in a real browser, in Chinese on a desktop (issue 15, item 3; issue 14, item 6).

A street leader opens the dashboard (this month so far), follows the "overdue now" tile to its cases,
then looks at September 2025 and exports it. Asserted on the page as read: the tile equals the sum and
the total of the table by unit, and the case list behind it; chart legends in Chinese; the date of the
figures; no region code and no login name anywhere in the text; a unit below the minimum listed apart;
dates of another year with their year. Watched fails the test on any console error or request to
another host. Screenshots of each step go to var/test/screenshots/ (git-ignored).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.accounts.roles import Role
from gongzhi.cases import services
from gongzhi.cases.models import Category
from gongzhi.cases.tests.conftest import MONDAY, POINT_A1, POINT_B1

from .conftest import DESKTOP

SHOTS = Path(__file__).resolve().parents[4] / "var" / "test" / "screenshots" / "dashboard"
USERNAMES = ("dispatcher", "cg_clerk", "cg_clerk2", "water_clerk", "district_clerk", "comm_a_staff", "grid_a1",
             "grid_b1", "leader", "resident", "neighbour", "admin", "comm_b_staff")
CODE = re.compile(r"(?<!\d)(?:\d{12}|\d{15})(?!\d)")  # a region code (12 digits) or a grid's (15); a work-order number has 13


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visible_text(page) -> str:
    return page.inner_text("body")


def assert_reads_as_words(page) -> None:
    text = visible_text(page)
    assert not CODE.search(text), f"a region code on the page: {CODE.search(text).group(0)}"
    for name in USERNAMES:
        assert not re.search(rf"(?<![A-Za-z_]){name}(?![A-Za-z_])", text), f"login name {name} on the page"


def number(page, selector: str) -> int:
    return int(page.inner_text(selector).strip())


@pytest.fixture
def work(world, new_case, settings, make_user):
    """This month: two cases received a minute ago, one dispatched to 城管 (on the clock, not yet due).
    September 2025: 永安里 committee two cases acknowledged in time, 光华里 one (all three still in hand, past
    their resolution deadline ever since); one 城管 case never acknowledged (past its response deadline);
    an urging of 15 September 2025. Overdue now: 4, all of 2025, counted whatever the period (the case of
    this month is not due yet). A ranking needs 2 cases: 光华里 is listed apart.
    """
    settings.METRICS_RANKING_MIN_CASES = 2
    u, units = world.users, world.units
    u.leader.display_name = "王主任"
    u.leader.save()
    now = timezone.now() - timedelta(minutes=1)
    services.dispatch_case(case=new_case(at=now), actor=u.dispatcher, unit=units.chengguan, at=now)
    new_case(at=now, point=POINT_B1, category=Category.objects.get(code="0102"))
    comm_b_staff = make_user("comm_b_staff", Role.COMMUNITY_STAFF, region=world.tree["comm_b"], unit=units.comm_b)
    for unit, clerk, point in ((units.comm_a, u.comm_a_staff, POINT_A1), (units.comm_a, u.comm_a_staff, POINT_A1),
                               (units.comm_b, comm_b_staff, POINT_B1)):
        case = services.dispatch_case(case=new_case(point=point), actor=u.dispatcher, unit=unit, at=MONDAY)
        services.acknowledge_case(case=case, actor=clerk, at=MONDAY + timedelta(minutes=10))
    late = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=units.chengguan, at=MONDAY)
    services.urge_case(case=late, actor=u.dispatcher, message="请尽快处理噪声问题", at=MONDAY)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_leader_reads_figures_that_agree(world, watched, work):
    leader = watched(viewport=DESKTOP, language="zh-hans")
    page = leader.sign_in("leader")
    assert page.url.endswith("/dashboard/")
    page.wait_for_selector("#trend-chart .u-legend")
    page.wait_for_load_state("networkidle")
    shot(page, "01-this-month")

    # The figures' date, in Chinese, with the day.
    assert re.fullmatch(r"数据截至 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", page.inner_text("#as-of").strip())
    # Overdue now: the tile, the sum of the table by unit and its total are one number, and both say their scope.
    overdue = number(page, '[data-tile="overdue"]')
    rows = [int(n) for n in page.locator("#overdue-units tbody tr td:nth-child(2)").all_inner_texts()]
    assert overdue == 4 and sum(rows) == overdue and number(page, "[data-overdue-total]") == overdue
    assert "不论受理时间" in page.inner_text("#overdue-scope")
    assert "不限时段" in page.inner_text("#overdue-scope-tile")
    # Legends in the page's language: both charts, every series, no uPlot default ("Value", "Time").
    legends = page.locator(".u-legend .u-label").all_inner_texts()
    assert {"日期", "受理工单数", "响应率", "解决率", "满意率"} <= set(legends), legends
    assert not {"Value", "Time"} & set(legends)
    # Today is not over: its point is marked, and it is not drawn in the plain series.
    assert "受理工单数（至今，尚未结束）" in legends
    today = timezone.localdate().strftime("%m-%d")
    page.click("#trend summary")
    assert page.locator("#trend-table tr.partial td").first.inner_text() == f"{today}（至今）"
    # Intake by community and category: places by name.
    assert page.locator('#intake tr[data-place] th').all_inner_texts() == ["永安里社区", "光华里社区"]
    assert_reads_as_words(page)

    # The tile leads to exactly the cases it counts.
    page.click('[data-tile="overdue"]')
    page.wait_for_load_state()
    assert page.locator("[data-case]").count() == overdue
    shot(page, "02-overdue-cases")

    # September 2025: a past period, day by day, with the year on every date.
    page = leader.go("/dashboard/")
    page.fill("#id_start", "2025-09-01")
    page.fill("#id_end", "2025-09-30")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    page.wait_for_selector("#rates-chart .u-legend")
    page.wait_for_load_state("networkidle")
    page.click("#trend summary")
    shot(page, "03-september-2025")
    days = page.locator("#trend-table tbody tr td:first-child").all_inner_texts()
    assert len(days) == 30 and days[14] == "2025-09-15"
    assert number(page, '[data-tile="overdue"]') == overdue  # whatever the period
    assert "2025-09-15 10:00" in page.inner_text("#supervision-recent")
    # 光华里 has one case: listed apart, not ranked (not tied at 1 with its 100 %); 永安里 (two) is first.
    ranking = page.locator("#ranking")
    assert ranking.locator("tr[data-ranked] td").first.inner_text() == "1"
    assert ranking.locator('tr[data-ranked="U-YAL"]').count() == 1
    assert ranking.locator('tr[data-unranked="U-GHL"] td').first.inner_text() == "—"
    assert "不足 2 件，不参与排名" in ranking.inner_text()
    assert_reads_as_words(page)

    # The export carries the same.
    with page.expect_download() as download:
        page.click("[data-export]")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    summary = book.worksheets[0]
    assert summary["G1"].value.startswith("数据截至 ")
    assert dict((r[0], r[1]) for r in summary.iter_rows(min_row=2, values_only=True))["当前超期"] == overdue
    assert "按地点受理" in book.sheetnames
    shot(page, "04-exported")

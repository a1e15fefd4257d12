"""Figures that agree with each other (issue 15, item 3) and what leaders read (issue 14, item 6).

Every number below is computed by hand from the cases each test makes (the
docstrings say how); the page, the metrics API and the XLSX export must all
give it. Runs on SQLite and on PostgreSQL (DATABASE_URL).
"""

import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.cases import services
from gongzhi.cases.models import Category
from gongzhi.cases.tests.conftest import MONDAY, POINT_A1, POINT_B1, local

SEPTEMBER = {"start": "2025-09-01", "end": "2025-09-30"}
API = "/api/v1/cases/metrics"


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def tile(html, key):
    match = re.search(rf'href="([^"]+)" data-tile="{key}">(\d+)<', html)
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


@pytest.fixture
def september(world, new_case):
    """Four cases received in September 2025 and one in August.

    永安里社区 (grid A1): two noise cases (0201, 环境保护) and one road case (0102, 城乡建设);
    光华里社区 (grid B1): one noise case. August (20th, A1): one noise case, outside the period.
    So: 永安里社区 3 = 2 + 1, 光华里社区 1 = 1 + 0; 环境保护 3, 城乡建设 1; 4 in all.
    """
    road = Category.objects.get(code="0102")
    cases = [new_case(), new_case(), new_case(category=road), new_case(point=POINT_B1)]
    august = new_case(at=local(2025, 8, 20, 10, 0))
    return cases, august


@pytest.mark.django_db
def test_intake_by_community_and_category_on_the_page_and_in_the_api(world, signed_in, september):
    client = signed_in(world.users.leader)
    html = client.get("/dashboard/", SEPTEMBER).content.decode()
    intake = section(html, "intake")
    rows = re.findall(r'<tr data-place="(\d+)"><th scope="row">([^<]+)</th>(.*?)</tr>', intake)
    assert [(code, name, re.findall(r">(\d+)<", cells)) for code, name, cells in rows] == [
        ("110105001001", "永安里社区", ["3", "2", "1"]),
        ("110105001002", "光华里社区", ["1", "1", "0"]),
    ]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', intake)
    assert headers == ["Community", "Cases", "环境保护", "城乡建设"]
    assert re.search(r"data-intake-total>4<", intake)
    # Each place's total clicks through to exactly its cases.
    link = re.search(r'<tr data-place="110105001001">.*?href="([^"]+)"', intake).group(1).replace("&amp;", "&")
    assert client.get(link).content.decode().count("data-case=") == 3

    body = client.get(f"{API}/intake", {"month": "2025-09"}).json()
    assert body["by"] == "community" and body["total"] == 4
    assert [(c["name"], c["received"]) for c in body["categories"]] == [("环境保护", 3), ("城乡建设", 1)]
    assert [(r["name"], r["received"], r["cells"]) for r in body["rows"]] == [
        ("永安里社区", 3, [2, 1]), ("光华里社区", 1, [1, 0])]
    # Under a community the rows are its grids.
    grids = client.get(f"{API}/intake", {"month": "2025-09", "region": world.tree["comm_a"].code}).json()
    assert grids["by"] == "grid" and [(r["name"], r["received"]) for r in grids["rows"]] == [("永安里第一网格", 3)]
    # The same period given as dates; August alone has its one case.
    assert client.get(f"{API}/intake", SEPTEMBER).json()["total"] == 4
    assert client.get(f"{API}/intake", {"month": "2025-08"}).json()["total"] == 1


@pytest.mark.django_db
def test_intake_api_refuses_what_it_cannot_answer(world, signed_in, september, make_user):
    from gongzhi.accounts.roles import Role

    client = signed_in(world.users.leader)
    bad = client.get(f"{API}/intake", {"month": "2025-13"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.content.decode()
    assert client.get(f"{API}/intake", {"month": "2025-09", "region": "999999999999"}).status_code == 422
    # A community leader of 永安里 may not read the district.
    community_leader = make_user("comm_a_leader", Role.LEADER, region=world.tree["comm_a"])
    client = signed_in(community_leader)
    assert client.get(f"{API}/intake", {"month": "2025-09", "region": world.tree["district"].code}).status_code == 403
    mine = client.get(f"{API}/intake", {"month": "2025-09"}).json()
    assert [(r["name"], r["received"]) for r in mine["rows"]] == [("永安里第一网格", 3)]
    assert signed_in(world.users.resident).get(f"{API}/intake", {"month": "2025-09"}).status_code == 403


@pytest.mark.django_db
def test_overdue_tile_and_table_count_the_same_cases_and_say_so(world, signed_in, new_case):
    """Three cases dispatched to 城管 and never acknowledged, so overdue now: two in 永安里 (one received in
    September, one in August), one in 光华里 (September). "Overdue now" counts all on the clock whatever the
    period: 3 for the street, 2 for 永安里; the table by unit sums to the same, and the tile's list shows them."""
    u = world.users
    for at, point in ((MONDAY, POINT_A1), (local(2025, 8, 20, 10, 0), POINT_A1), (MONDAY, POINT_B1)):
        services.dispatch_case(case=new_case(point=point, at=at), actor=u.dispatcher, unit=world.units.chengguan,
                               at=at)
    client = signed_in(world.users.leader)
    for query, expected in ((SEPTEMBER, 3), ({**SEPTEMBER, "region": world.tree["comm_a"].code}, 2)):
        html = client.get("/dashboard/", query).content.decode()
        url, value = tile(html, "overdue")
        board = section(html, "overdue-units")
        by_unit = [int(n) for n in re.findall(r'class="overdue">(\d+)</a>', board)]
        assert value == expected and sum(by_unit) == expected
        assert re.search(rf"data-overdue-total>{expected}<", board)
        assert client.get(url).content.decode().count("data-case=") == expected
        assert "whenever it was received" in board and "whatever the period" in html
    assert "永安里社区" in text_of(section(html, "overdue-units"))  # the scope names the place


@pytest.mark.django_db
def test_a_unit_below_the_minimum_is_listed_apart_not_ranked(world, signed_in, new_case, settings):
    """城管 gets two cases, 水务 one, each acknowledged at once: both respond at 100 %. With a minimum of
    two cases 城管 is ranked first and 水务 is listed apart, unranked (not tied at rank 1)."""
    settings.METRICS_RANKING_MIN_CASES = 2
    u = world.users
    for unit, clerk in ((world.units.chengguan, u.cg_clerk), (world.units.chengguan, u.cg_clerk),
                        (world.units.water, u.water_clerk)):
        case = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=unit, at=MONDAY)
        services.acknowledge_case(case=case, actor=clerk, at=MONDAY + timedelta(minutes=10))
    client = signed_in(world.users.admin)
    body = client.get(API, {"month": "2025-09"}).json()
    assert body["min_cases"] == 2
    assert [(r["key"], r["rank"], r["ranked"]) for r in body["rows"]] == [("U-CG", 1, True), ("U-WATER", None, False)]
    ranking = client.get(f"{API}/ranking", {"month": "2025-09"}).json()
    assert [(r["key"], r["rank"]) for r in ranking["rows"]] == [("U-CG", 1), ("U-WATER", None)]

    html = client.get("/dashboard/", SEPTEMBER).content.decode()
    table = section(html, "ranking")
    assert 'data-ranked="U-CG"' in table and 'data-unranked="U-WATER"' in table
    assert 'data-ranked="U-WATER"' not in table
    assert "Fewer than 2 cases (dispatched or called back) in the period: not ranked" in table
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table[table.index('data-unranked="U-WATER"'):])
    assert cells[0] == "—" and "朝阳区水务局" in cells[1] and cells[3] == "100.0%"

    book = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx", SEPTEMBER).content))
    sheet = next(book[name] for name in book.sheetnames if name.startswith("Monthly ranking"))
    values = [row for row in sheet.iter_rows(values_only=True)]
    note = next(i for i, row in enumerate(values) if row[0] and str(row[0]).startswith("Fewer than 2"))
    assert values[note - 2][:2] == (1, "朝阳区城管执法局") and values[note + 1][:2] == (None, "朝阳区水务局")


@pytest.mark.django_db
def test_the_trend_follows_the_period_with_the_three_rates(world, signed_in, new_case):
    """On Monday 15 September 2025 a case is dispatched to 城管 and acknowledged in time (response 1 of 1 that
    day), replied and called back solved and satisfied on the 16th (resolution and satisfaction 1 of 1).
    A September period is drawn day by day (30 points), a year month by month (12), each with the year,
    since 2025 is not this year."""
    u = world.users
    case = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=world.units.chengguan, at=MONDAY)
    case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=MONDAY + timedelta(minutes=10))
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已处理。", at=local(2025, 9, 16, 9, 0))
    services.record_callback(case=case, actor=u.dispatcher, solved=True, satisfaction="satisfied",
                             at=local(2025, 9, 16, 10, 0))
    client = signed_in(world.users.leader)
    html = client.get("/dashboard/", SEPTEMBER).content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", section(html, "trend"))
    assert len(rows) == 30 and rows[0][0] == "2025-09-01" and rows[-1][0] == "2025-09-30"
    by_day = {day: re.findall(r'<td class="num">(?:<a [^>]+>)?([^<]+)<', cells) for day, cells in rows}
    assert by_day["2025-09-15"] == ["1", "100.0%", "—", "—"]
    assert by_day["2025-09-16"] == ["0", "—", "100.0%", "100.0%"]
    chart = json.loads(re.search(r'id="rates-data" type="application/json">(.*?)</script>', html).group(1))
    assert [s["label"] for s in chart["series"]] == ["Response rate", "Resolution rate", "Satisfaction rate"]
    assert chart["series"][0]["values"][14] == 100.0 and chart["series"][1]["values"][15] == 100.0

    year = client.get("/dashboard/", {"start": "2025-01-01", "end": "2025-12-31"}).content.decode()
    months = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\"><a [^>]+>(\d+)<", section(year, "trend"))
    assert len(months) == 12 and ("2025-09", "1") in months and ("2025-08", "0") in months
    book = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx", SEPTEMBER).content))
    trend = [row for row in book["Trend"].iter_rows(values_only=True)]
    assert trend[0] == ("Day", "Cases received", "Response rate", "Resolution rate", "Satisfaction rate")
    assert ("2025-09-15", 1, 1.0, None, None) in trend


@pytest.mark.django_db
def test_the_unfinished_day_is_marked_not_drawn_as_a_drop(world, signed_in, new_case):
    """This month so far (the default period) with one case received now: today's point says "so far" and
    is a dashed series of its own, with no value in the plain series."""
    new_case(at=timezone.now() - timedelta(minutes=1))
    html = signed_in(world.users.leader).get("/dashboard/").content.decode()
    today = timezone.localdate().strftime("%m-%d")
    assert f"<td>{today} (so far)</td>" in section(html, "trend")
    chart = json.loads(re.search(r'id="trend-data" type="application/json">(.*?)</script>', html).group(1))
    plain, so_far = chart["series"]
    assert plain["values"][-1] is None and so_far["values"][-1] == 1 and so_far["dash"] is True
    assert chart["labels"][-1] == f"{today} (so far)"


@pytest.mark.django_db
def test_in_chinese_legends_dates_and_places_read_as_words(world, signed_in, new_case):
    """The page in Chinese: the figures' date with "数据截至", the chart legends in Chinese, places by
    name, and a supervision row of 2025 with its year (this year's would show month and day only)."""
    u = world.users
    case = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=world.units.chengguan, at=MONDAY)
    services.urge_case(case=case, actor=u.dispatcher, message="请尽快处理噪声问题", at=MONDAY)
    client = signed_in(world.users.leader, language="zh-hans")
    html = client.get("/dashboard/", {**SEPTEMBER, "region": world.tree["comm_a"].code}).content.decode()
    assert re.search(r'id="as-of">数据截至 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d<', html)
    assert "永安里社区 · 2025-09-01 – 2025-09-30" in html
    trend = json.loads(re.search(r'id="trend-data" type="application/json">(.*?)</script>', html).group(1))
    rates = json.loads(re.search(r'id="rates-data" type="application/json">(.*?)</script>', html).group(1))
    assert trend["x_label"] == "日期" and trend["series"][0]["label"] == "受理工单数"
    assert [s["label"] for s in rates["series"]] == ["响应率", "解决率", "满意率"]
    recent = section(html, "supervision-recent")
    assert "2025-09-15 10:00" in recent
    assert "“当前超期”统计永安里社区内所有正在计时的工单" in html
    book = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx", {**SEPTEMBER,
                                                                          "region": world.tree["comm_a"].code}).content))
    summary = book.worksheets[0]
    assert summary["F1"].value == "永安里社区" and summary["G1"].value.startswith("数据截至 ")
    intake = [row for row in book.worksheets[[s.title for s in book.worksheets].index("按地点受理")]
              .iter_rows(values_only=True)]
    assert intake[0][:3] == ("网格", "工单", "环境保护") and intake[1][:3] == ("永安里第一网格", 1, 1)

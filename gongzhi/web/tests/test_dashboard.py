"""The leader dashboard: counts from the same selectors as the case list (every
number clicks through to its cases), trend, category mix, density, XLSX export."""

import io
import re

import pytest
from openpyxl import load_workbook

from gongzhi.cases.models import CaseState

PERIOD = {"start": "2025-09-01", "end": "2025-09-30"}


def tile(html, key):
    match = re.search(rf'href="([^"]+)" data-tile="{key}">(\d+)<', html)
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


@pytest.mark.django_db
def test_counts_click_through_to_the_same_cases(world, signed_in, new_case, case_in):
    new_case()
    case_in(CaseState.CLOSED)
    case_in(CaseState.DISPATCHED)
    client = signed_in(world.users.leader)
    html = client.get("/dashboard/", PERIOD).content.decode()
    for key, expected in [("received", 3), ("closed", 1), ("open", 2), ("overdue", 1)]:
        url, value = tile(html, key)
        assert value == expected, key
        assert client.get(url).content.decode().count("data-case=") == expected, key
    assert "环境保护" in html  # the category mix by top-level category
    assert '"count": 3' in html  # the density of grid A1
    assert "2025-09" in html


@pytest.mark.django_db
def test_bad_period_shows_the_error_and_keeps_the_dates(world, signed_in):
    html = signed_in(world.users.leader).get("/dashboard/", {"start": "2025-09-30", "end": "2025-09-01"}
                                             ).content.decode()
    assert "The end of the period is before its start." in html and 'value="2025-09-30"' in html


@pytest.mark.django_db
def test_export_has_what_is_shown(world, signed_in, case_in):
    case_in(CaseState.CLOSED)
    response = signed_in(world.users.leader).get("/dashboard/export.xlsx", PERIOD)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert re.fullmatch(r"Figures as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", book["Summary"]["G1"].value)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Received"] == 1 and summary["Closed"] == 1
    assert [row for row in book["Categories"].iter_rows(min_row=2, values_only=True)] == [("环境保护", 1, 1.0)]


@pytest.mark.django_db
def test_dashboard_is_scoped_to_the_leaders_area(world, signed_in, new_case, make_user):
    from gongzhi.accounts.roles import Role
    from .conftest import POINT_B1

    new_case(point=POINT_B1)
    community_leader = make_user("comm_a_leader", Role.LEADER, region=world.tree["comm_a"])
    html = signed_in(community_leader).get("/dashboard/", PERIOD).content.decode()
    assert tile(html, "received")[1] == 0
    assert tile(signed_in(world.users.leader).get("/dashboard/", PERIOD).content.decode(), "received")[1] == 1


@pytest.mark.django_db
def test_rates_and_rankings_equal_the_api(world, signed_in, case_in):
    case_in(CaseState.CLOSED)
    client = signed_in(world.users.admin)  # sees every unit, the district's departments too
    html = client.get("/dashboard/", PERIOD).content.decode()
    api = client.get("/api/v1/cases/metrics", {"start": PERIOD["start"], "end": PERIOD["end"], "by": "unit"}).json()
    row = next(r for r in api["rows"] if r["key"] == "U-CG")
    section = html[html.index('id="by-unit"'):html.index('id="by-region"')]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", section[section.index("朝阳区城管执法局") - 200:])
    assert "朝阳区城管执法局" in cells[1]
    assert cells[2] == str(row["dispatched"])
    assert cells[3] == f'{row["response_rate"] * 100:.1f}%'
    assert cells[5] == f'{row["resolution_rate"] * 100:.1f}%'
    assert cells[7] == f'{row["score"]:.1f}'
    regions = client.get("/api/v1/cases/metrics", {"start": PERIOD["start"], "end": PERIOD["end"],
                                                   "by": "region"}).json()
    score = regions["total"]["score"]
    assert re.search(rf'data-rate="score">{score:.1f}<', html)
    assert 'id="ranking"' in html and "2025-09" in html


@pytest.mark.django_db
def test_every_change_shows_at_once_unless_work_streams_in(world, signed_in, new_case, monkeypatch):
    """A quiet office sees each new case on the next load; in a busy stream of work (at least
    BUSY_EVENTS events since the last build) a build a few seconds old is shown, saying when it is of."""
    from gongzhi.web import dashboard_data

    client = signed_in(world.users.leader)

    def received():
        html = client.get("/dashboard/", PERIOD).content.decode()
        assert re.search(r'id="as-of">Figures as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d<', html)
        return tile(html, "received")[1]

    new_case()
    assert received() == 1
    new_case()
    assert received() == 2  # one change: not a busy stream, shown at once
    monkeypatch.setattr(dashboard_data, "BUSY_EVENTS", 2)
    monkeypatch.setattr(dashboard_data, "COALESCE_SECONDS", 3600)  # "within seconds", however slow the machine
    new_case()
    new_case()
    assert received() == 2  # two events within seconds of the last build: the same figures
    monkeypatch.setattr(dashboard_data, "COALESCE_SECONDS", 0)
    assert received() == 4  # older than the window: built again

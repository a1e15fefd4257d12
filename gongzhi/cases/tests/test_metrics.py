"""The three rates, the composite score and rankings: a hand-computed month, reproducibility, scoping, API, XLSX."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from gongzhi.accounts.roles import Role
from gongzhi.cases import metrics, services
from gongzhi.cases.models import CaseEvent, Rollup

from .conftest import POINT_A1, POINT_B1, local

SEPTEMBER = metrics.Period.month("2025-09")
OCTOBER = metrics.Period.month("2025-10")
MON_0915 = local(2025, 9, 15, 10, 0)  # response due (4 working hours) at 15:30


@pytest.fixture(autouse=True)
def rank_single_cases(settings):
    """These tests rank units of one case or two; the minimum for a rank is tested on its own (test_ranking_floor)."""
    settings.METRICS_RANKING_MIN_CASES = 1


def figures(report):
    return {row.key: (row.dispatched, row.responded, row.called_back, row.solved, row.satisfied,
                      row.basically_satisfied, row.unsatisfied) for row in report.rows}


@pytest.fixture
def month(world, new_case):
    """A September of the 城管 (U-CG) and 水务 (U-WATER) units, computed by hand in the docstring of each test.

    Dispatched to 城管 with deadlines in September: A, B, C, D, F, G (6).
      A acknowledged on time; B late (16:00 > 15:30); C on time; D returned, never acknowledged by 城管;
      F on time; G (29 Sep) not acknowledged in September (acknowledged late in October): 3 of 6.
    D re-dispatched to 水务, acknowledged on time: 水务 1 of 1.
    Callbacks in September, all for 城管: A solved/satisfied, B solved/basically, C unsolved/unsatisfied (reopens),
      C again solved/basically: 4 called back, 3 solved, 1 + 2 × 0.8 satisfied. C's reopening (18 Sep 11:00, a
      new response deadline at 16:30) and its acknowledgement in time (12:00) count in neither term of the
      response rate: a reopening is not a dispatch (else 城管 would be 3 of 7 or 4 of 6).
    In October: E dispatched 30 Sep 16:00 with its deadline after the National Day holiday, acknowledged on
      time on 9 Oct; F's callback on 10 Oct.
    """
    u, units = world.users, world.units

    def dispatch(at, unit=units.chengguan, point=POINT_A1):
        case = new_case(point=point, at=at - timedelta(hours=1))
        return services.dispatch_case(case=case, actor=u.dispatcher, unit=unit, at=at)

    def close(case, at, clerk=u.cg_clerk, verdicts=((True, "satisfied"),)):
        for solved, satisfaction in verdicts:
            if case.state == "dispatched":  # reopened: the unit acknowledges it again first
                case = services.acknowledge_case(case=case, actor=clerk, at=at)
            case = services.reply_case(case=case, actor=clerk, content="已处理。", at=at)
            at += timedelta(hours=1)
            case = services.record_callback(case=case, actor=u.dispatcher, solved=solved,
                                            satisfaction=satisfaction, at=at)
            at += timedelta(hours=1)
        return case

    a = services.acknowledge_case(case=dispatch(MON_0915), actor=u.cg_clerk, at=local(2025, 9, 15, 11, 0))
    b = services.acknowledge_case(case=dispatch(MON_0915), actor=u.cg_clerk, at=local(2025, 9, 15, 16, 0))
    c = services.acknowledge_case(case=dispatch(MON_0915), actor=u.cg_clerk, at=local(2025, 9, 15, 10, 30))
    d = services.return_case(case=dispatch(MON_0915, point=POINT_B1), actor=u.cg_clerk, reason="不属于本单位职责",
                             at=local(2025, 9, 15, 10, 30))
    d = services.dispatch_case(case=d, actor=u.dispatcher, unit=units.water, at=local(2025, 9, 15, 11, 0))
    services.acknowledge_case(case=d, actor=u.water_clerk, at=local(2025, 9, 15, 11, 30))
    close(a, local(2025, 9, 16, 10, 0))
    close(b, local(2025, 9, 17, 10, 0), verdicts=((True, "basically_satisfied"),))
    close(c, local(2025, 9, 18, 10, 0), verdicts=((False, "unsatisfied"), (True, "basically_satisfied")))
    g = dispatch(local(2025, 9, 29, 10, 0))
    f = services.acknowledge_case(case=dispatch(local(2025, 9, 22, 10, 0)), actor=u.cg_clerk,
                                  at=local(2025, 9, 22, 10, 5))
    f = services.reply_case(case=f, actor=u.cg_clerk, content="已处理。", at=local(2025, 9, 23, 10, 0))
    e = dispatch(local(2025, 9, 30, 16, 0))

    def october():
        services.acknowledge_case(case=g, actor=u.cg_clerk, at=local(2025, 10, 9, 9, 30))
        services.acknowledge_case(case=e, actor=u.cg_clerk, at=local(2025, 10, 9, 10, 0))
        services.record_callback(case=f, actor=u.dispatcher, solved=False, satisfaction="unsatisfied",
                                 at=local(2025, 10, 10, 10, 0))

    return october


@pytest.mark.django_db
def test_every_rate_and_the_composite_on_a_hand_computed_month(world, month, settings):
    settings.CASE_SATISFACTION_PARTIAL_WEIGHT = 0.8
    settings.CASE_SCORE_WEIGHTS = {"response": 10, "resolution": 45, "satisfaction": 45}
    report = metrics.by_unit(world.users.admin, SEPTEMBER)
    cg, water = report.rows[1], report.rows[0]
    assert (cg.key, water.key) == ("U-CG", "U-WATER")
    assert figures(report) == {"U-CG": (6, 3, 4, 3, 1, 2, 1), "U-WATER": (1, 1, 0, 0, 0, 0, 0)}
    assert cg.response_rate == pytest.approx(3 / 6)
    assert cg.resolution_rate == pytest.approx(3 / 4)
    assert cg.satisfaction_rate == pytest.approx((1 + 0.8 * 2) / 4)  # 0.65
    assert cg.score == pytest.approx(10 * 0.5 + 45 * 0.75 + 45 * 0.65)  # 68.0
    # 水务 has no callback yet: scored on its response rate alone.
    assert water.resolution_rate is None and water.score == pytest.approx(100.0)
    assert (water.rank, cg.rank) == (1, 2)
    assert report.total.dispatched == 7 and report.total.responded == 4

    # The weights and the weight of 基本满意 are settings.
    settings.CASE_SATISFACTION_PARTIAL_WEIGHT = 0.5
    settings.CASE_SCORE_WEIGHTS = {"response": 0, "resolution": 1, "satisfaction": 1}
    cg = next(r for r in metrics.by_unit(world.users.admin, SEPTEMBER).rows if r.key == "U-CG")
    assert cg.satisfaction_rate == pytest.approx(2 / 4)
    assert cg.score == pytest.approx(100 * (0.75 + 0.5) / 2)


@pytest.mark.django_db
def test_a_past_month_is_the_same_after_later_events(world, month):
    before = metrics.by_unit(world.users.admin, SEPTEMBER)
    before_regions = metrics.by_region(world.users.admin, SEPTEMBER, region=world.tree["street"].code)
    events = CaseEvent.objects.count()
    month()  # October: G acknowledged (late), E acknowledged, F's callback
    assert CaseEvent.objects.count() == events + 3
    after = metrics.by_unit(world.users.admin, SEPTEMBER)
    assert [r.as_dict() for r in after.rows] == [r.as_dict() for r in before.rows]
    after_regions = metrics.by_region(world.users.admin, SEPTEMBER, region=world.tree["street"].code)
    assert [r.as_dict() for r in after_regions.rows] == [r.as_dict() for r in before_regions.rows]
    # October has what happened in October: E's deadline fell after the holiday and was met; F was called back.
    assert figures(metrics.by_unit(world.users.admin, OCTOBER)) == {"U-CG": (1, 1, 1, 0, 0, 0, 1)}


@pytest.mark.django_db
def test_the_current_period_counts_only_deadlines_already_passed(world, month):
    # On 15 Sep at 14:00 the 15:30 deadlines have not passed: nothing is due yet, the callbacks are later.
    report = metrics.by_unit(world.users.admin, SEPTEMBER, now=local(2025, 9, 15, 14, 0))
    assert report.rows == []
    report = metrics.by_unit(world.users.admin, SEPTEMBER, now=local(2025, 9, 16, 12, 0))
    assert figures(report)["U-CG"][:3] == (4, 2, 1)  # A, B, C, D due on the 15th; A's callback


@pytest.mark.django_db
def test_regions_group_cases_by_place_whatever_unit_handled_them(world, month):
    report = metrics.by_region(world.users.admin, SEPTEMBER, region=world.tree["street"].code)
    assert figures(report) == {
        world.tree["comm_a"].code: (5, 3, 4, 3, 1, 2, 1),
        world.tree["comm_b"].code: (2, 1, 0, 0, 0, 0, 0),  # D: 城管 (returned), then 水务 (on time)
    }
    assert {r.name for r in report.rows} == {"永安里社区", "光华里社区"}
    top = metrics.by_region(world.users.admin, SEPTEMBER)
    assert [r.key for r in top.rows] == ["110105000000"] and top.rows[0].dispatched == 7


@pytest.mark.django_db
def test_scoping_a_leader_sees_the_units_and_regions_of_their_area(world, month, make_user):
    u = world.users
    case = services.dispatch_case(case=services.create_case(
        actor=u.resident, channel="web", category="0204", title="垃圾", description="垃圾未清运。", lon=POINT_A1[0],
        lat=POINT_A1[1], at=MON_0915), actor=u.dispatcher, unit=world.units.comm_a, at=MON_0915)
    services.acknowledge_case(case=case, actor=u.comm_a_staff, at=MON_0915 + timedelta(minutes=30))

    street_leader = u.leader
    assert set(figures(metrics.by_unit(street_leader, SEPTEMBER))) == {"U-YAL"}
    district_leader = make_user("district_leader", Role.LEADER, region=world.tree["district"])
    assert set(figures(metrics.by_unit(district_leader, SEPTEMBER))) == {"U-YAL", "U-CG", "U-WATER"}
    assert set(figures(metrics.by_unit(u.cg_clerk, SEPTEMBER))) == {"U-CG"}
    # By region: the street leader's own area by default; the district is outside it.
    rows = figures(metrics.by_region(street_leader, SEPTEMBER))
    assert set(rows) == {world.tree["comm_a"].code, world.tree["comm_b"].code}
    with pytest.raises(PermissionDenied):
        metrics.by_region(street_leader, SEPTEMBER, region=world.tree["district"].code)
    with pytest.raises(PermissionDenied):
        metrics.by_region(u.cg_clerk, SEPTEMBER)  # a department clerk has units, not an area
    for nobody in (u.resident, u.grid_a1):
        with pytest.raises(PermissionDenied):
            metrics.by_unit(nobody, SEPTEMBER)


@pytest.mark.django_db
def test_periods():
    assert metrics.Period.month("2025-02").end == local(2025, 3, 1)
    assert metrics.Period.between(date(2025, 9, 1), date(2025, 9, 1)).end == local(2025, 9, 2)
    for bad in ("2025-13", "2025", "abc", "1850-01", "2025-1-1", ""):
        with pytest.raises(ValidationError):
            metrics.Period.month(bad)
    with pytest.raises(ValidationError):
        metrics.Period.between(date(2025, 9, 2), date(2025, 9, 1))


# --- API and XLSX -------------------------------------------------------------------

URL = "/api/v1/cases/metrics"


@pytest.mark.django_db
def test_the_api_and_the_xlsx_ranking(client, world, month):
    client.force_login(world.users.admin)
    body = client.get(URL, {"month": "2025-09"}).json()
    assert body["period"]["label"] == "2025-09" and body["by"] == "unit"
    assert [(r["key"], r["rank"]) for r in body["rows"]] == [("U-WATER", 1), ("U-CG", 2)]
    cg = body["rows"][1]
    assert cg["response_rate"] == pytest.approx(0.5) and cg["score"] == pytest.approx(68.0)
    body = client.get(URL, {"start": "2025-09-15", "end": "2025-09-15", "by": "region",
                            "region": world.tree["street"].code}).json()
    assert {r["key"] for r in body["rows"]} == {world.tree["comm_a"].code, world.tree["comm_b"].code}
    ranking = client.get(f"{URL}/ranking", {"month": "2025-09"}).json()
    assert [r["key"] for r in ranking["rows"]] == ["U-WATER", "U-CG"]

    response = client.get(f"{URL}/ranking.xlsx", {"month": "2025-09"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('ranking-unit-2025-09.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    data = [row for row in values if row and row[1] in ("U-CG", "U-WATER")]
    assert [(row[0], row[1], row[3], row[4]) for row in data] == [(1, "U-WATER", 1, 1), (2, "U-CG", 6, 3)]
    assert data[1][5] == pytest.approx(0.5) and data[1][13] == pytest.approx(68.0)


@pytest.mark.django_db
def test_ranking_floor(client, world, month, settings):
    """September: 城管 rests on 6 dispatches (4 callbacks), 水务 on 1. With a minimum of 2 cases 水务's 100 %
    is no first place: 城管 is ranked 1 and 水务 listed apart without a rank, in the API and its XLSX."""
    settings.METRICS_RANKING_MIN_CASES = 2
    report = metrics.ranking(world.users.admin, "2025-09")
    assert [(r.key, r.rank, r.ranked) for r in report.rows] == [("U-CG", 1, True), ("U-WATER", None, False)]
    settings.METRICS_RANKING_MIN_CASES = 7  # 城管's larger denominator is 6: nobody is ranked
    assert [r.rank for r in metrics.ranking(world.users.admin, "2025-09").rows] == [None, None]
    settings.METRICS_RANKING_MIN_CASES = 2
    client.force_login(world.users.admin)
    body = client.get(f"{URL}/ranking", {"month": "2025-09"}).json()
    assert body["min_cases"] == 2
    assert [(r["key"], r["rank"], r["ranked"]) for r in body["rows"]] == [("U-CG", 1, True), ("U-WATER", None, False)]
    sheet = load_workbook(io.BytesIO(client.get(f"{URL}/ranking.xlsx", {"month": "2025-09"}).content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    keys = [row[1] if row else None for row in values]
    note = next(i for i, row in enumerate(values) if row[0] and str(row[0]).startswith("Fewer than 2 cases"))
    assert keys.index("U-CG") < note < keys.index("U-WATER") and values[keys.index("U-WATER")][0] is None


@pytest.mark.django_db
@pytest.mark.parametrize("params", [
    {"month": "2025-13"}, {"month": "soon"}, {"start": "2025-09-02", "end": "2025-09-01"}, {"start": "2025-09-01"},
    {"month": "2025-09", "start": "2025-09-01"}, {"month": "2025-09", "by": "colour"}, {"month": "2025-09",
                                                                                       "region": "999"},
    {"start": "1900-01-01", "end": "1900-01-02"}, {"start": "not-a-date", "end": "2025-09-01"}, {},
])
def test_bad_queries_are_422(client, world, params):
    client.force_login(world.users.admin)
    response = client.get(URL, params)
    assert response.status_code == 422, response.content


@pytest.mark.django_db
def test_the_api_is_scoped_and_gated(client, world, month):
    client.force_login(world.users.resident)
    assert client.get(URL, {"month": "2025-09"}).status_code == 403
    assert client.get(f"{URL}/ranking.xlsx", {"month": "2025-09"}).status_code == 403
    client.force_login(world.users.leader)
    assert client.get(URL, {"month": "2025-09"}).json()["rows"] == []  # 城管 and 水务 are not the street's units
    response = client.get(URL, {"month": "2025-09", "by": "region", "region": world.tree["district"].code})
    assert response.status_code == 403


@pytest.mark.django_db
def test_events_carry_the_counted_facts_and_old_events_are_backfilled(world, month):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    counted = CaseEvent.objects.filter(action__in=("dispatch", "acknowledge", "callback", "reopen"))
    facts = sorted(counted.values_list("id", "response_due", "on_time", "solved", "satisfaction"))
    assert all(row[1] is not None for row in facts if row[2] is not None)  # an acknowledgement has its deadline
    assert {row[4] for row in facts} == {"", "satisfied", "basically_satisfied", "unsatisfied"}
    with connection.cursor() as cursor:  # as events written before the columns existed
        cursor.execute("UPDATE cases_caseevent SET response_due = NULL, on_time = NULL, solved = NULL, "
                       "satisfaction = ''")
    assert metrics.by_unit(world.users.admin, SEPTEMBER).rows == []
    state = MigrationLoader(connection).project_state(("cases", "0004_event_figures"))
    importlib.import_module("gongzhi.cases.migrations.0004_event_figures").backfill(state.apps, None)
    assert sorted(counted.values_list("id", "response_due", "on_time", "solved", "satisfaction")) == facts
    # The backfill ran before the monthly rollup existed (a raw rewrite of events must rebuild it).
    Rollup.objects.all().delete()
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)


@pytest.mark.django_db
def test_a_reopening_and_its_acknowledgement_count_in_neither_term_of_the_response_rate(world, new_case):
    """November, 城管, by hand (response deadline: 4 working hours after dispatch or reopening).

    X dispatched Mon 3 Nov 10:00 (due 15:30), acknowledged 10:30 in time; replied; unsolved/unsatisfied on 4 Nov
      11:00: reopened (new deadline 16:30), acknowledged again late on 5 Nov 09:00; replied; solved/satisfied.
    Y dispatched 3 Nov 10:00, acknowledged late at 16:00.
    Z dispatched Thu 6 Nov 10:00, acknowledged late at 16:00; replied; unsolved/unsatisfied on 7 Nov 10:00:
      reopened (new deadline 15:30), acknowledged again in time at 10:30.
    Dispatched 3 (X, Y, Z), acknowledged in time 1 (X): 1/3. Counting the reopenings as dispatches would give
    2/5; counting the acknowledgements again without them 2/3. Called back 3 (X twice, Z), solved 1,
    satisfied 1, unsatisfied 2.
    """
    from gongzhi.cases import rollup

    u = world.users

    def dispatch(at):
        case = new_case(at=at - timedelta(hours=1))
        return services.dispatch_case(case=case, actor=u.dispatcher, unit=world.units.chengguan, at=at)

    def ack(case, at):
        return services.acknowledge_case(case=case, actor=u.cg_clerk, at=at)

    def rate(case, at, solved, satisfaction):
        case = services.reply_case(case=case, actor=u.cg_clerk, content="已处理。", at=at - timedelta(minutes=30))
        return services.record_callback(case=case, actor=u.dispatcher, solved=solved, satisfaction=satisfaction,
                                        at=at)

    x = ack(dispatch(local(2025, 11, 3, 10, 0)), local(2025, 11, 3, 10, 30))
    x = rate(x, local(2025, 11, 4, 11, 0), False, "unsatisfied")
    assert (x.state, x.response_due) == ("dispatched", local(2025, 11, 4, 16, 30))
    x = ack(x, local(2025, 11, 5, 9, 0))
    x = rate(x, local(2025, 11, 5, 11, 0), True, "satisfied")
    ack(dispatch(local(2025, 11, 3, 10, 0)), local(2025, 11, 3, 16, 0))
    z = ack(dispatch(local(2025, 11, 6, 10, 0)), local(2025, 11, 6, 16, 0))
    z = rate(z, local(2025, 11, 7, 10, 0), False, "unsatisfied")
    assert z.response_due == local(2025, 11, 7, 15, 30)
    z = ack(z, local(2025, 11, 7, 10, 30))

    november = metrics.Period.month("2025-11")
    report = metrics.by_unit(u.admin, november)
    assert figures(report) == {"U-CG": (3, 1, 3, 1, 1, 0, 2)}
    assert report.rows[0].response_rate == pytest.approx(1 / 3)
    # The rolled-up month is the live count, and later work changes nothing in it.
    rollup.refresh()
    assert Rollup.objects.filter(first_day=date(2025, 11, 1)).exists()
    live = list(rollup.live_rate_rows(november.start, november.end).values())
    assert figures(metrics.by_unit(u.admin, november, rows=live)) == figures(report)
    z = rate(z, local(2025, 12, 2, 10, 0), False, "unsatisfied")  # reopened a second time, in December
    ack(z, local(2025, 12, 2, 11, 0))
    assert figures(metrics.by_unit(u.admin, november)) == {"U-CG": (3, 1, 3, 1, 1, 0, 2)}
    assert figures(metrics.by_unit(u.admin, metrics.Period.month("2025-12"))) == {"U-CG": (0, 0, 1, 0, 0, 0, 1)}

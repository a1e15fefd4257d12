"""Each KPI on a hand-computed month; appeals as events; snapshots frozen; the two-way rating."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts.models import UnitKind
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services as cases
from gongzhi.cases.tests.conftest import POINT_A1, local
from gongzhi.registry.models import Household, HouseholdVisit

from gongzhi.assessment import scoring, selectors, services
from gongzhi.assessment.models import Appeal, AppealEvent, AppealState, KpiSet, Snapshot, SnapshotRow

pytestmark = pytest.mark.django_db

MON_0915 = local(2025, 9, 15, 10, 0)  # a dispatch then is due (4 working hours) at 15:30
SEPTEMBER = "2025-09"


@pytest.fixture
def september(world, new_case, settings):
    """城管 (CG) and 水务 (WATER) in September 2025, computed by hand:

    A → CG, acknowledged 11:00 (in time), called back solved / satisfied.
    B → CG, acknowledged 16:00 (late), called back solved / basically satisfied.
    C → WATER, acknowledged 10:30 (in time), called back unsolved / unsatisfied.
    CG: response 1/2, resolution 2/2, satisfaction (1 + 0.8)/2 = 0.9. WATER: 1/1, 0/1, 0/1.
    """
    settings.CASE_SATISFACTION_PARTIAL_WEIGHT = 0.8
    u, units = world.users, world.units

    def handled(unit, clerk, acknowledged, solved, satisfaction):
        case = new_case(point=POINT_A1, at=MON_0915 - timedelta(hours=1))
        case = cases.dispatch_case(case=case, actor=u.dispatcher, unit=unit, at=MON_0915)
        case = cases.acknowledge_case(case=case, actor=clerk, at=acknowledged)
        case = cases.reply_case(case=case, actor=clerk, content="已处理。", at=local(2025, 9, 16, 10, 0))
        return cases.record_callback(case=case, actor=u.dispatcher, solved=solved, satisfaction=satisfaction,
                                     at=local(2025, 9, 17, 10, 0))

    a = handled(units.chengguan, u.cg_clerk, local(2025, 9, 15, 11, 0), True, "satisfied")
    b = handled(units.chengguan, u.cg_clerk, local(2025, 9, 15, 16, 0), True, "basically_satisfied")
    c = handled(units.water, u.water_clerk, local(2025, 9, 15, 10, 30), False, "unsatisfied")
    return {"a": a, "b": b, "c": c}


def department_set(world, **extra):
    values = {"name": "区职能部门考核", "unit_kind": UnitKind.DEPARTMENT, "region": world.tree["district"],
              "valid_from": "2025-01",
              "kpis": [{"measure": "response_rate", "weight": 40}, {"measure": "resolution_rate", "weight": 30},
                       {"measure": "satisfaction_rate", "weight": 30}, {"measure": "service_rating", "weight": 20}],
              **extra}
    return services.create_kpi_set(actor=world.users.admin, **values)


def values(board, unit):
    row = board.row_of(unit.pk)
    return {key: (v.numerator, v.denominator) for key, v in row.values.items()}, row.score, row.rank


def test_the_three_rates_and_the_two_way_rating_on_a_hand_computed_month(world, september):
    kpi_set = department_set(world)
    u, units = world.users, world.units
    board = selectors.scoreboard(u.admin, kpi_set, SEPTEMBER)
    assert [c.measure for c in board.columns] == ["response_rate", "resolution_rate", "satisfaction_rate",
                                                  "service_rating"]
    assert all(c.formula for c in board.columns)  # the formula is shown beside the score
    cg, cg_score, _rank = values(board, units.chengguan)
    assert cg["response_rate"] == (1, 2) and cg["resolution_rate"] == (2, 2)
    assert cg["satisfaction_rate"] == (pytest.approx(1.8), 2) and cg["service_rating"] == (0, 0)
    assert cg_score == pytest.approx((40 * 0.5 + 30 * 1 + 30 * 0.9) / 100 * 100)  # 77.0, no rating: left out
    water, water_score, _rank = values(board, units.water)
    assert water["response_rate"] == (1, 1) and water["resolution_rate"] == (0, 1)
    assert water_score == pytest.approx(40.0)
    assert [row.unit.code for row in board.rows if row.ranked][:2] == ["U-CG", "U-WATER"]

    # 永安里 rates 城管, which handled its cases in September: 5 + 4 + 3 = 12 of 15 stars.
    services.rate_department(actor=u.comm_a_staff, department=units.chengguan, month=SEPTEMBER, report_in=5,
                             quality=4, returns=3, comment="报到及时")
    board = selectors.scoreboard(u.admin, kpi_set, SEPTEMBER)
    cg, cg_score, rank = values(board, units.chengguan)
    assert cg["service_rating"] == (12, 15)
    assert cg_score == pytest.approx((20 + 30 + 27 + 20 * 0.8) / 120 * 100)  # 77.5
    assert rank == 1
    # Water handled no case of 光华里 (B) … nor is a rating of a non-department allowed; bad stars refused.
    with pytest.raises(ValidationError) as exc:
        services.rate_department(actor=u.comm_a_staff, department=units.comm_b, month=SEPTEMBER, report_in=6,
                                 quality=0, returns="x")
    assert set(exc.value.message_dict) == {"department", "report_in", "quality", "returns"}
    with pytest.raises(PermissionDenied):
        services.rate_department(actor=u.cg_clerk, department=units.water, month=SEPTEMBER, report_in=5,
                                 quality=5, returns=5)
    # Rating again changes the rating; there is still one.
    services.rate_department(actor=u.comm_a_staff, department=units.chengguan, month=SEPTEMBER, report_in=5,
                             quality=5, returns=5)
    assert values(selectors.scoreboard(u.admin, kpi_set, SEPTEMBER), units.chengguan)[0]["service_rating"] == (15, 15)
    assert AuditEvent.objects.filter(action="assessment.rating.change").count() == 1


def test_an_upheld_appeal_takes_the_case_out_and_is_reproducible_from_the_events(world, september):
    kpi_set = department_set(world)
    u, units = world.users, world.units
    before = scoring.compute(kpi_set, scoring.parse_month(SEPTEMBER))
    appeal = services.file_appeal(actor=u.cg_clerk, case=september["b"], month=SEPTEMBER,
                                  reason="居民电话无法接通，签收延误非本单位原因")
    with pytest.raises(ValidationError):  # once per case, unit and month
        services.file_appeal(actor=u.cg_clerk2, case=september["b"], month=SEPTEMBER, reason="再次申诉")
    with pytest.raises(PermissionDenied):  # only for one's own unit
        services.file_appeal(actor=u.water_clerk, case=september["b"], month=SEPTEMBER, reason="代为申诉",
                             unit=units.chengguan)
    with pytest.raises(ValidationError) as exc:
        services.file_appeal(actor=u.water_clerk, case=september["a"], month="2025-13", reason=" ")
    assert set(exc.value.message_dict) == {"reason", "month"}
    filed = scoring.compute(kpi_set, scoring.parse_month(SEPTEMBER))
    assert values(filed, units.chengguan) == values(before, units.chengguan)  # filed changes nothing

    with pytest.raises(PermissionDenied):
        services.decide_appeal(actor=u.comm_a_staff, appeal=appeal, uphold=True, reason="同意")
    with pytest.raises(ValidationError):
        services.decide_appeal(actor=u.leader, appeal=appeal, uphold=True, reason="")
    services.decide_appeal(actor=u.leader, appeal=appeal, uphold=True, reason="核实属实，不计入")
    with pytest.raises(ValidationError):
        services.decide_appeal(actor=u.leader, appeal=appeal, uphold=False, reason="改判")
    assert [e.state for e in AppealEvent.objects.filter(appeal=appeal)] == ["filed", "upheld"]

    after = scoring.compute(kpi_set, scoring.parse_month(SEPTEMBER))
    cg, score, _rank = values(after, units.chengguan)
    assert cg["response_rate"] == (1, 1) and cg["resolution_rate"] == (1, 1) and cg["satisfaction_rate"] == (1, 1)
    assert score == pytest.approx(100.0)
    assert after.exclusions == {(september["b"].pk, units.chengguan.pk)}
    # As of a moment before the decision, the figures are those of then.
    decided_at = AppealEvent.objects.get(appeal=appeal, state=AppealState.UPHELD).at
    then = scoring.compute(kpi_set, scoring.parse_month(SEPTEMBER), as_of=decided_at - timedelta(microseconds=1))
    assert values(then, units.chengguan) == values(before, units.chengguan)
    # The appeal is seen by the assessor and the unit, not by another community.
    assert appeal in selectors.appeals(u.leader) and appeal in selectors.appeals(u.cg_clerk)
    assert not selectors.appeals(u.water_clerk).exists()


def test_a_snapshot_never_changes_and_a_recomputation_shows_its_difference(world, september):
    kpi_set = department_set(world)
    u, units = world.users, world.units
    with pytest.raises(ValidationError):
        services.freeze_month(actor=u.admin, kpi_set=kpi_set, month="2099-01")  # not ended
    with pytest.raises(PermissionDenied):
        services.freeze_month(actor=u.comm_a_staff, kpi_set=kpi_set, month=SEPTEMBER)
    snapshot = services.freeze_month(actor=u.admin, kpi_set=kpi_set, month=SEPTEMBER)
    with pytest.raises(ValidationError):
        services.freeze_month(actor=u.admin, kpi_set=kpi_set, month=SEPTEMBER)
    assert Snapshot.objects.count() == 1
    total = snapshot.rows.get(unit=units.chengguan, measure="")
    assert total.value == pytest.approx(77.0) and total.rank == 1
    assert selectors.difference(u.admin, snapshot) == []

    appeal = services.file_appeal(actor=u.cg_clerk, case=september["b"], month=SEPTEMBER, reason="非本单位原因")
    services.decide_appeal(actor=u.leader, appeal=appeal, uphold=True, reason="属实")
    rows = list(SnapshotRow.objects.filter(snapshot=snapshot).values_list("unit_id", "measure", "numerator",
                                                                          "denominator", "value", "rank"))
    changes = {(c["unit"].code, c["measure"]): c for c in selectors.difference(u.admin, snapshot)}
    assert set(changes) == {("U-CG", "response_rate"), ("U-CG", "resolution_rate"), ("U-CG", "satisfaction_rate"),
                            ("U-CG", "")}
    assert changes[("U-CG", "response_rate")]["frozen"]["denominator"] == 2
    assert changes[("U-CG", "response_rate")]["now"]["denominator"] == 1
    assert changes[("U-CG", "")]["now"]["value"] == pytest.approx(100.0)
    # The snapshot itself is as it was, and refuses every change.
    assert rows == list(SnapshotRow.objects.filter(snapshot=snapshot).values_list(
        "unit_id", "measure", "numerator", "denominator", "value", "rank"))
    total.value = 100
    with pytest.raises(TypeError):
        total.save()
    with pytest.raises(TypeError):
        SnapshotRow.objects.filter(snapshot=snapshot).update(value=0)
    with pytest.raises(TypeError):
        snapshot.delete()
    with pytest.raises(TypeError):
        AppealEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action="assessment.snapshot.freeze").count() == 1


def test_dispatch_on_time_report_in_on_time_and_visit_coverage(world, new_case, settings, make_user):
    """Street office: cases 1 and 2 dispatched 1 h after intake, case 3 after 48 h, the two cases summoned
    below 5 min after intake; the deadline 24 h: 4/5.

    WATER summoned twice in September, reports in once in time: 1/2. 永安里 (A): 4 households,
    3 visited in September (one twice), one visit in August: 3/4; 光华里: 1 household, none: 0/1.
    """
    settings.CASE_DISPATCH_HOURS_NORMAL = 24
    u, units, tree = world.users, world.units, world.tree
    for hours in (1, 1, 48):
        case = new_case(at=MON_0915)
        assert case.category.dispatch_hours(case.urgency) == 24
        case = cases.dispatch_case(case=case, actor=u.dispatcher, unit=units.chengguan,
                                   at=MON_0915 + timedelta(hours=hours))
    summoned = []
    for _n in range(2):
        case = cases.dispatch_case(case=new_case(at=MON_0915), actor=u.dispatcher, unit=units.chengguan,
                                   at=MON_0915 + timedelta(minutes=5))
        case = cases.acknowledge_case(case=case, actor=u.cg_clerk, at=MON_0915 + timedelta(minutes=10))
        summoned.append(cases.whistle_case(case=case, actor=u.dispatcher, units=[units.water],
                                           report_within_hours=2, at=MON_0915 + timedelta(minutes=20)))
    cases.report_in(case=summoned[0], actor=u.water_clerk, at=MON_0915 + timedelta(hours=1))

    grid_a1, grid_a2, grid_b1 = tree["grid_a1"], tree["grid_a2"], tree["grid_b1"]
    homes = [Household.objects.create(grid=grid) for grid in (grid_a1, grid_a1, grid_a2, grid_a2, grid_b1)]
    for home, at in ((homes[0], local(2025, 9, 3, 10)), (homes[0], local(2025, 9, 20, 10)),
                     (homes[1], local(2025, 9, 4, 10)), (homes[2], local(2025, 9, 30, 23)),
                     (homes[3], local(2025, 8, 31, 23)), (homes[4], local(2025, 10, 1, 0))):
        HouseholdVisit.objects.create(grid=home.grid, household=home, visitor=u.grid_a1, visited_at=at)

    street = services.create_kpi_set(actor=u.admin, name="街道考核", unit_kind=UnitKind.SUBDISTRICT_OFFICE,
                                     region=tree["district"], valid_from="2025-09",
                                     kpis=[("dispatch_on_time", 1)])
    board = scoring.compute(street, scoring.parse_month(SEPTEMBER))
    assert values(board, units.street)[0] == {"dispatch_on_time": (4, 5)}
    departments = services.create_kpi_set(actor=u.admin, name="部门报到", unit_kind=UnitKind.DEPARTMENT,
                                          region=tree["district"], valid_from="2025-09",
                                          kpis=[("report_in_on_time", 1)])
    board = scoring.compute(departments, scoring.parse_month(SEPTEMBER))
    assert values(board, units.water)[0] == {"report_in_on_time": (1, 2)}
    assert values(board, units.chengguan)[0] == {"report_in_on_time": (0, 0)}
    communities = services.create_kpi_set(actor=u.admin, name="社区走访", unit_kind=UnitKind.COMMUNITY_COMMITTEE,
                                          region=tree["street"], valid_from="2025-09",
                                          kpis=[("visit_coverage", 1)])
    board = scoring.compute(communities, scoring.parse_month(SEPTEMBER))
    assert values(board, units.comm_a)[0] == {"visit_coverage": (3, 4)}
    assert values(board, units.comm_b)[0] == {"visit_coverage": (0, 1)}
    assert [row.unit.code for row in board.rows] == ["U-YAL", "U-GHL"]


def test_kpi_sets_validate_and_are_scoped(world):
    u, tree = world.users, world.tree
    with pytest.raises(ValidationError) as exc:
        services.create_kpi_set(actor=u.admin, name="", unit_kind="nobody", region="999", valid_from="2025",
                                valid_until="", kpis=[("no_such_measure", 1), ("response_rate", -1)])
    assert set(exc.value.message_dict) == {"name", "unit_kind", "region", "valid_from", "kpis"}
    with pytest.raises(ValidationError) as exc:
        services.create_kpi_set(actor=u.admin, name="x", unit_kind=UnitKind.DEPARTMENT, region=tree["district"],
                                valid_from="2025-09", valid_until="2025-08", kpis=[("response_rate", 0)])
    assert set(exc.value.message_dict) == {"valid_until", "kpis"}
    with pytest.raises(PermissionDenied):
        services.create_kpi_set(actor=u.comm_a_staff, name="x", unit_kind=UnitKind.DEPARTMENT,
                                region=tree["district"], valid_from="2025-09", kpis=[("response_rate", 1)])
    with pytest.raises(PermissionDenied):  # a leader of the street, not of the district
        services.create_kpi_set(actor=u.leader, name="x", unit_kind=UnitKind.DEPARTMENT,
                                region=tree["district"], valid_from="2025-09", kpis=[("response_rate", 1)])
    assert not KpiSet.objects.exists()
    communities = services.create_kpi_set(actor=u.leader, name="社区考核", unit_kind=UnitKind.COMMUNITY_COMMITTEE,
                                          region=tree["street"], valid_from="2025-09",
                                          kpis=[("response_rate", 1)])
    departments = department_set(world)
    assert set(selectors.kpi_sets(u.leader)) == {communities}
    assert set(selectors.kpi_sets(u.cg_clerk)) == {departments}  # the set that assesses its unit
    assert set(selectors.kpi_sets(u.comm_a_staff)) == {communities}
    board = selectors.scoreboard(u.cg_clerk, departments, SEPTEMBER)
    assert [row.unit.code for row in board.rows] == ["U-CG"]  # its own row only
    with pytest.raises(PermissionDenied):
        selectors.kpi_sets(u.resident)
    services.change_kpis(actor=u.leader, kpi_set=communities, kpis=[("response_rate", 2), ("visit_coverage", 1)])
    assert [(k.measure, float(k.weight)) for k in communities.kpis.all()] == [("response_rate", 2.0),
                                                                              ("visit_coverage", 1.0)]
    assert Appeal.objects.count() == 0

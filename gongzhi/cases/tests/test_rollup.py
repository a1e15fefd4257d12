"""The rollup of closed months and days: kept by the worker, equal to the live count, late events never lost,
and never written by a read."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from gongzhi.accounts.roles import Role
from gongzhi.cases import metrics, rollup, selectors, services
from gongzhi.cases.models import Category, Rollup, RollupIntake, RollupRates, Span

from .conftest import POINT_A1, POINT_B1, local
from .test_metrics import SEPTEMBER, figures, month  # noqa: F401  (the hand-computed September)


def as_set(rows):
    return {(r["unit_id"], r["region_code"], r["category_id"], *(r[name] for name in rollup.COUNTS))
            for r in rows if any(r[name] for name in rollup.COUNTS)}


def rollup_tables():
    """Everything the rollup holds, to show that a read changed none of it."""
    return (sorted(Rollup.objects.values_list("pk", "span", "first_day", "event_id", "case_id")),
            sorted(RollupRates.objects.values_list("pk", "rollup_id", "unit_id", "region_code", "category_id",
                                                   *rollup.COUNTS)),
            sorted(RollupIntake.objects.values_list("pk", "rollup_id", "region_code", "category_id", "received")))


@pytest.mark.django_db
def test_a_rolled_up_month_equals_the_live_count(world, month):
    month()  # and October
    rollup.refresh()  # the worker's job
    for period in (SEPTEMBER, metrics.Period.month("2025-10"),
                   # a period of partial days, whole days and a whole month
                   metrics.Period(local(2025, 8, 30, 10, 0), local(2025, 10, 9, 9, 45), "odd")):
        rolled = rollup.rate_rows(period.start, period.end)
        live = rollup.live_rate_rows(period.start, period.end).values()
        assert as_set(rolled) == as_set(live), period.label
    assert Rollup.objects.filter(span=Span.MONTH, first_day=SEPTEMBER.start.date()).exists()
    # The worker keeps the days of this month and the last only: the whole days of the odd period were
    # counted live, and not written by the read.
    assert not Rollup.objects.filter(span=Span.DAY, first_day=local(2025, 10, 8).date()).exists()
    assert RollupRates.objects.exists()
    # ... and gives the hand-computed figures (recomputing a past month gives the same figures).
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)
    call_command("rollup", "--rebuild", stdout=io.StringIO())
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)


@pytest.mark.django_db
def test_a_late_event_dated_in_a_rolled_up_month_is_counted(world, month, new_case):
    rollup.refresh()
    before = figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"]
    header = Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date())
    # Written now, dated in September: a dispatch due in September, then an on-time acknowledgement.
    at = local(2025, 9, 24, 10, 0)
    case = services.dispatch_case(case=new_case(at=at - timedelta(hours=1)), actor=world.users.dispatcher,
                                  unit=world.units.chengguan, at=at)
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][:2] == (before[0] + 1, before[1])
    services.acknowledge_case(case=case, actor=world.users.cg_clerk, at=at + timedelta(minutes=30))
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][:2] == (before[0] + 1, before[1] + 1)
    # Counted live until the worker comes: the read recomputed nothing.
    assert Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date()).event_id == header.event_id
    rollup.refresh()
    assert Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date()).event_id > header.event_id
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][:2] == (before[0] + 1, before[1] + 1)
    # The trend counts the case received late too.
    assert rollup.received_by_month(world.users.admin, [SEPTEMBER.start.date()]) == {
        SEPTEMBER.start.date(): selectors.list_cases(world.users.admin, selectors.CaseFilters(
            created_from=SEPTEMBER.start.date(), created_to=local(2025, 9, 30).date())).count()}


@pytest.mark.django_db
def test_received_by_month_is_the_case_list_count_for_every_kind_of_actor(world, new_case, make_user):
    september = SEPTEMBER.start.date()
    new_case(at=local(2025, 9, 10, 9, 0))
    led_elsewhere = new_case(point=POINT_B1, at=local(2025, 9, 11, 9, 0))
    services.dispatch_case(case=led_elsewhere, actor=world.users.dispatcher, unit=world.units.chengguan,
                           at=local(2025, 9, 11, 10, 0))
    new_case(point=POINT_A1, at=local(2025, 10, 2, 9, 0))
    # Area A only, but of the 城管 unit: sees the B1 case through its unit.
    mixed = make_user("mixed", Role.LEADER, region=world.tree["comm_a"], unit=world.units.chengguan)
    department = make_user("dept", Role.DEPARTMENT, unit=world.units.chengguan)
    actors = [world.users.admin, world.users.leader, mixed, department, world.users.resident]
    months = [september, rollup.next_month(september)]
    for actor in actors:
        for region in ("", world.tree["comm_a"].prefix):
            expected = {m: selectors.list_cases(actor, selectors.CaseFilters(
                created_from=m, created_to=rollup.next_month(m) - timedelta(days=1),
                region=region and world.tree["comm_a"].code)).count() for m in months}
            assert rollup.received_by_month(actor, months, within=region) == expected, (actor, region)
    assert rollup.received_by_month(mixed, months)[september] == 2  # one in its area, one through its unit


@pytest.mark.django_db
def test_the_command_computes_what_is_missing_and_moves_forward(world, month, new_case):
    call_command("rollup", stdout=io.StringIO())
    months = Rollup.objects.filter(span=Span.MONTH).count()
    assert months >= 2  # September 2025 and every month since
    first = rollup.refresh()
    assert first["computed"] == 0
    new_case()  # received MONDAY (a September day): that month's intake is stale until refreshed
    september = Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date())
    stale, _ = rollup.stale([september])
    assert stale == {(Span.MONTH, SEPTEMBER.start.date())}
    rollup.refresh()
    assert rollup.stale(list(Rollup.objects.all()))[0] == set()


@pytest.mark.django_db
def test_todays_work_makes_no_span_stale_and_is_counted_for_moving_forward(world, month, new_case):
    """Work dated today never touches a closed span; the check still counts it, to move the headers forward."""
    from django.utils import timezone

    rollup.refresh()
    headers = list(Rollup.objects.all())
    now = timezone.now()
    case = new_case(at=now)
    services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.chengguan, at=now)
    outdated, seen = rollup.stale(headers)
    assert outdated == set() and seen == 2  # the intake and the dispatch
    rollup.advance()
    assert rollup.stale(list(Rollup.objects.all())) == (set(), 0)


@pytest.mark.django_db
def test_reads_never_write_the_rollup(world, month, new_case):
    """Dashboards, rankings and the trend read the rollup and count the rest live; only the worker writes."""
    september = SEPTEMBER.start.date()
    october = rollup.next_month(september)
    # Nothing rolled up yet: the figures are the live ones, and reading them leaves the rollup empty.
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)
    assert rollup.received_by_month(world.users.admin, [september, october])[september] > 0
    assert not Rollup.objects.exists()
    rollup.refresh()
    held = rollup_tables()
    # A late event makes September stale: reads count it live and still write nothing.
    at = local(2025, 9, 24, 10, 0)
    services.dispatch_case(case=new_case(at=at - timedelta(hours=1)), actor=world.users.dispatcher,
                           unit=world.units.chengguan, at=at)
    for _read in range(2):
        assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][0] == 7
        metrics.by_region(world.users.admin, SEPTEMBER)
        metrics.by_category(world.users.admin, SEPTEMBER)
        metrics.ranking(world.users.admin, "2025-09", by="category")
        rollup.received_by_month(world.users.leader, [september, october])
    assert rollup_tables() == held


@pytest.mark.django_db
def test_figures_by_category_from_the_rollup_equal_the_live_ones(world, month):
    month()  # and October
    live = metrics.by_category(world.users.admin, SEPTEMBER,
                               rows=list(rollup.live_rate_rows(SEPTEMBER.start, SEPTEMBER.end).values()))
    rollup.refresh()
    rolled = metrics.by_category(world.users.admin, SEPTEMBER)
    assert RollupRates.objects.filter(category__isnull=False).exists()
    assert figures(rolled) == figures(live) and figures(rolled)
    # Every case filed under a category counts for its top-level category, and the rows add up to the total.
    assert {row.key for row in rolled.rows} <= set(Category.objects.filter(parent=None).values_list("code", flat=True))
    assert sum(row.dispatched for row in rolled.rows) == rolled.total.dispatched == metrics.by_unit(
        world.users.admin, SEPTEMBER).total.dispatched
    # The trend of one category: the case list's count, from the rollup.
    september = SEPTEMBER.start.date()
    for category in Category.objects.all():
        expected = selectors.list_cases(world.users.admin, selectors.CaseFilters(
            created_from=september, created_to=rollup.next_month(september) - timedelta(days=1))).filter(
            category=category).count()
        assert rollup.received_by_month(world.users.admin, [september], categories=[category.pk]) == {
            september: expected}, category.code

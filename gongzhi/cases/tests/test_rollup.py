"""The rollup of closed months and days: equal to the live count, late events never lost, kept by a command."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from gongzhi.accounts.roles import Role
from gongzhi.cases import metrics, rollup, selectors, services
from gongzhi.cases.models import Rollup, RollupRates, Span

from .conftest import POINT_A1, POINT_B1, local
from .test_metrics import SEPTEMBER, figures, month  # noqa: F401  (the hand-computed September)


def as_set(rows):
    return {(r["unit_id"], r["region_code"], *(r[name] for name in rollup.COUNTS)) for r in rows if any(
        r[name] for name in rollup.COUNTS)}


@pytest.mark.django_db
def test_a_rolled_up_month_equals_the_live_count(world, month):
    month()  # and October
    for period in (SEPTEMBER, metrics.Period.month("2025-10"),
                   # a period of partial days, whole days and a whole month
                   metrics.Period(local(2025, 8, 30, 10, 0), local(2025, 10, 9, 9, 45), "odd")):
        rolled = rollup.rate_rows(period.start, period.end)
        live = rollup.live_rate_rows(period.start, period.end).values()
        assert as_set(rolled) == as_set(live), period.label
    assert Rollup.objects.filter(span=Span.MONTH, first_day=SEPTEMBER.start.date()).exists()
    assert Rollup.objects.filter(span=Span.DAY, first_day=local(2025, 10, 8).date()).exists()
    assert RollupRates.objects.exists()
    # ... and gives the hand-computed figures (recomputing a past month gives the same figures).
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)
    call_command("rollup", "--rebuild", stdout=io.StringIO())
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"] == (6, 3, 4, 3, 1, 2, 1)


@pytest.mark.django_db
def test_a_late_event_dated_in_a_rolled_up_month_is_counted(world, month, new_case):
    before = figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"]
    header = Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date())
    # Written now, dated in September: a dispatch due in September, then an on-time acknowledgement.
    at = local(2025, 9, 24, 10, 0)
    case = services.dispatch_case(case=new_case(at=at - timedelta(hours=1)), actor=world.users.dispatcher,
                                  unit=world.units.chengguan, at=at)
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][:2] == (before[0] + 1, before[1])
    services.acknowledge_case(case=case, actor=world.users.cg_clerk, at=at + timedelta(minutes=30))
    assert figures(metrics.by_unit(world.users.admin, SEPTEMBER))["U-CG"][:2] == (before[0] + 1, before[1] + 1)
    assert Rollup.objects.get(span=Span.MONTH, first_day=SEPTEMBER.start.date()).event_id > header.event_id
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

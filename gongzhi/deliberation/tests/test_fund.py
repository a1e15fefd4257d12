"""The community fund: projects with costs, a ballot of min–max picks, winners funded in order of votes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import FundBallot, FundProjectState, FundState, Project
from gongzhi.noticeboard.models import Notice


@pytest.fixture
def fund(staff, tree):
    return services.create_fund(actor=staff["community_a"], region=tree["comm_a"], title="2027年社区微基金",
                                period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 12, 31),
                                budget="100000", min_picks=1, max_picks=2)


def test_a_fund_is_checked_when_created(staff, tree):
    with pytest.raises(ValidationError) as caught:
        services.create_fund(actor=staff["community_a"], region=tree["comm_a"], title="基金",
                             period_start=dt.date(2027, 2, 1), period_end=dt.date(2027, 1, 1), budget="-5",
                             min_picks=3, max_picks=2)
    assert {"period_end", "max_picks", "budget"} <= set(caught.value.message_dict)


def test_residents_pick_between_the_minimum_and_the_maximum_and_winners_are_funded_by_votes(staff, tree, fund,
                                                                                             resident):
    voters = [resident() for _ in range(5)]
    author = voters[0][0]
    garden = services.propose_fund_project(actor=author, fund=fund, title="口袋花园", body="改造空地", cost="60000")
    benches = services.propose_fund_project(actor=author, fund=fund, title="休闲座椅", body="20把", cost="50000")
    library = services.propose_fund_project(actor=author, fund=fund, title="共享书屋", body="楼道书架", cost="30000")
    with pytest.raises(ValidationError, match="within the fund's budget"):
        services.propose_fund_project(actor=author, fund=fund, title="新建会所", body="太贵", cost="200000")
    for project in (garden, benches, library):
        services.decide_fund_project(actor=staff["community_a"], project=project, admit=True)
    now = timezone.now()
    with pytest.raises(ValidationError, match="not open"):
        services.cast_budget_ballot(actor=author, fund=fund, picks=[garden])
    fund = services.open_fund_voting(actor=staff["community_a"], fund=fund, opens_at=now - dt.timedelta(minutes=1),
                                     closes_at=now + dt.timedelta(days=7))
    with pytest.raises(ValidationError, match="at most 2 projects: 3 picked"):
        services.cast_budget_ballot(actor=author, fund=fund, picks=[garden, benches, library])
    with pytest.raises(ValidationError, match="at least 1"):
        services.cast_budget_ballot(actor=author, fund=fund, picks=[])
    assert not FundBallot.objects.exists()
    picks = [[garden, benches], [garden, library], [benches, library], [garden], [benches]]
    for (user, _person), chosen in zip(voters, picks):
        services.cast_budget_ballot(actor=user, fund=fund, picks=chosen)
    with pytest.raises(ValidationError, match="already voted"):
        services.cast_budget_ballot(actor=author, fund=fund, picks=[library])
    outsider, _p = resident(tree["grid_b1"])
    with pytest.raises(PermissionDenied, match="Only adult residents"):
        services.cast_budget_ballot(actor=outsider, fund=fund, picks=[library])
    with pytest.raises(ValidationError, match="still open"):
        services.close_fund(actor=staff["community_a"], fund=fund)
    result = services.close_fund(actor=staff["community_a"], fund=fund, at=now + dt.timedelta(days=8))
    # garden 3 votes (60k) funded, benches 3 votes (50k: cheaper, so first) funded, library 2 votes (30k): 100k
    # budget left 0 after garden+benches? 50k + 60k = 110k > 100k: benches first (cheaper tie), garden no longer fits.
    assert [(r.key, r.votes, r.funded) for r in result] == [
        (benches.pk, 3, True), (garden.pk, 3, False), (library.pk, 2, True)]
    benches.refresh_from_db()
    assert benches.state == FundProjectState.FUNDED
    assert Project.objects.filter(fund_project__in=[benches, library]).count() == 2
    fund.refresh_from_db()
    assert fund.state == FundState.CLOSED and fund.ballot_count == 5
    assert Notice.objects.filter(title__contains="2027年社区微基金").exists()
    spending = Project.objects.get(fund_project=library)
    services.record_expense(actor=staff["community_a"], project=spending, amount=Decimal("12000"), note="书架",
                            spent_on=timezone.localdate())
    spending.refresh_from_db()
    assert spending.spent == Decimal("12000")

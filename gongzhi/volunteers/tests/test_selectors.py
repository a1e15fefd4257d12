"""Reads: the yearly statement from the lines, figures by community and month, scoped lists, the shop."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.volunteers import ledger, selectors
from gongzhi.volunteers.models import Currency, Reward, Transfer
from gongzhi.volunteers.services import shop

H, P = Currency.HOURS, Currency.POINTS


@pytest.mark.django_db
def test_the_statement_of_a_year_runs_from_the_opening_to_the_closing_balance(world):
    staff = world.users.staff_a
    year = timezone.localdate().year
    old = ledger.credit(actor=staff, volunteer=world.mother, currency=H, amount=60).transfer
    Transfer.objects.filter(pk=old.pk).update(created_at=timezone.now().replace(year=year - 1))
    ledger.credit(actor=staff, volunteer=world.mother, currency=H, amount=120, memo="敬老院陪护")
    ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=30, key="stmt-0001")
    ledger.award_points(actor=staff, volunteer=world.mother, points=8, reason="拾金不昧")
    result = selectors.statement(world.mother, year)
    assert result.opening == {H: 60, P: 0}
    assert result.closing == {H: 150, P: 8}
    assert [(r.amount, r.balance) for r in result.rows[H]] == [(120, 180), (-30, 150)]
    assert result.rows[H][0].amount_text == "+2" and result.rows[H][1].amount_text == "−0.5"
    assert result.totals[H] == {"earn": 120, "spend": -30}


@pytest.mark.django_db
def test_figures_count_hours_and_points_by_community_and_month_in_the_area(world):
    staff = world.users.staff_a
    ledger.credit(actor=staff, volunteer=world.mother, currency=H, amount=120)
    ledger.correct(actor=staff, volunteer=world.mother, currency=H, delta=-20, reason="核对")
    ledger.award_points(actor=staff, volunteer=world.mother, points=8, reason="拾金不昧")
    ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=30, key="fig-00001")
    ledger.credit(actor=world.users.staff_b, volunteer=world.other, currency=H, amount=60)
    today = timezone.localdate()
    rows = selectors.figures(world.users.leader, start=today.replace(day=1), end=today)
    by_community = {r.community: r for r in rows}
    a = by_community[world.tree["comm_a"].code]
    assert (a.hours_earned, a.points_earned, a.hours_spent) == (100, 8, 30)
    assert a.community_name == "永安里社区"
    assert by_community[world.tree["comm_b"].code].hours_earned == 60
    mine = selectors.figures(staff, start=today.replace(day=1), end=today)
    assert {r.community for r in mine} == {world.tree["comm_a"].code}


@pytest.mark.django_db
def test_the_shop_shows_what_is_on_offer_in_the_volunteers_community(world):
    staff = world.users.staff_a
    soap = shop.create_reward(actor=staff, region=world.tree["comm_a"], title="肥皂", currency=P, price=10, stock=3)
    gone = shop.create_reward(actor=staff, region=world.tree["comm_a"], title="大米", currency=P, price=20, stock=0)
    shop.create_reward(actor=world.users.staff_b, region=world.tree["comm_b"], title="鸡蛋", currency=P, price=5)
    assert list(selectors.rewards_for_volunteer(world.mother)) == [soap]
    shop.change_reward(actor=staff, reward=soap, active=False)
    assert list(selectors.rewards_for_volunteer(world.mother)) == []
    assert set(selectors.rewards_for(staff)) == {soap, gone}
    assert Reward.objects.count() == 3

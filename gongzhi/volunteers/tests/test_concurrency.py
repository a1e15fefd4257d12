"""Two (or eight) spends of the last hour at the same instant on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from gongzhi.volunteers import ledger
from gongzhi.volunteers.models import Account, Currency, Reward, Transfer, TransferKind

H = Currency.HOURS
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(calls):
    """Run each zero-argument call at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            translation.activate("en")  # a thread starts with no language of its own
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except ValidationError as exc:
            outcomes[index] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcomes[index] = repr(exc)
        finally:
            translation.deactivate()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_eight_spends_of_the_last_hour_exactly_one_wins(world):
    ledger.credit(actor=world.users.staff_a, volunteer=world.mother, currency=H, amount=60)
    outcomes = race([
        (lambda n=n: ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=60,
                                  key=f"last-hour-{n:03d}"))
        for n in range(8)
    ])
    won = [o for o in outcomes if isinstance(o, ledger.Posted)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1 and len(refused) == 7, outcomes
    assert all("Not enough" in str(o) for o in refused), refused
    assert Account.objects.get(volunteer=world.mother, currency=H).balance == 0
    assert Transfer.objects.filter(kind=TransferKind.SPEND).count() == 1
    assert ledger.verify_ledger() == []


def test_the_same_key_sent_eight_times_at_once_spends_once(world):
    ledger.credit(actor=world.users.staff_a, volunteer=world.mother, currency=H, amount=600)
    outcomes = race([
        (lambda: ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=60,
                              key="double-tap-key"))
        for _n in range(8)
    ])
    assert all(isinstance(o, ledger.Posted) for o in outcomes), outcomes
    assert sum(o.created for o in outcomes) == 1
    assert len({o.transfer.pk for o in outcomes}) == 1
    assert Account.objects.get(volunteer=world.mother, currency=H).balance == 540
    assert ledger.verify_ledger() == []


def test_gifts_both_ways_at_once_neither_deadlock_nor_lose_an_hour(world):
    for volunteer in (world.mother, world.son):
        ledger.credit(actor=world.users.staff_a, volunteer=volunteer, currency=H, amount=600)
    calls = []
    for n in range(8):
        giver, receiver, user = ((world.mother, world.son, world.users.mother) if n % 2
                                 else (world.son, world.mother, world.users.son))
        calls.append(lambda g=giver, r=receiver, u=user, n=n: ledger.gift(
            actor=u, giver=g, receiver=r, currency=H, amount=10 + n, key=f"both-ways-{n:03d}"))
    outcomes = race(calls)
    assert all(isinstance(o, ledger.Posted) for o in outcomes), outcomes
    total = sum(Account.objects.filter(volunteer__in=[world.mother, world.son], currency=H)
                .values_list("balance", flat=True))
    assert total == 1200
    assert ledger.verify_ledger() == []


def test_the_last_reward_in_stock_goes_to_one_of_two_volunteers(world):
    reward = Reward.objects.create(region=world.tree["comm_a"], title="体检券", currency=H, price=30, stock=1)
    for volunteer in (world.mother, world.son, world.neighbour):
        ledger.credit(actor=world.users.staff_a, volunteer=volunteer, currency=H, amount=60)
    outcomes = race([
        (lambda v=v, u=u: ledger.redeem(actor=u, volunteer=v, reward=reward, key="stock-race-1"))
        for v, u in ((world.mother, world.users.mother), (world.son, world.users.son),
                     (world.neighbour, world.users.neighbour))
    ])
    assert sum(isinstance(o, ledger.Posted) for o in outcomes) == 1, outcomes
    assert sum("out of stock" in str(o) for o in outcomes if isinstance(o, ValidationError)) == 2
    reward.refresh_from_db()
    assert reward.stock == 0
    assert ledger.verify_ledger() == []


def test_the_last_place_goes_to_one_and_the_others_wait(world):
    import datetime as dt

    from django.utils import timezone

    from gongzhi.volunteers.models import SignUpState
    from gongzhi.volunteers.services import activities

    start = timezone.now() + dt.timedelta(days=1)
    activity = activities.create_activity(actor=world.users.staff_a, region=world.tree["comm_a"], title="义诊",
                                          place="社区卫生站", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                                          slots=1, publish=True)
    outcomes = race([
        (lambda u=u: activities.sign_up(actor=u, activity=activity))
        for u in (world.users.mother, world.users.son, world.users.neighbour)
    ])
    states = sorted(o.state for o in outcomes)
    assert states == [SignUpState.CONFIRMED, SignUpState.WAITLISTED, SignUpState.WAITLISTED], outcomes

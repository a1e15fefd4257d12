"""The time-bank ledger: lines sum to zero, balances come from lines, no overdraft, idempotent keys."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings, strategies as st

from gongzhi.audit.models import AuditEvent
from gongzhi.volunteers import ledger
from gongzhi.volunteers.models import Account, Currency, Line, Reward, Transfer, TransferKind, VolunteerStatus

H, P = Currency.HOURS, Currency.POINTS


def balance(volunteer, currency=H):
    account = Account.objects.filter(volunteer=volunteer, currency=currency).first()
    return 0 if account is None else account.balance


def earn(world, volunteer, minutes, currency=H):
    return ledger.credit(actor=world.users.staff_a, volunteer=volunteer, currency=currency, amount=minutes)


def assert_sound():
    assert ledger.verify_ledger() == []
    for transfer_id, total in Line.objects.values("transfer_id").annotate(t=Sum("amount")).values_list(
            "transfer_id", "t"):
        assert total == 0, transfer_id
    for account in Account.objects.filter(kind="member"):
        assert account.balance == ledger.balance_from_lines(account) >= 0


@pytest.mark.django_db
def test_credit_then_spend_moves_lines_that_sum_to_zero(world):
    earn(world, world.mother, 120)
    posted = ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=90,
                          key="tap-0001-aaaa", memo="上门理发")
    assert posted.created
    assert balance(world.mother) == 30
    assert sorted(posted.transfer.lines.values_list("amount", flat=True)) == [-90, 90]
    assert AuditEvent.objects.filter(action="volunteers.ledger.spend", object_id=str(posted.transfer.pk)).exists()
    assert_sound()


@pytest.mark.django_db
def test_spending_more_than_the_balance_is_refused_and_changes_nothing(world):
    earn(world, world.mother, 60)
    before = (Transfer.objects.count(), Line.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=61, key="tap-0002-aaaa")
    assert "Not enough Service hours: 王妈妈 has 1, this needs 1.02" in str(caught.value)
    assert (Transfer.objects.count(), Line.objects.count(), AuditEvent.objects.count()) == before
    assert balance(world.mother) == 60


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [0, -5, "x", 10**10])
def test_bad_amounts_are_refused(world, amount):
    earn(world, world.mother, 60)
    with pytest.raises(ValidationError) as caught:
        ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=amount, key="tap-0003-aaaa")
    assert "amount" in caught.value.message_dict
    assert balance(world.mother) == 60
    assert Transfer.objects.filter(kind=TransferKind.SPEND).count() == 0


@pytest.mark.django_db
def test_negative_hours_as_typed_are_refused():
    with pytest.raises(ValidationError, match="Hours cannot be negative"):
        ledger.parse_hours("-1")
    assert ledger.parse_hours("1.5") == 90


@pytest.mark.django_db
def test_the_same_key_again_repeats_nothing(world):
    earn(world, world.mother, 120)
    first = ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=60, key="same-key-01")
    again = ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=60, key="same-key-01")
    assert first.created and not again.created
    assert again.transfer.pk == first.transfer.pk
    assert balance(world.mother) == 60
    with pytest.raises(ValidationError, match="already used for a different transfer"):
        ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=30, key="same-key-01")
    assert balance(world.mother) == 60
    # The key belongs to the volunteer: another volunteer's same key is another spend.
    earn(world, world.son, 60)
    ledger.spend(actor=world.users.son, volunteer=world.son, currency=H, amount=60, key="same-key-01")
    assert balance(world.son) == 0
    assert_sound()


@pytest.mark.django_db
def test_a_key_must_be_given_and_well_formed(world):
    earn(world, world.mother, 60)
    for key in ("", "short", "has space in it", "x" * 65):
        with pytest.raises(ValidationError) as caught:
            ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=1, key=key)
        assert "key" in caught.value.message_dict


@pytest.mark.django_db
def test_only_the_volunteer_or_staff_of_the_area_may_spend(world):
    earn(world, world.mother, 60)
    with pytest.raises(PermissionDenied):
        ledger.spend(actor=world.users.son, volunteer=world.mother, currency=H, amount=10, key="not-mine-001")
    with pytest.raises(PermissionDenied):
        ledger.spend(actor=world.users.staff_b, volunteer=world.mother, currency=H, amount=10, key="not-mine-002")
    ledger.spend(actor=world.users.staff_a, volunteer=world.mother, currency=H, amount=10, key="desk-0001")
    assert balance(world.mother) == 50


@pytest.mark.django_db
def test_a_suspended_volunteer_cannot_spend(world):
    earn(world, world.mother, 60)
    world.mother.status = VolunteerStatus.SUSPENDED
    world.mother.save()
    with pytest.raises(ValidationError, match="not a verified volunteer"):
        ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=H, amount=10, key="susp-0001")


@pytest.mark.django_db
def test_a_reward_is_redeemed_at_its_price_and_its_stock_goes_down(world):
    reward = Reward.objects.create(region=world.tree["comm_a"], title="洗衣液", currency=P, price=50, stock=1)
    ledger.award_points(actor=world.users.staff_a, volunteer=world.mother, points=120, reason="拾金不昧")
    posted = ledger.redeem(actor=world.users.mother, volunteer=world.mother, reward=reward, key="shop-0001")
    assert posted.transfer.reward_id == reward.pk
    reward.refresh_from_db()
    assert reward.stock == 0
    assert balance(world.mother, P) == 70
    with pytest.raises(ValidationError, match="out of stock"):
        ledger.redeem(actor=world.users.mother, volunteer=world.mother, reward=reward, key="shop-0002")
    with pytest.raises(ValidationError, match="price of this reward"):
        ledger.spend(actor=world.users.mother, volunteer=world.mother, currency=P, amount=10, key="shop-0003",
                     reward=reward)
    other = Reward.objects.create(region=world.tree["comm_b"], title="大米", currency=P, price=10)
    with pytest.raises(ValidationError, match="another community"):
        ledger.redeem(actor=world.users.mother, volunteer=world.mother, reward=other, key="shop-0004")
    assert balance(world.mother, P) == 70
    assert_sound()


@pytest.mark.django_db
def test_points_need_a_reason_and_staff(world):
    with pytest.raises(ValidationError, match="what the points are for"):
        ledger.award_points(actor=world.users.staff_a, volunteer=world.mother, points=5, reason=" ")
    with pytest.raises(PermissionDenied):
        ledger.award_points(actor=world.users.mother, volunteer=world.mother, points=5, reason="自己给自己")
    with pytest.raises(PermissionDenied):
        ledger.award_points(actor=world.users.staff_b, volunteer=world.mother, points=5, reason="别的社区")
    assert balance(world.mother, P) == 0


@pytest.mark.django_db
def test_hours_are_given_within_a_household_only(world, settings):
    earn(world, world.mother, 120)
    posted = ledger.gift(actor=world.users.mother, giver=world.mother, receiver=world.son, currency=H, amount=45,
                         key="gift-0001")
    assert posted.transfer.kind == TransferKind.GIFT
    assert (balance(world.mother), balance(world.son)) == (75, 45)
    with pytest.raises(ValidationError, match="not registered in the same household"):
        ledger.gift(actor=world.users.mother, giver=world.mother, receiver=world.neighbour, currency=H, amount=5,
                    key="gift-0002")
    with pytest.raises(ValidationError, match="Not enough"):
        ledger.gift(actor=world.users.mother, giver=world.mother, receiver=world.son, currency=H, amount=76,
                    key="gift-0003")
    with pytest.raises(ValidationError, match="cannot be given"):
        ledger.gift(actor=world.users.mother, giver=world.mother, receiver=world.son, currency=P, amount=1,
                    key="gift-0004")
    settings.VOLUNTEERS_FAMILY_GIFT_CURRENCIES = []
    with pytest.raises(ValidationError, match="cannot be given"):
        ledger.gift(actor=world.users.mother, giver=world.mother, receiver=world.son, currency=H, amount=1,
                    key="gift-0005")
    assert (balance(world.mother), balance(world.son)) == (75, 45)
    assert_sound()


@pytest.mark.django_db
def test_a_correction_needs_a_reason_and_never_overdraws(world):
    earn(world, world.mother, 60)
    with pytest.raises(ValidationError, match="reason"):
        ledger.correct(actor=world.users.staff_a, volunteer=world.mother, currency=H, delta=-10, reason="")
    with pytest.raises(ValidationError, match="Not enough"):
        ledger.correct(actor=world.users.staff_a, volunteer=world.mother, currency=H, delta=-61, reason="多记了")
    ledger.correct(actor=world.users.staff_a, volunteer=world.mother, currency=H, delta=-20, reason="多记了")
    assert balance(world.mother) == 40
    event = AuditEvent.objects.get(action="volunteers.ledger.correction")
    assert event.reason == "多记了" and event.changes["delta"] == -20
    assert_sound()


@pytest.mark.django_db
def test_the_check_finds_a_cached_balance_that_disagrees_with_the_lines(world):
    earn(world, world.mother, 60)
    Account.objects.filter(volunteer=world.mother).update(balance=59)
    problems = ledger.verify_ledger()
    assert len(problems) == 1 and "cached balance 59, lines say 60" in problems[0]


@pytest.mark.django_db
def test_the_database_refuses_a_negative_cached_balance(world):
    from django.db import IntegrityError

    earn(world, world.mother, 60)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(volunteer=world.mother).update(balance=-1)


# --- invariants under generated sequences ---------------------------------------------

_op = st.one_of(
    st.tuples(st.just("credit"), st.integers(0, 2), st.sampled_from([H, P]), st.integers(1, 200)),
    st.tuples(st.just("spend"), st.integers(0, 2), st.sampled_from([H, P]), st.integers(1, 200)),
    st.tuples(st.just("gift"), st.integers(0, 1), st.just(H), st.integers(1, 200)),
    st.tuples(st.just("correct"), st.integers(0, 2), st.sampled_from([H, P]), st.integers(-100, 100)),
    st.tuples(st.just("replay"), st.integers(0, 2), st.sampled_from([H, P]), st.integers(1, 200)),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_op, min_size=1, max_size=12))
def test_invariants_hold_under_any_sequence_of_credits_spends_gifts_and_corrections(world, ops):
    people = [world.mother, world.son, world.neighbour]
    users = [world.users.mother, world.users.son, world.users.neighbour]
    with transaction.atomic():
        expected = {(i, c): 0 for i in range(3) for c in (H, P)}
        for n, (op, who, currency, amount) in enumerate(ops):
            try:
                if op == "credit":
                    earn(world, people[who], amount, currency)
                    expected[who, currency] += amount
                elif op in ("spend", "replay"):
                    key = "fixed-key-0" if op == "replay" else f"seq-key-{n:04d}"
                    posted = ledger.spend(actor=users[who], volunteer=people[who], currency=currency,
                                          amount=amount, key=key)
                    if posted.created:
                        expected[who, currency] -= amount
                elif op == "gift":
                    ledger.gift(actor=users[who], giver=people[who], receiver=people[1 - who], currency=H,
                                amount=amount, key=f"seq-gift-{n:04d}")
                    expected[who, H] -= amount
                    expected[1 - who, H] += amount
                elif amount:
                    ledger.correct(actor=world.users.staff_a, volunteer=people[who], currency=currency,
                                   delta=amount, reason="核对")
                    expected[who, currency] += amount
            except ValidationError:
                pass  # refused: must have changed nothing, which the balances below prove
            for (i, c), value in expected.items():
                assert balance(people[i], c) == value
            assert_sound()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_command_and_the_periodic_job_report_a_breach(world):
    from django.core.management import CommandError, call_command

    from gongzhi.ops import schedule

    earn(world, world.mother, 60)
    call_command("check_ledger")
    assert schedule.run_job("check_ledger") == 0
    Account.objects.filter(volunteer=world.mother).update(balance=10)
    with pytest.raises(CommandError, match="1 problem"):
        call_command("check_ledger")
    assert schedule.run_job("check_ledger") == 1

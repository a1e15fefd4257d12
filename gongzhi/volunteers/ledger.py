"""THE writes of the time-bank ledger: credit, spend, gift, correct; and the check of its invariants.

Every posting goes through :func:`_post`, which writes one :class:`Transfer` and its lines (summing to
zero) and moves the cached balances of the member accounts it touches. The rules that make hours and
points impossible to spend twice:

* A member account's row is locked (``SELECT … FOR UPDATE``) before its balance is read, and stays
  locked until the transaction that adds the lines commits; two spends of the last hour queue on
  the row, and the second sees the balance the first left. Several member accounts (a gift) are
  locked in the order of their ids, so two opposite gifts cannot deadlock. On SQLite every write
  transaction takes the database's write lock at its start (``BEGIN IMMEDIATE``), which serialises
  them the same way.
* An overdraft is refused with a message before anything is written; the database refuses a negative
  cached balance as well (a check constraint), so a bug cannot slip past.
* A spend or gift carries the client's idempotency key: the same key again (a double tap, a retry
  after a lost answer) returns the first transfer and writes nothing; the same key for a different
  spend is refused. The key is looked up after the row lock is taken, so a retry racing its
  original sees it; a unique constraint stands behind the look-up.
* Balances are derived from the lines: ``balance`` on a member account is a cache written only here,
  under the lock, and :func:`verify_ledger` compares it with the lines (periodic job, command).

Amounts are integers in the currency's unit: minutes for hours, points for points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Subquery, Sum
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_in_scope

from .models import Account, AccountKind, Currency, Line, Reward, Transfer, TransferKind, Volunteer
from .models.ledger import KEY_MAX

MAX_AMOUNT = 10**9  # a sanity bound on one transfer (about 1.9 million years of hours)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,%d}$" % KEY_MAX)
MEMO_MAX = 200


# --- amounts ---------------------------------------------------------------------


def format_amount(currency: str, amount: int) -> str:
    """Minutes as hours with at most two decimals ("1.5"), points as they are."""
    if currency == Currency.HOURS:
        hours = amount / 60
        text = f"{hours:.2f}".rstrip("0").rstrip(".")
        return text or "0"
    return str(amount)


def parse_hours(value) -> int:
    """Hours as typed ("1.5", 2) in whole minutes; refuses what is not a non-negative number."""
    try:
        minutes = round(float(str(value).strip()) * 60)
    except (TypeError, ValueError):
        raise ValidationError({"hours": _("Give the hours as a number, e.g. 1.5.")}) from None
    if minutes < 0 or str(value).strip().startswith("-"):
        raise ValidationError({"hours": _("Hours cannot be negative.")})
    return minutes


def _amount(amount, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        try:
            amount = int(str(amount).strip())
        except (TypeError, ValueError):
            raise ValidationError({field: _("The amount must be a whole number.")}) from None
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _currency(currency) -> str:
    if currency not in Currency.values:
        raise ValidationError({"currency": _("Choose hours or points.")})
    return str(currency)


def _client_key(key) -> str:
    key = str(key or "").strip()
    if not KEY_PATTERN.match(key):
        raise ValidationError({"key": _("Give a request key of 8 to %(max)d letters, digits or . _ : -, new for "
                                        "every spend (the same key again repeats nothing).") % {"max": KEY_MAX}})
    return key


def _memo(memo) -> str:
    memo = str(memo or "").strip()
    if len(memo) > MEMO_MAX:
        raise ValidationError({"memo": _("The note is too long: at most %(max)d characters.") % {"max": MEMO_MAX}})
    return memo


# --- accounts --------------------------------------------------------------------


def system_account(kind: str, currency: str) -> Account:
    """The system's issuance or redemption account of a currency (created on first use)."""
    assert kind in (AccountKind.ISSUANCE, AccountKind.REDEMPTION)
    account = Account.objects.filter(kind=kind, currency=currency, volunteer=None).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, currency=currency)
    except IntegrityError:  # created meanwhile by another request
        return Account.objects.get(kind=kind, currency=currency, volunteer=None)


def member_account(volunteer: Volunteer, currency: str) -> Account:
    """The volunteer's account in ``currency`` (created on first use)."""
    account = Account.objects.filter(volunteer=volunteer, currency=currency).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(kind=AccountKind.MEMBER, currency=currency, volunteer=volunteer)
    except IntegrityError:
        return Account.objects.get(volunteer=volunteer, currency=currency)


def balance_from_lines(account: Account) -> int:
    """The balance as the ledger says it: the sum of the account's lines."""
    return Line.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0


# --- who may move whose hours ------------------------------------------------------


def _acting_for(actor, volunteer: Volunteer, staff_capability: str = "volunteers.manage") -> bool:
    """Allow the volunteer themself, or staff with ``staff_capability`` in the volunteer's area.

    Returns True when staff acts (for the audit trail)."""
    user = user_of(actor)
    if user is not None and volunteer.user_id == user.pk:
        require(actor, "volunteers.join")
        return False
    require(actor, staff_capability)
    ensure_in_scope(volunteer, actor)
    return True


def _require_verified(volunteer: Volunteer) -> None:
    if not volunteer.is_verified:
        raise ValidationError({"volunteer": _("%(name)s is not a verified volunteer.") % {"name": volunteer.name}})


# --- posting ---------------------------------------------------------------------


@dataclass
class Posted:
    """A transfer and whether this call wrote it (False: the same key was used before)."""

    transfer: Transfer
    created: bool


def _hold(volunteers: list[Volunteer], currency: str, system_kind: str | None = None):
    """Inside the caller's transaction: lock the accounts of ``volunteers`` in ``currency`` (in id order;
    any missing is opened first) and find the system account of ``system_kind`` in the same query.

    Returns ``({volunteer id: locked account}, {account id: locked account}, system account or None)``.
    One round trip to the database on the usual path: the lock is what every posting waits on."""
    ids = sorted({v.pk for v in volunteers})
    queryset = Account.objects.select_for_update().filter(volunteer_id__in=ids, currency=currency).order_by("pk")
    if system_kind:
        queryset = queryset.annotate(system_id=Subquery(
            Account.objects.filter(volunteer=None, kind=system_kind, currency=currency).values("pk")[:1]))
    for _attempt in range(2):
        rows = list(queryset.all())  # a fresh query each time (a queryset caches its rows)
        if len(rows) == len(ids) and (not system_kind or rows[0].system_id is not None):
            system = Account(pk=rows[0].system_id, kind=system_kind, currency=currency) if system_kind else None
            return {a.volunteer_id: a for a in rows}, {a.pk: a for a in rows}, system
        for volunteer in volunteers:
            member_account(volunteer, currency)
        if system_kind:
            system_account(system_kind, currency)
    raise AssertionError("the accounts of a posting could not be opened")


def _post(*, actor, kind: str, currency: str, legs: list[tuple[Account, int]], volunteer: Volunteer | None,
          key: str = "", memo: str = "", signup=None, reward=None, locked: dict[int, Account]) -> Transfer:
    """Write one transfer with its lines. Runs inside the caller's transaction, the member accounts of
    ``legs`` locked by the caller (``locked``, from :func:`_hold`); refuses an overdraft."""
    assert connection.in_atomic_block
    if sum(amount for _account, amount in legs) != 0 or any(amount == 0 for _a, amount in legs):
        raise AssertionError("a transfer's lines must be non-zero and sum to zero")
    if any(account.currency != currency for account, _amount in legs):
        raise AssertionError("every line of a transfer is in its currency")
    for account, amount in legs:
        if account.kind == AccountKind.MEMBER:
            fresh = locked[account.pk]
            if fresh.balance + amount < 0:
                owner = fresh.volunteer.name if fresh.volunteer_id else ""
                raise ValidationError({"amount": _(
                    "Not enough %(currency)s: %(name)s has %(balance)s, this needs %(amount)s.") % {
                    "currency": Currency(currency).label, "name": owner,
                    "balance": format_amount(currency, fresh.balance), "amount": format_amount(currency, -amount)}})
    total = sum(amount for _account, amount in legs if amount > 0)
    transfer = Transfer.objects.create(
        kind=kind, currency=currency, amount=total, volunteer=volunteer,
        region=volunteer.region if volunteer is not None else None, key=key, memo=memo,
        signup=signup, reward=reward, created_by=user_of(actor))
    Line.objects.bulk_create([Line(transfer=transfer, account=account, amount=amount) for account, amount in legs])
    for account, amount in legs:
        if account.kind == AccountKind.MEMBER:
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
            locked[account.pk].balance += amount
    return transfer


def _replay(key: str, *, kind, currency, amount, reward=None, to_volunteer=None) -> Posted | None:
    """The transfer already written with ``key``, if any; refuses the key used for something else."""
    existing = Transfer.objects.filter(key=key).first()
    if existing is None:
        return None
    same = (existing.kind == kind and existing.currency == currency and existing.amount == amount
            and existing.reward_id == (reward.pk if reward is not None else None))
    if same and to_volunteer is not None:
        same = existing.lines.filter(account__volunteer=to_volunteer, amount=amount).exists()
    if not same:
        raise ValidationError({"key": _("This request key was already used for a different transfer; "
                                        "use a new key for a new one.")})
    return Posted(existing, False)


def _audit(actor, transfer: Transfer, action: str, *, reason: str = "", **changes) -> None:
    record(actor=actor, action=action, obj=transfer, reason=reason,
           changes={"kind": transfer.kind, "currency": transfer.currency, "amount": transfer.amount,
                    "volunteer": transfer.volunteer_id, **changes})


def credit(*, actor, volunteer: Volunteer, currency: str, amount: int, kind: str = TransferKind.EARN,
           key: str = "", memo: str = "", signup=None, reason: str = "") -> Posted:
    """Issue hours or points to a volunteer (issuance account → member account).

    Called by the services that earn (check-out) and award; runs inside their transaction or its own.
    ``key`` (optional) makes it idempotent: an attendance is credited once.
    """
    currency, amount = _currency(currency), _amount(amount)
    memo = _memo(memo)
    with transaction.atomic():
        held, locked, issuance = _hold([volunteer], currency, AccountKind.ISSUANCE)
        account = held[volunteer.pk]
        if key:
            replayed = _replay(key, kind=kind, currency=currency, amount=amount)
            if replayed is not None:
                return replayed
        transfer = _post(actor=actor, kind=kind, currency=currency, legs=[(issuance, -amount), (account, amount)],
                         volunteer=volunteer, key=key, memo=memo, signup=signup, locked=locked)
        _audit(actor, transfer, f"volunteers.ledger.{kind}", reason=reason)
    return Posted(transfer, True)


def award_points(*, actor, volunteer: Volunteer, points, reason: str, key: str = "") -> Posted:
    """Award points for a good deed the community recognises (道德银行). Staff with ``volunteers.manage``."""
    require(actor, "volunteers.manage")
    ensure_in_scope(volunteer, actor)
    _require_verified(volunteer)
    reason = _memo(reason)
    if not reason:
        raise ValidationError({"reason": _("Say what the points are for.")})
    full_key = f"award:{volunteer.pk}:{_client_key(key)}" if key else ""
    return credit(actor=actor, volunteer=volunteer, currency=Currency.POINTS, amount=_amount(points, "points"),
                  kind=TransferKind.AWARD, key=full_key, memo=reason, reason=reason)


def spend(*, actor, volunteer: Volunteer, currency: str, amount, key: str, memo: str = "",
          reward: Reward | None = None) -> Posted:
    """Spend hours or points (member account → redemption account): redeem a service or a reward.

    The volunteer themself or staff with ``volunteers.manage`` in the area. Locks the account, refuses
    an overdraft, is idempotent by ``key``. With ``reward``, the price and currency are the reward's
    (``amount`` must match it) and its stock, if limited, goes down by one under the reward's lock.
    """
    staff = _acting_for(actor, volunteer)
    currency, amount = _currency(currency), _amount(amount)
    key, memo = f"spend:{volunteer.pk}:{_client_key(key)}", _memo(memo)
    with transaction.atomic():
        held, locked, redemption = _hold([volunteer], currency, AccountKind.REDEMPTION)
        account = held[volunteer.pk]
        replayed = _replay(key, kind=TransferKind.SPEND, currency=currency, amount=amount, reward=reward)
        if replayed is not None:
            return replayed
        _require_verified(volunteer)
        if reward is not None:
            # Locked after the account (always in this order): the stock cannot be oversold either.
            reward = Reward.objects.select_for_update().get(pk=reward.pk)
            _check_reward(reward, volunteer, currency, amount)
            memo = memo or reward.title
        transfer = _post(actor=actor, kind=TransferKind.SPEND, currency=currency,
                         legs=[(account, -amount), (redemption, amount)], volunteer=volunteer, key=key,
                         memo=memo, reward=reward, locked=locked)
        if reward is not None and reward.stock is not None:
            Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
        _audit(actor, transfer, "volunteers.ledger.spend", by_staff=staff,
               reward=reward.pk if reward is not None else None)
    return Posted(transfer, True)


def _check_reward(reward: Reward, volunteer: Volunteer, currency: str, amount: int) -> None:
    if not reward.active:
        raise ValidationError({"reward": _("This reward is no longer on offer.")})
    if reward.community_code != volunteer.community_code:
        raise ValidationError({"reward": _("This reward is offered in another community.")})
    if reward.currency != currency or reward.price != amount:
        raise ValidationError({"amount": _("The price of this reward is %(price)s %(currency)s.") % {
            "price": format_amount(reward.currency, reward.price), "currency": Currency(reward.currency).label}})
    if reward.stock is not None and reward.stock < 1:
        raise ValidationError({"reward": _("This reward is out of stock.")})


def redeem(*, actor, volunteer: Volunteer, reward: Reward, key: str) -> Posted:
    """Redeem one reward or service of the shop at its price."""
    return spend(actor=actor, volunteer=volunteer, currency=reward.currency, amount=reward.price, key=key,
                 reward=reward)


def family_of(volunteer: Volunteer) -> set[int]:
    """Ids of the registry persons in the volunteer's household (the volunteer's own included)."""
    from gongzhi.registry.models import HouseholdMember

    if volunteer.person_id is None:
        return set()
    household = HouseholdMember.objects.filter(person_id=volunteer.person_id).values("household_id")
    return set(HouseholdMember.objects.filter(household_id__in=household).values_list("person_id", flat=True))


def gift(*, actor, giver: Volunteer, receiver: Volunteer, currency: str, amount, key: str, memo: str = "") -> Posted:
    """Give hours (or points, where configured) to a member of one's household (家庭互助).

    Allowed when the currency is in ``VOLUNTEERS_FAMILY_GIFT_CURRENCIES`` and both are verified
    volunteers whose registry persons belong to one household. Locks both accounts (in id order).
    """
    staff = _acting_for(actor, giver)
    currency, amount = _currency(currency), _amount(amount)
    key, memo = f"gift:{giver.pk}:{_client_key(key)}", _memo(memo)
    if currency not in settings.VOLUNTEERS_FAMILY_GIFT_CURRENCIES:
        raise ValidationError({"currency": _("%(currency)s cannot be given to family members here.") % {
            "currency": Currency(currency).label}})
    if giver.pk == receiver.pk:
        raise ValidationError({"receiver": _("Choose a family member other than yourself.")})
    if receiver.person_id is None or receiver.person_id not in family_of(giver):
        raise ValidationError({"receiver": _("%(name)s is not registered in the same household.") % {
            "name": receiver.name}})
    with transaction.atomic():
        held, locked, _none = _hold([giver, receiver], currency)
        source, target = held[giver.pk], held[receiver.pk]
        replayed = _replay(key, kind=TransferKind.GIFT, currency=currency, amount=amount, to_volunteer=receiver)
        if replayed is not None:
            return replayed
        _require_verified(giver)
        _require_verified(receiver)
        transfer = _post(actor=actor, kind=TransferKind.GIFT, currency=currency,
                         legs=[(source, -amount), (target, amount)], volunteer=giver, key=key, memo=memo,
                         locked=locked)
        _audit(actor, transfer, "volunteers.ledger.gift", by_staff=staff, receiver=receiver.pk)
    return Posted(transfer, True)


def correct(*, actor, volunteer: Volunteer, currency: str, delta: int, reason: str, signup=None) -> Posted:
    """A staff correction of a volunteer's hours or points, up or down, with a reason (audited).

    A correction down never takes the balance below zero (what was spent stays spent)."""
    require(actor, "volunteers.manage")
    ensure_in_scope(volunteer, actor)
    currency = _currency(currency)
    reason = _memo(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    try:
        delta = int(delta)
    except (TypeError, ValueError):
        raise ValidationError({"amount": _("The amount must be a whole number.")}) from None
    if delta == 0 or abs(delta) > MAX_AMOUNT:
        raise ValidationError({"amount": _("A correction changes the balance by a non-zero amount.")})
    with transaction.atomic():
        held, locked, issuance = _hold([volunteer], currency, AccountKind.ISSUANCE)
        account = held[volunteer.pk]
        transfer = _post(actor=actor, kind=TransferKind.CORRECTION, currency=currency,
                         legs=[(issuance, -delta), (account, delta)], volunteer=volunteer, memo=reason,
                         signup=signup, locked=locked)
        _audit(actor, transfer, "volunteers.ledger.correction", reason=reason, delta=delta,
               signup=signup.pk if signup is not None else None)
    return Posted(transfer, True)


# --- the invariants ----------------------------------------------------------------


def verify_ledger() -> list[str]:
    """Every breach of the ledger's invariants, as sentences (empty: the ledger is sound).

    Each transfer's lines sum to zero and are in its currency; each member account's cached balance
    equals the sum of its lines and is not negative."""
    problems = []
    unbalanced = (Line.objects.values("transfer_id").annotate(total=Sum("amount")).exclude(total=0)
                  .values_list("transfer_id", "total")[:100])
    for transfer_id, total in unbalanced:
        problems.append(f"transfer {transfer_id}: lines sum to {total}, not 0")
    for line_id, transfer_id in (Line.objects.exclude(account__currency=F("transfer__currency"))
                                 .values_list("id", "transfer_id")[:100]):
        problems.append(f"line {line_id} of transfer {transfer_id}: another currency than its transfer")
    sums = dict(Line.objects.filter(account__kind=AccountKind.MEMBER).values("account_id")
                .annotate(total=Sum("amount")).values_list("account_id", "total"))
    for account_id, cached in Account.objects.filter(kind=AccountKind.MEMBER).values_list("id", "balance"):
        derived = sums.get(account_id, 0)
        if cached != derived:
            problems.append(f"account {account_id}: cached balance {cached}, lines say {derived}")
        if derived < 0:
            problems.append(f"account {account_id}: negative balance {derived}")
    return problems

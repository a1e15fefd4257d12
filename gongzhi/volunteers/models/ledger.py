"""The time bank's double-entry ledger: two currencies, accounts, transfers and their lines.

Every movement of hours or points is a :class:`Transfer` made of :class:`Line` rows, one per account
touched, whose amounts sum to zero: hours a volunteer earns come out of the system's issuance account,
hours spent go into the system's redemption account, a gift moves them from one member to another.
Amounts are integers in the currency's unit: minutes for hours, points for points.

A balance is the sum of an account's lines. A member's account also keeps that sum in ``balance``,
a cache written only in the transaction that adds the lines, while the account row is locked (see
``volunteers/ledger.py``), and checked against the lines by ``verify_ledger`` (periodic job and
``manage.py check_ledger``); the database refuses a negative cached balance. System accounts keep no
cache (their balance is derived only), so crediting hours never queues on one hot row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

from .people import InCommunity, Volunteer

KEY_MAX = 64


class Currency(models.TextChoices):
    HOURS = "hours", _("Service hours")
    POINTS = "points", _("Points")


class AccountKind(models.TextChoices):
    MEMBER = "member", _("Volunteer's account")
    ISSUANCE = "issuance", _("Issuance (system)")
    REDEMPTION = "redemption", _("Redemptions (system)")


SYSTEM_KINDS = (AccountKind.ISSUANCE, AccountKind.REDEMPTION)


class Account(models.Model):
    scoping = ScopeSpec(region="volunteer__region__code", owner="volunteer__user_id", view="volunteers.view")

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=8, choices=Currency.choices)
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="accounts")
    # Member accounts only: the sum of the lines, kept under the row lock (a cache, checked).
    balance = models.BigIntegerField(_("balance"), default=0)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("time-bank account")
        verbose_name_plural = _("time-bank accounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "currency"], condition=Q(volunteer__isnull=False),
                                    name="volunteers_one_account_per_currency"),
            models.UniqueConstraint(fields=["kind", "currency"], condition=Q(volunteer__isnull=True),
                                    name="volunteers_one_system_account"),
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.MEMBER, volunteer__isnull=False, balance__gte=0)
                           | (Q(volunteer__isnull=True, balance=0) & ~Q(kind=AccountKind.MEMBER))),
                name="volunteers_account_shape_no_overdraft"),
        ]

    def __str__(self):
        if self.volunteer_id:
            return f"{self.volunteer} · {self.get_currency_display()}"
        return f"{self.get_kind_display()} · {self.get_currency_display()}"

    @property
    def audit_region_code(self) -> str:
        return self.volunteer.region.code if self.volunteer_id else ""

    @property
    def is_member(self) -> bool:
        return self.kind == AccountKind.MEMBER


class TransferKind(models.TextChoices):
    EARN = "earn", _("Hours earned in an activity")
    AWARD = "award", _("Points awarded for a good deed")
    CORRECTION = "correction", _("Correction by staff")
    SPEND = "spend", _("Redeemed")
    GIFT = "gift", _("Gift to a family member")


class Transfer(InCommunity, models.Model):
    """One movement of one currency: its lines sum to zero."""

    scoping = ScopeSpec(region="region__code", owner="volunteer__user_id", view="volunteers.view")

    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind.choices)
    currency = models.CharField(_("currency"), max_length=8, choices=Currency.choices)
    amount = models.PositiveBigIntegerField(_("amount"))
    # The volunteer whose action or merit this is (the earner, the spender, the giver), and their community.
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="transfers")
    region = models.ForeignKey("regions.Region", verbose_name=_("community or grid"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # Idempotency: the same key twice is the same transfer (spends: the client's key, namespaced).
    key = models.CharField(_("idempotency key"), max_length=KEY_MAX + 40, blank=True)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    signup = models.ForeignKey("volunteers.SignUp", verbose_name=_("attendance"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="transfers")
    reward = models.ForeignKey("volunteers.Reward", verbose_name=_("reward"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="redemptions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("time-bank transfer")
        verbose_name_plural = _("time-bank transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="volunteers_transfer_key_uniq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="volunteers_transfer_amount_positive"),
        ]
        indexes = [models.Index(fields=["region", "created_at"], name="volunteers_transfer_comm_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class Line(models.Model):
    """One account's side of a transfer: positive in, negative out."""

    scoping = ScopeSpec(region="account__volunteer__region__code", owner="account__volunteer__user_id",
                        view="volunteers.view")

    transfer = models.ForeignKey(Transfer, verbose_name=_("transfer"), on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines")
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        ordering = ["transfer_id", "id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="volunteers_line_not_zero")]
        indexes = [models.Index(fields=["account", "transfer"], name="volunteers_line_account")]

    def __str__(self):
        return f"{self.account}: {self.amount:+d}"

"""The shop: services bought with hours (时间银行) and rewards bought with points (积分兑换).

A reward is offered in a community by a merchant or unit (a registry organisation) or by the community
itself, at a price in one currency, with an optional stock. Redeeming it is a spend in the ledger
(``volunteers/ledger.py``), which locks the volunteer's account (and the reward, for its stock).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

from .ledger import Currency
from .people import InCommunity


class RewardKind(models.TextChoices):
    SERVICE = "service", _("A service")
    GOODS = "goods", _("Goods")


class Reward(InCommunity, models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("community or grid"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level__in": ("community", "grid")})
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RewardKind.choices, default=RewardKind.GOODS)
    currency = models.CharField(_("paid in"), max_length=8, choices=Currency.choices)
    price = models.PositiveBigIntegerField(_("price"), help_text=_("Minutes for hours, points for points."))
    stock = models.PositiveIntegerField(_("in stock"), null=True, blank=True,
                                        help_text=_("Empty: no limit."))
    offered_by = models.ForeignKey("registry.Organisation", verbose_name=_("offered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(_("on offer"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["region__code", "currency", "price", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="volunteers_reward_price_positive")]

    def __str__(self):
        return self.title

"""The shop: rewards and services offered for hours or points, kept by community staff."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_in_scope

from ..ledger import MAX_AMOUNT
from ..models import Currency, Reward, RewardKind
from . import common

FIELDS = ("title", "description", "kind", "currency", "price", "stock", "active", "offered_by")


def _clean(actor, *, region, title, description, kind, currency, price, stock, offered_by) -> dict:
    def whole(value, field, label, low, *, optional=False):
        if optional and value in (None, ""):
            return None
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError({field: _("%(field)s must be a whole number.") % {"field": label}}) from None
        if not low <= value <= MAX_AMOUNT:
            raise ValidationError({field: _("%(field)s must lie between %(low)d and %(high)d.") % {
                "field": label, "low": low, "high": MAX_AMOUNT}})
        return value

    def choice(value, field, choices, message):
        if value not in choices:
            raise ValidationError({field: message})
        return value

    place, title, description, kind, currency, price, stock = common.merge_errors(
        lambda: common.place(region, actor),
        lambda: common.text(title, "title", _("The title"), 100),
        lambda: common.text(description, "description", _("The description"), 2000, required=False),
        lambda: choice(kind, "kind", RewardKind.values, _("Choose a service or goods.")),
        lambda: choice(currency, "currency", Currency.values, _("Choose hours or points.")),
        lambda: whole(price, "price", _("The price"), 1),
        lambda: whole(stock, "stock", _("The stock"), 0, optional=True),
    )
    if offered_by is not None:
        ensure_in_scope(offered_by, actor)
    return {"region": place, "title": title, "description": description, "kind": kind, "currency": currency,
            "price": price, "stock": stock, "offered_by": offered_by}


def _summary(reward: Reward) -> dict:
    return {"title": reward.title, "region": reward.region.code, "kind": reward.kind, "currency": reward.currency,
            "price": reward.price, "stock": reward.stock, "active": reward.active,
            "offered_by": reward.offered_by_id}


def create_reward(*, actor, region, title: str, currency: str, price, kind: str = RewardKind.GOODS,
                  description: str = "", stock=None, offered_by=None) -> Reward:
    require(actor, "volunteers.manage")
    values = _clean(actor, region=region, title=title, description=description, kind=kind, currency=currency,
                    price=price, stock=stock, offered_by=offered_by)
    with transaction.atomic():
        reward = Reward.objects.create(**values, created_by=user_of(actor))
        record(actor=actor, action="volunteers.reward.create", obj=reward, changes=_summary(reward))
    return reward


def change_reward(*, actor, reward: Reward, **values) -> Reward:
    """Change a reward (its price, stock, whether it is on offer…); redemptions already made stay."""
    require(actor, "volunteers.manage")
    ensure_in_scope(reward, actor)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        merged = {name: getattr(reward, name) for name in FIELDS if name != "active"}
        merged.update({k: v for k, v in values.items() if k != "active"})
        cleaned = _clean(actor, region=reward.region, **merged)
        before = _summary(reward)
        for name, value in cleaned.items():
            setattr(reward, name, value)
        if "active" in values:
            reward.active = bool(values["active"])
        reward.save()
        after = _summary(reward)
        record(actor=actor, action="volunteers.reward.change", obj=reward,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return reward

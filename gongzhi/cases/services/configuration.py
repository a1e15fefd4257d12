"""Configuration of request handling: routing rules (categories are edited in the admin)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_in_scope
from gongzhi.regions.models import Region

from ..models import Category, RoutingRule
from . import checks

CONFIGURE = "cases.configure"


def _by_code(model, value, field: str, missing: str):
    """``value`` itself if it is a ``model``, the row with that code, None for empty; else ValidationError."""
    if value in (None, "") or isinstance(value, model):
        return value or None
    found = model.objects.filter(code=str(value).strip()).first()
    if found is None:
        raise ValidationError({field: missing % {"code": value}})
    return found


def create_routing_rule(*, actor, unit, category=None, region=None, note: str = "") -> RoutingRule:
    """Add a rule "category subtree × region subtree → unit"; at most one active rule per pair."""
    require(actor, CONFIGURE)
    note = checks.text(note, "note", max_length=200, required=False)
    category = _by_code(Category, category, "category", _("There is no category with code “%(code)s”."))
    region = _by_code(Region, region, "region", _("There is no region with code “%(code)s”."))
    unit = _by_code(Unit, unit, "unit", _("There is no unit with code “%(code)s”."))
    if unit is None:
        raise ValidationError({"unit": _("Name the handling unit.")})
    if region is not None:
        ensure_in_scope(region, actor)
    if not unit.is_active:
        raise ValidationError({"unit": _("Unit %(unit)s is no longer active.") % {"unit": unit.name}})
    if region is not None and not region.code.startswith(unit.region.prefix):
        raise ValidationError({"unit": _("Unit %(unit)s has no jurisdiction in %(region)s.")
                               % {"unit": unit.name, "region": region.name}})
    with transaction.atomic():
        clash = RoutingRule.objects.select_for_update().filter(is_active=True, category=category, region=region)
        if clash.exists():
            raise ValidationError({"__all__": _("An active rule for this category and region exists already "
                                                "(#%(id)s); deactivate it first.") % {"id": clash.first().pk}})
        rule = RoutingRule.objects.create(category=category, region=region, unit=unit, note=note)
        record(actor=actor, action="cases.routing_rule.create", obj=rule,
               changes={"category": category.code if category else None,
                        "region": region.code if region else None, "unit": unit.code})
    return rule


def deactivate_routing_rule(*, actor, rule: RoutingRule, reason: str = "") -> RoutingRule:
    require(actor, CONFIGURE)
    if rule.region_id:
        ensure_in_scope(rule.region, actor)
    with transaction.atomic():
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        record(actor=actor, action="cases.routing_rule.deactivate", obj=rule,
               reason=checks.reason(reason, required=False))
    return rule

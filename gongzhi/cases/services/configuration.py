"""Configuration of request handling: categories and routing rules (the admin saves through these)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit
from gongzhi.accounts.roles import require
from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.scoping import ensure_in_scope
from gongzhi.regions.models import Region

from ..models import Category, RoutingRule
from ..routing import LEVEL_DEPTH, ancestor_codes
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


def _refuse_unknown(changes: dict, allowed: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.")
                              % {"fields": ", ".join(sorted(unknown))})


def _check_rule(actor, *, category, region, unit) -> None:
    """The rule's region lies in the actor's area and the unit is active and has jurisdiction there."""
    if unit is None:
        raise ValidationError({"unit": _("Name the handling unit.")})
    if region is not None:
        ensure_in_scope(region, actor)
    if not unit.is_active:
        raise ValidationError({"unit": _("Unit %(unit)s is no longer active.") % {"unit": unit.name}})
    if region is not None and not region.code.startswith(unit.region.prefix):
        raise ValidationError({"unit": _("Unit %(unit)s has no jurisdiction in %(region)s.")
                               % {"unit": unit.name, "region": region.name}})


def _refuse_clash(*, category, region, rule_pk=None) -> None:
    clash = RoutingRule.objects.select_for_update().filter(is_active=True, category=category, region=region)
    clash = clash.exclude(pk=rule_pk) if rule_pk else clash
    if clash.exists():
        raise ValidationError({"__all__": _("An active rule for this category and region exists already "
                                            "(#%(id)s); deactivate it first.") % {"id": clash.first().pk}})


def create_routing_rule(*, actor, unit, category=None, region=None, note: str = "") -> RoutingRule:
    """Add a rule "category subtree × region subtree → unit"; at most one active rule per pair."""
    require(actor, CONFIGURE)
    note = checks.text(note, "note", max_length=200, required=False)
    category = _by_code(Category, category, "category", _("There is no category with code “%(code)s”."))
    region = _by_code(Region, region, "region", _("There is no region with code “%(code)s”."))
    unit = _by_code(Unit, unit, "unit", _("There is no unit with code “%(code)s”."))
    _check_rule(actor, category=category, region=region, unit=unit)
    with transaction.atomic():
        _refuse_clash(category=category, region=region)
        rule = RoutingRule.objects.create(category=category, region=region, unit=unit, note=note)
        record(actor=actor, action="cases.routing_rule.create", obj=rule,
               changes={"category": category.code if category else None,
                        "region": region.code if region else None, "unit": unit.code})
    return rule


LEARN_LEVELS = ("community", "subdistrict")


def learn_routing_rule(*, actor, case, unit: Unit) -> RoutingRule | None:
    """The dispatcher's correction becomes a rule: the case's category in its community → ``unit``.

    A dispatcher (``cases.dispatch``) may not configure routing at large, but
    may teach it what they just decided, in their own area and as narrowly as
    the case allows: the leaf category × the community of the place (the
    subdistrict when the case has no community). An active rule for that very
    pair is pointed at the new unit; otherwise one is created. Audited as
    ``cases.routing_rule.learn`` naming the case; None when the rule already
    says so. Runs in the caller's transaction (the dispatch).
    """
    require(actor, "cases.dispatch")
    regions = sorted(Region.objects.filter(code__in=ancestor_codes(case.region_code), level__in=LEARN_LEVELS),
                     key=lambda r: -LEVEL_DEPTH.get(r.level, 0))
    if not regions:
        raise ValidationError({"remember_rule": _("The place of case #%(id)s has no community or subdistrict "
                                                  "to make a rule for.") % {"id": case.pk}})
    region, category = regions[0], case.category
    _check_rule(actor, category=category, region=region, unit=unit)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().filter(is_active=True, category=category,
                                                              region=region).first()
        if rule is not None and rule.unit_id == unit.pk:
            return None
        if rule is None:
            rule = RoutingRule.objects.create(category=category, region=region, unit=unit,
                                              note=_("Learnt from case #%(id)s") % {"id": case.pk})
            changes = {"category": category.code, "region": region.code, "unit": unit.code}
        else:
            changes = {"unit": [rule.unit.code, unit.code]}
            rule.unit = unit
            rule.save(update_fields=["unit"])
        changes["case"] = case.pk
        record(actor=actor, action="cases.routing_rule.learn", obj=rule, changes=changes,
               reason=_("Dispatcher's correction of case #%(id)s") % {"id": case.pk})
    return rule


_RULE_FIELDS = {"category", "region", "unit", "note", "is_active"}


def update_routing_rule(*, actor, rule: RoutingRule, reason: str = "", **changes) -> RoutingRule:
    """Change a rule with the checks of its creation: area, the unit's jurisdiction, one active rule per pair."""
    require(actor, CONFIGURE)
    if rule.region_id:
        ensure_in_scope(rule.region, actor)
    _refuse_unknown(changes, _RULE_FIELDS)
    before = snapshot(rule)
    if "note" in changes:
        changes["note"] = checks.text(changes["note"], "note", max_length=200, required=False)
    for name, missing in (("category", _("There is no category with code “%(code)s”.")),
                          ("region", _("There is no region with code “%(code)s”.")),
                          ("unit", _("There is no unit with code “%(code)s”."))):
        if name in changes:
            model = RoutingRule._meta.get_field(name).related_model
            changes[name] = _by_code(model, changes[name], name, missing)
    for name, value in changes.items():
        setattr(rule, name, value)
    _check_rule(actor, category=rule.category, region=rule.region, unit=rule.unit)
    with transaction.atomic():
        if rule.is_active:
            _refuse_clash(category=rule.category, region=rule.region, rule_pk=rule.pk)
        rule.save()
        record(actor=actor, action="cases.routing_rule.update", obj=rule, changes=diff(rule, before),
               reason=checks.reason(reason, required=False))
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


# --- categories -----------------------------------------------------------------

_CATEGORY_FIELDS = {"code", "name", "parent", "sort_order", "default_unit_kind", "response_hours_urgent", "keywords",
                    "response_hours_normal", "resolution_days_urgent", "resolution_days_normal", "is_consultation",
                    "is_active", "dispatch_hours_urgent", "dispatch_hours_normal", "is_utility"}


def _save_category(actor, category: Category, changes: dict, before: dict | None, reason: str) -> Category:
    _refuse_unknown(changes, _CATEGORY_FIELDS)
    for name, value in changes.items():
        setattr(category, name, value)
    category.code = checks.text(category.code, "code", max_length=16, label=_("The code"))
    category.name = checks.text(category.name, "name", max_length=60, label=_("The name"))
    if Category.objects.filter(code=category.code).exclude(pk=category.pk).exists():
        raise ValidationError({"code": _("A category with this code exists already.")})
    category.full_clean(validate_unique=False)
    with transaction.atomic():
        category.save()
        record(actor=actor, action=f"cases.category.{'update' if before else 'create'}", obj=category,
               changes=diff(category, before), reason=checks.reason(reason, required=False))
    return category


def create_category(*, actor, code: str, name: str, reason: str = "", **fields) -> Category:
    """Add a category of the tree (its deadlines, default unit kind, whether it is a consultation)."""
    require(actor, CONFIGURE)
    return _save_category(actor, Category(), {"code": code, "name": name, **fields}, None, reason)


def update_category(*, actor, category: Category, reason: str = "", **changes) -> Category:
    """Change a category; deactivate it instead of deleting it (cases refer to it)."""
    require(actor, CONFIGURE)
    return _save_category(actor, category, changes, snapshot(category), reason)

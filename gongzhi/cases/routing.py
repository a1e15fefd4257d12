"""Which unit should handle a case, and why.

1. **Rules** (:class:`~gongzhi.cases.models.RoutingRule`): category subtree ×
   region subtree → unit. Of the rules that match, the most specific wins:
   the one whose region is deepest (the place decides first, 属地管理), then
   the one whose category is deepest; between equals the older rule. A rule
   without a region matches everywhere, one without a category every
   category (depth 0).
2. **The category's default unit kind**: when exactly one active unit of that
   kind has jurisdiction at the nearest level above the case (e.g. the
   community committee of the case's community for 垃圾清运).
3. **The subdistrict command centre** of the case's subdistrict.

The answer always says which of these chose the unit and why, so that a
dispatcher can trust or correct it and an administrator can fix the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.regions.models import Level, Region

from .models import Case, RoutingRule

LEVEL_DEPTH = {Level.DISTRICT: 1, Level.SUBDISTRICT: 2, Level.COMMUNITY: 3, Level.GRID: 4}


@dataclass(frozen=True)
class RoutingDecision:
    unit: Unit | None
    source: str  # "rule", "category_default", "command_centre" or "none"
    explanation: str
    rule: RoutingRule | None = None
    considered: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "unit": self.unit.code if self.unit else None,
            "unit_name": self.unit.name if self.unit else None,
            "source": self.source,
            "rule": self.rule.pk if self.rule else None,
            "explanation": self.explanation,
            "considered": self.considered,
        }


def ancestor_codes(region_code: str) -> list[str]:
    """The codes of the region and every region above it, deepest first."""
    codes = [region_code]
    if len(region_code) == 15:
        codes.append(region_code[:12])
    codes += [region_code[:9] + "000", region_code[:6] + "000000"]
    return list(dict.fromkeys(codes))


def _regions_above(case: Case) -> list[Region]:
    """The regions containing the case, deepest first."""
    regions = Region.objects.filter(code__in=ancestor_codes(case.region_code))
    return sorted(regions, key=lambda r: -LEVEL_DEPTH.get(r.level, 0))


def _describe(rule: RoutingRule) -> str:
    return _("rule #%(id)s (%(category)s × %(region)s → %(unit)s)") % {
        "id": rule.pk,
        "category": rule.category.path_name if rule.category_id else _("any category"),
        "region": rule.region.name if rule.region_id else _("anywhere"),
        "unit": rule.unit.name,
    }


def _by_rule(case: Case, regions: list[Region]) -> RoutingDecision | None:
    category_depth = {c.pk: depth for depth, c in enumerate(reversed(case.category.ancestors()), start=1)}
    region_depth = {r.pk: LEVEL_DEPTH.get(r.level, 0) for r in regions}
    rules = list(
        RoutingRule.objects.select_related("category__parent__parent", "region", "unit")
        .filter(is_active=True, unit__is_active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=category_depth))
        .filter(Q(region__isnull=True) | Q(region_id__in=region_depth))
    )
    if not rules:
        return None

    def specificity(rule):
        return (region_depth.get(rule.region_id, 0), category_depth.get(rule.category_id, 0))

    rules.sort(key=lambda rule: (specificity(rule), -rule.pk), reverse=True)
    best = rules[0]
    considered = [{"rule": r.pk, "unit": r.unit.code, "region_depth": specificity(r)[0],
                   "category_depth": specificity(r)[1]} for r in rules]
    region_d, category_d = specificity(best)
    if len(rules) == 1:
        why = _("The only matching rule is %(rule)s (region level %(rd)d, category level %(cd)d).")
    else:
        why = _("Of %(n)d matching rules, %(rule)s is the most specific (region level %(rd)d, category level "
                "%(cd)d; a deeper region wins first, then a deeper category, then the older rule).")
    explanation = why % {"rule": _describe(best), "n": len(rules), "rd": region_d, "cd": category_d}
    return RoutingDecision(unit=best.unit, source="rule", rule=best, explanation=explanation, considered=considered)


def _by_category_default(case: Case, regions: list[Region]) -> tuple[RoutingDecision | None, str]:
    kind = case.category.default_unit_kind
    kind_label = UnitKind(kind).label if kind in UnitKind.values else kind
    for region in regions:
        units = list(Unit.objects.filter(kind=kind, region=region, is_active=True)[:2])
        if len(units) == 1:
            return RoutingDecision(unit=units[0], source="category_default", explanation=_(
                "No routing rule matches; category “%(category)s” is handled by a %(kind)s by default, and "
                "%(unit)s is the one for %(region)s.") % {"category": case.category.name, "kind": kind_label,
                                                           "unit": units[0].name, "region": region.name}), ""
        if len(units) > 1:
            return None, _("several units of kind %(kind)s serve %(region)s") % {"kind": kind_label,
                                                                                 "region": region.name}
    return None, _("no unit of kind %(kind)s serves the place") % {"kind": kind_label}


def command_centre(case: Case) -> Unit | None:
    """The command centre (street office unit) of the case's subdistrict."""
    return (Unit.objects.filter(kind=UnitKind.SUBDISTRICT_OFFICE, region__code=case.subdistrict_code, is_active=True)
            .order_by("pk").first())


def route(case: Case) -> RoutingDecision:
    """The unit that should lead ``case``, with the reason (never raises for a missing unit)."""
    regions = _regions_above(case)
    decision = _by_rule(case, regions)
    if decision is not None:
        return decision
    decision, why_not = _by_category_default(case, regions)
    if decision is not None:
        return decision
    centre = command_centre(case)
    if centre is not None:
        return RoutingDecision(unit=centre, source="command_centre", explanation=_(
            "No routing rule matches and %(why)s, so the case goes to the command centre of its subdistrict, "
            "%(unit)s.") % {"why": why_not, "unit": centre.name})
    return RoutingDecision(unit=None, source="none", explanation=_(
        "No routing rule matches, %(why)s, and the subdistrict of case #%(id)s has no command centre unit: "
        "choose the unit by hand.") % {"why": why_not, "id": case.pk})


# --- Suggestions beside the rules -------------------------------------------------------------------
# A higher app may suggest the unit from what the rules cannot read (gongzhi.insights: the case's text)
# by registering ``suggester(case) -> dict | None`` from its AppConfig.ready(). The dict has at least
# ``source`` ("model": it differs from the rules' answer and a dispatch that names no unit follows it;
# "rules": it is the rules' answer), ``unit`` (a unit code or None) and ``explanation``; the dispatch
# event records it with whether the dispatch followed it (gongzhi.cases.services.dispatching).
_suggesters: list = []


def register_suggester(suggester) -> None:
    if suggester not in _suggesters:
        _suggesters.append(suggester)


def suggestion_for(case: Case) -> dict | None:
    """The registered suggester's suggestion for ``case`` (None when no app suggests)."""
    for suggester in _suggesters:
        found = suggester(case)
        if found:
            return found
    return None

"""Routing: the most specific rule wins, fallbacks, and the explanation says why."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts.models import Unit
from gongzhi.cases import services
from gongzhi.cases.models import CaseEvent, Category, RoutingRule
from gongzhi.cases.routing import route

from .conftest import POINT_A1, POINT_B1


@pytest.fixture
def rules(world):
    admin, t, un = world.users.admin, world.tree, world.units
    return {
        "env_district": services.create_routing_rule(actor=admin, category="02", region=t["district"].code,
                                                     unit=un.water),
        "noise_district": services.create_routing_rule(actor=admin, category="0201", region=t["district"].code,
                                                       unit=un.chengguan),
        "env_comm_a": services.create_routing_rule(actor=admin, category="02", region=t["comm_a"].code,
                                                   unit=un.comm_a),
    }


@pytest.mark.django_db
def test_a_deeper_region_wins_over_a_deeper_category(world, rules, new_case):
    decision = route(new_case(point=POINT_A1))
    assert decision.unit == world.units.comm_a
    assert decision.rule == rules["env_comm_a"]
    assert decision.source == "rule"
    assert f"#{rules['env_comm_a'].pk}" in decision.explanation
    assert "3" in decision.explanation  # of 3 matching rules
    assert "永安里社区" in decision.explanation
    assert [c["rule"] for c in decision.considered] == [
        rules["env_comm_a"].pk, rules["noise_district"].pk, rules["env_district"].pk]


@pytest.mark.django_db
def test_at_equal_region_the_deeper_category_wins(world, rules, new_case):
    noise = route(new_case(point=POINT_B1))
    assert noise.rule == rules["noise_district"]
    assert noise.unit == world.units.chengguan
    fumes = route(new_case(point=POINT_B1, category=Category.objects.get(code="0202")))
    assert fumes.rule == rules["env_district"]
    assert fumes.considered == [{"rule": rules["env_district"].pk, "unit": "U-WATER", "region_depth": 1,
                                 "category_depth": 1}]


@pytest.mark.django_db
def test_inactive_rules_and_inactive_units_are_ignored(world, rules, new_case):
    services.deactivate_routing_rule(actor=world.users.admin, rule=rules["env_comm_a"])
    assert route(new_case(point=POINT_A1)).rule == rules["noise_district"]
    Unit.objects.filter(pk=world.units.chengguan.pk).update(is_active=False)
    assert route(new_case(point=POINT_A1)).rule == rules["env_district"]


@pytest.mark.django_db
def test_without_rules_the_category_default_kind_decides(world, new_case):
    garbage = Category.objects.get(code="0204")  # handled by the community committee by default
    decision = route(new_case(point=POINT_B1, category=garbage))
    assert decision.source == "category_default"
    assert decision.unit == world.units.comm_b
    assert "光华里社区居委会" in decision.explanation


@pytest.mark.django_db
def test_without_rules_and_no_single_default_unit_the_command_centre_takes_it(world, new_case):
    Unit.objects.create(code="U-TRANS", name="朝阳区交通委", kind="department", region=world.tree["district"])
    bus = Category.objects.get(code="0301")  # departments by default: there are several
    decision = route(new_case(point=POINT_B1, category=bus))
    assert decision.source == "command_centre"
    assert decision.unit == world.units.street
    assert "several" in decision.explanation or "多个" in decision.explanation


@pytest.mark.django_db
def test_dispatch_without_a_unit_follows_the_routing_and_keeps_its_explanation(world, rules, new_case):
    case = services.dispatch_case(case=new_case(point=POINT_A1), actor=world.users.dispatcher)
    assert case.lead_unit == world.units.comm_a
    payload = CaseEvent.objects.get(case=case, action="dispatch").payload
    assert payload["routing"]["rule"] == rules["env_comm_a"].pk
    assert payload["routing"]["source"] == "rule"


@pytest.mark.django_db
def test_no_rule_and_no_command_centre_asks_for_a_unit(world, new_case):
    Unit.objects.filter(kind="subdistrict_office").update(is_active=False)
    bus = Category.objects.get(code="0301")
    case = new_case(point=POINT_B1, category=bus)
    Unit.objects.create(code="U-TRANS", name="朝阳区交通委", kind="department", region=world.tree["district"])
    decision = route(case)
    assert decision.unit is None and decision.source == "none"
    with pytest.raises(ValidationError) as caught:
        services.dispatch_case(case=case, actor=world.users.dispatcher)
    assert "unit" in caught.value.message_dict


@pytest.mark.django_db
def test_rule_configuration_is_validated_and_needs_the_capability(world, rules):
    admin, t, un = world.users.admin, world.tree, world.units
    with pytest.raises(ValidationError):  # same pair again
        services.create_routing_rule(actor=admin, category="02", region=t["comm_a"].code, unit=un.water)
    with pytest.raises(ValidationError) as caught:
        services.create_routing_rule(actor=admin, category="nope", region=t["comm_a"].code, unit=un.water)
    assert "category" in caught.value.message_dict
    with pytest.raises(ValidationError):  # a community committee has no jurisdiction in another community
        services.create_routing_rule(actor=admin, category="03", region=t["comm_b"].code, unit=un.comm_a)
    with pytest.raises(PermissionDenied):
        services.create_routing_rule(actor=world.users.dispatcher, category="03", unit=un.water)
    assert RoutingRule.objects.count() == 3

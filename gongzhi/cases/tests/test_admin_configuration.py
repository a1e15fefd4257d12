"""Categories and routing rules saved in the admin go through services/configuration.py (#13.2).

The same checks as the service (area, the unit's jurisdiction, one active rule per pair), the
same audit events, and a refusal shown as the form's errors, never a server error.
"""

import pytest
from django.core.exceptions import ValidationError

from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services
from gongzhi.cases.models import Category, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def configurer(world, make_user):
    """An administrator of community A (cases.configure, area: community A)."""
    return make_user("configurer_a", Role.ADMIN, region=world.tree["comm_a"], is_staff=True)


@pytest.fixture
def root(world):
    world.users.admin.is_staff = True
    world.users.admin.save()
    return world.users.admin


def rule_form(**values):
    return {"category": "", "region": "", "unit": "", "note": "", "is_active": "on", **values}


def test_a_rule_for_a_unit_without_jurisdiction_there_is_refused(client, world, root):
    """Community A's committee routed cases of community B: the service refuses it, so the admin does."""
    client.force_login(root)
    category = Category.objects.get(code="03")
    response = client.post("/admin/cases/routingrule/add/", rule_form(
        category=category.pk, region=world.tree["comm_b"].pk, unit=world.units.comm_a.pk))
    assert response.status_code == 200
    assert "has no jurisdiction in" in response.content.decode()
    assert not RoutingRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="cases.routing_rule").exists()


def test_a_rule_changed_to_a_region_outside_the_unit_is_refused(client, world, root):
    rule = services.create_routing_rule(actor=root, category="03", region=world.tree["comm_a"].code,
                                        unit=world.units.comm_a)
    client.force_login(root)
    response = client.post(f"/admin/cases/routingrule/{rule.pk}/change/", rule_form(
        category=rule.category_id, region=world.tree["comm_b"].pk, unit=world.units.comm_a.pk))
    assert response.status_code == 200
    assert "has no jurisdiction in" in response.content.decode()
    rule.refresh_from_db()
    assert rule.region == world.tree["comm_a"]


def test_a_rule_outside_the_configurers_area_is_refused(client, world, configurer):
    client.force_login(configurer)
    response = client.post("/admin/cases/routingrule/add/", rule_form(
        category=Category.objects.get(code="03").pk, region=world.tree["comm_b"].pk, unit=world.units.water.pk))
    assert response.status_code == 200
    assert not RoutingRule.objects.exists()


def test_admin_rules_leave_the_services_audit_events(client, world, root):
    client.force_login(root)
    category = Category.objects.get(code="03")
    response = client.post("/admin/cases/routingrule/add/", rule_form(
        category=category.pk, region=world.tree["comm_a"].pk, unit=world.units.comm_a.pk, note="社区先办"))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RoutingRule.objects.get()
    response = client.post(f"/admin/cases/routingrule/{rule.pk}/change/", rule_form(
        category=category.pk, region=world.tree["comm_a"].pk, unit=world.units.water.pk, note="社区先办"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.unit == world.units.water
    events = list(AuditEvent.objects.filter(action__startswith="cases.routing_rule").order_by("id"))
    assert [e.action for e in events] == ["cases.routing_rule.create", "cases.routing_rule.update"]
    assert events[1].changes == {"unit_id": [world.units.comm_a.pk, world.units.water.pk]}


def test_a_second_active_rule_for_the_same_pair_is_a_form_error(client, world, root):
    services.create_routing_rule(actor=root, category="03", region=world.tree["comm_a"].code, unit=world.units.water)
    client.force_login(root)
    response = client.post("/admin/cases/routingrule/add/", rule_form(
        category=Category.objects.get(code="03").pk, region=world.tree["comm_a"].pk, unit=world.units.comm_a.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()  # the form's constraint check or the service's
    assert RoutingRule.objects.count() == 1


def test_rules_and_categories_cannot_be_deleted_in_the_admin(client, world, root):
    rule = services.create_routing_rule(actor=root, category="03", region=world.tree["comm_a"].code,
                                        unit=world.units.water)
    client.force_login(root)
    assert client.post(f"/admin/cases/routingrule/{rule.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def category_form(**values):
    return {"code": "0999", "name": "测试类别", "parent": "", "sort_order": "0", "default_unit_kind": "community_committee",
            "response_hours_urgent": "2", "response_hours_normal": "24", "resolution_days_urgent": "1",
            "resolution_days_normal": "7", "is_consultation": "", "is_active": "on", **values}


def test_admin_categories_go_through_the_service(client, world, root):
    client.force_login(root)
    response = client.post("/admin/cases/category/add/", category_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    category = Category.objects.get(code="0999")
    response = client.post(f"/admin/cases/category/{category.pk}/change/", category_form(
        name="改名类别", parent=category.pk))
    assert response.status_code == 200  # placed below itself: refused, not saved
    assert "A category cannot be placed below itself." in response.content.decode()
    response = client.post(f"/admin/cases/category/{category.pk}/change/", category_form(name="改名类别"))
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "改名类别"
    assert list(AuditEvent.objects.filter(action__startswith="cases.category").order_by("id").values_list(
        "action", flat=True)) == ["cases.category.create", "cases.category.update"]
    with pytest.raises(ValidationError):  # the service refuses a duplicate code as well
        services.create_category(actor=root, code="0999", name="重复")

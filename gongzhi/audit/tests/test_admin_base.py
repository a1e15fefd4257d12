"""The admin base class: related-object lookups scoped like the lists (#11.2), service refusals shown (#13.2).

Proved on the admins of the lower apps (regions, accounts); the registry's forms are proved in
``registry/tests/test_admin_services.py`` and every admin's add and change forms in the scoping proof.
"""

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from gongzhi.accounts import admin as accounts_admin
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.admin_base import ScopedForeignKeyRawIdWidget
from gongzhi.audit.models import AuditEvent
from gongzhi.regions import admin as regions_admin
from gongzhi.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def comm_admin(staff, tree):
    return staff("comm_a_admin", Role.ADMIN, region=tree["comm_a"])


def widget_for(user):
    rel = User._meta.get_field("region").remote_field
    from gongzhi.core.scoping import scope_queryset

    return ScopedForeignKeyRawIdWidget(rel, admin.site, queryset=scope_queryset(Region.objects.all(), user))


def test_raw_id_label_names_only_rows_of_the_area(comm_admin, tree):
    widget = widget_for(comm_admin)
    label, url = widget.label_and_url_for_value(tree["grid_a1"].pk)
    assert label == str(tree["grid_a1"]) and url
    assert widget.label_and_url_for_value(tree["grid_b1"].pk) == ("", "")
    assert widget.label_and_url_for_value("not a number") == ("", "")
    assert widget.label_and_url_for_value(10 ** 9) == ("", "")


def test_initial_values_from_the_query_string_outside_the_area_are_dropped(comm_admin, tree):
    model_admin = admin.site._registry[Unit]
    request = RequestFactory().get("/admin/accounts/unit/add/", {"region": tree["grid_b1"].pk, "name": "x"})
    request.user = comm_admin
    assert model_admin.get_changeform_initial_data(request) == {"name": "x"}
    request = RequestFactory().get("/admin/accounts/unit/add/", {"region": tree["grid_a1"].pk})
    request.user = comm_admin
    assert model_admin.get_changeform_initial_data(request) == {"region": str(tree["grid_a1"].pk)}


def test_unit_add_form_names_no_region_outside_the_area(client, comm_admin, tree):
    client.force_login(comm_admin)
    response = client.get("/admin/accounts/unit/add/", {"region": tree["grid_b1"].pk})
    assert response.status_code == 200
    assert "光华里" not in response.content.decode()


def test_a_validation_error_of_the_service_is_the_forms_error(client, comm_admin, tree, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"name": "The service says no.", "nowhere": "Not a field of the form."})

    monkeypatch.setattr(accounts_admin.services, "create_unit", refuse)
    client.force_login(comm_admin)
    response = client.post("/admin/accounts/unit/add/", {
        "code": "U-X", "name": "新单位", "kind": UnitKind.OTHER, "region": tree["grid_a1"].pk, "supervisor": ""})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["name"] == ["The service says no."]
    assert form.non_field_errors() == ["Not a field of the form."]
    assert not Unit.objects.filter(code="U-X").exists()


def test_a_permission_denied_of_the_service_is_a_form_error_not_a_403(client, comm_admin, tree, monkeypatch):
    def refuse(**kwargs):
        Unit.objects.create(code="U-HALF", name="half written", kind=UnitKind.OTHER, region=tree["grid_a1"])
        raise PermissionDenied("This is outside your area.")

    monkeypatch.setattr(accounts_admin.services, "create_unit", refuse)
    client.force_login(comm_admin)
    response = client.post("/admin/accounts/unit/add/", {
        "code": "U-X", "name": "新单位", "kind": UnitKind.OTHER, "region": tree["grid_a1"].pk, "supervisor": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["This is outside your area."]
    assert not Unit.objects.filter(code__in=["U-X", "U-HALF"]).exists()  # what the service wrote is rolled back


def test_a_refused_delete_is_a_message(client, comm_admin, tree, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("Still in use.")

    monkeypatch.setattr(regions_admin.services, "delete_region", refuse)
    client.force_login(comm_admin)
    url = f"/admin/regions/region/{tree['grid_a2'].pk}/delete/"
    response = client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "Still in use." in [str(m) for m in response.context["messages"]]
    assert Region.objects.filter(pk=tree["grid_a2"].pk).exists()


def test_a_refused_bulk_delete_is_a_message_and_deletes_nothing(client, comm_admin, tree, monkeypatch):
    calls = []

    def refuse_the_second(*, actor, region, reason=""):
        calls.append(region.pk)
        if len(calls) == 2:
            raise ValidationError("Still in use.")
        region.delete()

    monkeypatch.setattr(regions_admin.services, "delete_region", refuse_the_second)
    client.force_login(comm_admin)
    extra = Region.objects.create(code="110105001001009", name="多余网格", level="grid", parent=tree["comm_a"])
    response = client.post("/admin/regions/region/", {
        "action": "delete_selected", "_selected_action": [tree["grid_a2"].pk, extra.pk], "post": "yes"},
        follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert "Still in use." in shown and not any("Successfully" in m for m in shown)
    assert Region.objects.filter(pk__in=[tree["grid_a2"].pk, extra.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="regions.region.delete").exists()


def test_every_admin_that_writes_saves_and_deletes_through_a_service(global_admin):
    """The base class refuses to write; an admin that lets anyone add, change or delete must say how."""
    from gongzhi.audit.admin_base import ScopedAuditedAdmin

    request = RequestFactory().get("/admin/")
    request.user = global_admin
    missing = []
    for model, model_admin in admin.site._registry.items():
        if not model._meta.app_config.name.startswith("gongzhi."):
            continue  # Django's and libraries' own (auth groups, task results)
        assert isinstance(model_admin, ScopedAuditedAdmin), f"{model._meta.label}: not a ScopedAuditedAdmin"
        writes = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        if writes and type(model_admin).save_model is ScopedAuditedAdmin.save_model:
            missing.append(f"{model._meta.label}.save_model")
        if model_admin.has_delete_permission(request) and (
                type(model_admin).delete_model is ScopedAuditedAdmin.delete_model):
            missing.append(f"{model._meta.label}.delete_model")
    assert not missing, missing

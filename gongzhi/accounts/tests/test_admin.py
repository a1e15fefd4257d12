"""The accounts admin: saves through the services, scoped, audited; keys never shown; failures read-only."""

import pytest

from gongzhi.accounts import lockout, services
from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import ApiKey, LoginFailure, Unit, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent

NEW_PASSWORD = "Fresh-admin-pass-2026"


@pytest.fixture
def as_admin(client, global_admin):
    client.force_login(global_admin)
    return client


def user_form(**values):
    data = {"username": "new_worker", "display_name": "", "role": Role.GRID_WORKER, "region": "", "unit": "",
            "email": "", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(values)
    return data


def change_form(user, **values):
    data = {"username": user.username, "display_name": user.display_name, "first_name": "", "last_name": "",
            "email": "", "role": user.role, "region": user.region_id or "", "unit": user.unit_id or "",
            "is_active": "on" if user.is_active else ""}
    data.update(values)
    return {k: v for k, v in data.items() if v != ""}


def test_add_user_through_the_admin_goes_through_the_service(as_admin, tree):
    response = as_admin.post("/admin/accounts/user/add/", user_form(region=tree["grid_a1"].pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new_worker")
    assert user.is_staff and user.region == tree["grid_a1"] and user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.object_id == str(user.pk) and event.reason == "admin"


def test_admin_form_shows_the_role_rule_as_a_field_error(as_admin, tree):
    response = as_admin.post("/admin/accounts/user/add/", user_form(region=tree["comm_a"].pk),
                             HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The area of a Grid worker must be a Grid" in response.content.decode()
    assert not User.objects.filter(username="new_worker").exists()


def test_area_admin_sees_choices_of_their_area_only(client, comm_admin, tree, units):
    client.force_login(comm_admin)
    form = client.get("/admin/accounts/user/add/").context["adminform"].form
    regions = {r.code for r in form.fields["region"].queryset}
    assert regions == {tree[k].code for k in ("comm_a", "grid_a1", "grid_a2")}
    assert {u.code for u in form.fields["unit"].queryset} == {"U-CA", "U-A1"}


def test_area_admin_cannot_create_an_account_without_area(client, comm_admin):
    client.force_login(comm_admin)
    response = client.post("/admin/accounts/user/add/", user_form(username="res", role=Role.RESIDENT),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Only an administrator for all areas" in response.content.decode()
    assert not User.objects.filter(username="res").exists()


def test_change_user_through_the_admin_is_audited(as_admin, grid_worker, tree):
    response = as_admin.post(f"/admin/accounts/user/{grid_worker.pk}/change/",
                             change_form(grid_worker, region=tree["grid_a2"].pk, display_name="李"))
    assert response.status_code == 302, response.content.decode()[:3000]
    grid_worker.refresh_from_db()
    assert grid_worker.region == tree["grid_a2"] and grid_worker.display_name == "李"
    event = AuditEvent.objects.get(action="accounts.user.update")
    assert set(event.changes) == {"region_id", "display_name"}


def test_unticking_active_deactivates(as_admin, grid_worker):
    data = change_form(grid_worker)
    del data["is_active"]
    response = as_admin.post(f"/admin/accounts/user/{grid_worker.pk}/change/", data)
    assert response.status_code == 302
    grid_worker.refresh_from_db()
    assert not grid_worker.is_active
    assert AuditEvent.objects.filter(action="accounts.user.deactivate").count() == 1


def test_admin_cannot_deactivate_themselves_in_the_admin(as_admin, global_admin):
    data = change_form(global_admin)
    del data["is_active"]
    response = as_admin.post(f"/admin/accounts/user/{global_admin.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.content.decode()


def test_password_page_changes_the_password_and_audits_it(as_admin, grid_worker):
    response = as_admin.post(f"/admin/accounts/user/{grid_worker.pk}/password/",
                             {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:3000]
    grid_worker.refresh_from_db()
    assert grid_worker.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.set_password")
    assert event.object_id == str(grid_worker.pk) and event.actor_id is not None


def test_password_page_of_a_user_outside_the_area_is_refused(client, comm_admin, make_user, tree):
    other = make_user("gw_b1", role=Role.GRID_WORKER, region=tree["grid_b1"])
    client.force_login(comm_admin)
    response = client.post(f"/admin/accounts/user/{other.pk}/password/",
                           {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code in (403, 404)
    other.refresh_from_db()
    assert not other.check_password(NEW_PASSWORD)
    assert not AuditEvent.objects.filter(action="accounts.user.set_password").exists()


def test_users_are_never_deleted_in_the_admin(as_admin, grid_worker):
    assert as_admin.get(f"/admin/accounts/user/{grid_worker.pk}/delete/").status_code == 403
    assert User.objects.filter(pk=grid_worker.pk).exists()


def test_add_and_change_unit_through_the_admin(as_admin, tree, street_office):
    response = as_admin.post("/admin/accounts/unit/add/", {
        "code": "U-NEW", "name": "永安里居委会", "kind": "community_committee", "region": tree["comm_a"].pk,
        "supervisor": street_office.pk, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    unit = Unit.objects.get(code="U-NEW")
    response = as_admin.post(f"/admin/accounts/unit/{unit.pk}/change/", {
        "code": "U-NEW", "name": "永安里社区居委会", "kind": "community_committee", "region": tree["comm_a"].pk,
        "supervisor": street_office.pk, "is_active": "on"})
    assert response.status_code == 302
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["accounts.unit.create", "accounts.unit.update"]


def test_unit_form_refuses_to_deactivate_a_unit_in_use(as_admin, units, make_user):
    make_user("member", role=Role.DEPARTMENT, unit=units["chengguan"])
    unit = units["chengguan"]
    response = as_admin.post(f"/admin/accounts/unit/{unit.pk}/change/", {
        "code": unit.code, "name": unit.name, "kind": unit.kind, "region": unit.region_id},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "still has 1 active members" in response.content.decode()
    unit.refresh_from_db()
    assert unit.is_active


def test_unit_form_shows_the_level_rule(as_admin, tree):
    response = as_admin.post("/admin/accounts/unit/add/", {
        "code": "U-BAD", "name": "x", "kind": "subdistrict_office", "region": tree["comm_a"].pk, "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "must be a Subdistrict / township" in response.content.decode()
    assert not Unit.objects.filter(code="U-BAD").exists()


def test_api_keys_are_listed_never_shown_and_revoked_by_action(as_admin, units):
    key, raw = services.create_api_key(actor=command_actor("test"), name="bridge", unit=units["committee_a"])
    listing = as_admin.get("/admin/accounts/apikey/").content.decode()
    detail = as_admin.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    for page in (listing, detail):
        assert key.key_prefix in page
        assert raw not in page and key.key_hash not in page
    assert as_admin.get("/admin/accounts/apikey/add/").status_code == 403
    response = as_admin.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.apikey.revoke").count() == 1


def test_login_failures_are_read_only_and_scoped(client, as_admin, comm_admin, make_user, tree):
    make_user("gw_a2", role=Role.GRID_WORKER, region=tree["grid_a2"])
    lockout.note_failure("GW_A2", "198.51.100.1")
    lockout.note_failure("stranger", "198.51.100.2")
    failure = LoginFailure.objects.get(name_hash=lockout.name_hash("stranger"))
    listing = as_admin.get("/admin/accounts/loginfailure/").content.decode()
    assert "gw_a2" in listing and "stranger" not in listing  # a name that is no account is not shown
    assert as_admin.get("/admin/accounts/loginfailure/", {"q": "Stranger"}).context["cl"].result_list[0] == failure
    assert "198.51.100.2" in as_admin.get(f"/admin/accounts/loginfailure/{failure.pk}/change/").content.decode()
    assert as_admin.get("/admin/accounts/loginfailure/add/").status_code == 403
    assert as_admin.post(f"/admin/accounts/loginfailure/{failure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert as_admin.post(f"/admin/accounts/loginfailure/{failure.pk}/change/", {"username": "x"}).status_code == 403
    assert LoginFailure.objects.filter(pk=failure.pk).exists()
    client.force_login(comm_admin)  # an area admin sees the failures of their own users only
    names = [f.account_name for f in client.get("/admin/accounts/loginfailure/").context["cl"].result_list]
    assert names == ["gw_a2"]

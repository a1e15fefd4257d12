"""Users and units through the services: capability, area, role fit, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.accounts import services
from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent

from .conftest import PASSWORD


def events(action):
    return AuditEvent.objects.filter(action=action)


# --- create_user ---------------------------------------------------------------

def test_create_grid_worker_is_staff_audited_and_argon2_hashed(configured_hashers, settings, global_admin, tree):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = services.create_user(actor=global_admin, username="li_jianguo", role=Role.GRID_WORKER,
                                region=tree["grid_a1"], password=PASSWORD, display_name="网格员 李建国")
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)
    event = events("accounts.user.create").get(object_id=str(user.pk))
    assert event.actor_id == global_admin.pk
    assert event.region_code == tree["grid_a1"].code
    assert event.changes["role"] == [None, "grid_worker"]
    assert "password" not in event.changes
    assert user.password not in str(event.changes)


def test_resident_is_not_staff_and_without_password_cannot_sign_in(global_admin):
    user = services.create_user(actor=global_admin, username="wang_xiuying", role=Role.RESIDENT)
    assert not user.is_staff
    assert not user.has_usable_password()


@pytest.mark.parametrize(("role", "place", "field", "fragment"), [
    (Role.GRID_WORKER, "comm_a", "region", "must be a Grid"),
    (Role.GRID_WORKER, None, "region", "needs an area"),
    (Role.COMMUNITY_STAFF, "grid_a1", "region", "must be a Community / village"),
    (Role.DISPATCHER, "comm_a", "region", "must be a Subdistrict / township"),
    (Role.LEADER, None, "region", "needs an area"),
    (Role.RESIDENT, "comm_a", "region", "has no area"),
    (Role.DEPARTMENT, None, "unit", "needs a unit"),
])
def test_role_must_fit_the_area(global_admin, tree, role, place, field, fragment):
    region = tree[place] if place else None
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=global_admin, username="x_user", role=role, region=region, password=PASSWORD)
    assert fragment in " ".join(caught.value.message_dict[field])
    assert not User.objects.filter(username="x_user").exists()
    assert not events("accounts.user.create").exists()


@pytest.mark.parametrize(("role", "place"), [
    (Role.GRID_WORKER, "grid_b1"), (Role.COMMUNITY_STAFF, "comm_a"), (Role.DISPATCHER, "street"),
    (Role.LEADER, "district"), (Role.LEADER, "grid_a2"), (Role.ADMIN, None),
])
def test_roles_that_fit(global_admin, tree, role, place):
    user = services.create_user(actor=global_admin, username=f"ok_{role}", role=role,
                                region=tree[place] if place else None)
    assert user.pk and user.is_staff


def test_department_staff_need_a_unit_and_get_it(global_admin, units):
    user = services.create_user(actor=global_admin, username="chen_wei", role=Role.DEPARTMENT,
                                unit=units["chengguan"])
    assert user.unit == units["chengguan"] and user.region is None


def test_only_accounts_managers_create_users(grid_worker, tree):
    with pytest.raises(PermissionDenied):
        services.create_user(actor=grid_worker, username="sneaky", role=Role.GRID_WORKER, region=tree["grid_a1"])
    assert not User.objects.filter(username="sneaky").exists()


def test_area_admin_creates_inside_their_area_only(comm_admin, tree, units):
    inside = services.create_user(actor=comm_admin, username="in_a2", role=Role.GRID_WORKER, region=tree["grid_a2"])
    assert inside.region == tree["grid_a2"]
    for kwargs in (
        dict(role=Role.GRID_WORKER, region=tree["grid_b1"]),           # another community's grid
        dict(role=Role.COMMUNITY_STAFF, region=tree["comm_b"]),
        dict(role=Role.LEADER, region=tree["street"]),                 # above their own area
        dict(role=Role.ADMIN, region=None),                            # would see everything
        dict(role=Role.RESIDENT),                                      # no area at all
        dict(role=Role.DEPARTMENT, unit=units["committee_b"]),         # a unit of another community
    ):
        with pytest.raises(PermissionDenied):
            services.create_user(actor=comm_admin, username="out", **kwargs)
    assert not User.objects.filter(username="out").exists()
    assert events("accounts.user.create").count() == 1


def test_user_names_are_unique_whatever_the_case(global_admin, tree):
    services.create_user(actor=global_admin, username="Zhang", role=Role.RESIDENT)
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=global_admin, username="zhang", role=Role.RESIDENT)
    assert "zhang" in caught.value.message_dict["username"][0]


def test_weak_password_is_refused_on_the_password_field(global_admin):
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=global_admin, username="weak", role=Role.RESIDENT, password="123")
    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="weak").exists()


def test_shell_actor_may_create_anywhere_and_is_named_in_the_trail(tree):
    user = services.create_user(actor=command_actor("seed"), username="from_shell", role=Role.LEADER,
                                region=tree["district"])
    event = events("accounts.user.create").get(object_id=str(user.pk))
    assert event.actor_id is None and event.actor_label.startswith("system:seed")


# --- update / deactivate ------------------------------------------------------

def test_update_user_records_what_changed(global_admin, grid_worker, tree):
    services.update_user(actor=global_admin, user=grid_worker, region=tree["grid_a2"], display_name="新名字",
                         reason="moved grid")
    grid_worker.refresh_from_db()
    assert grid_worker.region == tree["grid_a2"]
    event = events("accounts.user.update").get()
    assert event.changes["region_id"] == [tree["grid_a1"].pk, tree["grid_a2"].pk]
    assert event.reason == "moved grid"


def test_update_without_change_writes_nothing(global_admin, grid_worker):
    services.update_user(actor=global_admin, user=grid_worker, display_name="")
    assert not events("accounts.user.update").exists()


def test_area_admin_cannot_touch_users_of_another_area(comm_admin, make_user, tree):
    other = make_user("gw_b1", role=Role.GRID_WORKER, region=tree["grid_b1"])
    with pytest.raises(PermissionDenied):
        services.update_user(actor=comm_admin, user=other, display_name="hijacked")
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=comm_admin, user=other, reason="because")
    other.refresh_from_db()
    assert other.is_active and other.display_name == ""


def test_area_admin_cannot_widen_their_own_area(comm_admin, tree, units):
    for change in (dict(region=None), dict(region=tree["street"]), dict(region=None, unit=units["committee_a"])):
        with pytest.raises(PermissionDenied):
            services.update_user(actor=comm_admin, user=comm_admin, **change)
    comm_admin.refresh_from_db()
    assert comm_admin.region == tree["comm_a"]
    assert not comm_admin.scope.unrestricted


def test_area_admin_cannot_move_a_user_out_of_their_area(comm_admin, grid_worker, tree):
    with pytest.raises(PermissionDenied):
        services.update_user(actor=comm_admin, user=grid_worker, region=tree["grid_b1"])
    grid_worker.refresh_from_db()
    assert grid_worker.region == tree["grid_a1"]


def test_role_change_must_fit_the_area(global_admin, grid_worker):
    with pytest.raises(ValidationError) as caught:
        services.update_user(actor=global_admin, user=grid_worker, role=Role.DISPATCHER)
    assert "region" in caught.value.message_dict


def test_only_a_superuser_changes_a_superuser(global_admin, make_user):
    root = make_user("root", role=Role.ADMIN, is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied):
        services.set_user_password(actor=global_admin, user=root, password="Another-pass-2026")
    assert root.check_password(PASSWORD)


def test_deactivate_needs_a_reason_and_is_audited(global_admin, grid_worker):
    with pytest.raises(ValidationError) as caught:
        services.deactivate_user(actor=global_admin, user=grid_worker, reason=" ")
    assert "reason" in caught.value.message_dict
    services.deactivate_user(actor=global_admin, user=grid_worker, reason="left the job")
    grid_worker.refresh_from_db()
    assert not grid_worker.is_active
    event = events("accounts.user.deactivate").get()
    assert event.reason == "left the job" and event.changes["is_active"] == [True, False]


def test_nobody_deactivates_their_own_account(global_admin):
    with pytest.raises(ValidationError) as caught:
        services.deactivate_user(actor=global_admin, user=global_admin, reason="oops")
    assert "is_active" in caught.value.message_dict
    global_admin.refresh_from_db()
    assert global_admin.is_active


def test_deactivated_user_is_signed_out_at_the_next_request(client, global_admin, grid_worker):
    client.force_login(grid_worker)
    assert client.get("/api/v1/accounts/me").status_code == 200
    services.deactivate_user(actor=global_admin, user=grid_worker, reason="left")
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_set_password_validates_and_audits(global_admin, grid_worker):
    with pytest.raises(ValidationError):
        services.set_user_password(actor=global_admin, user=grid_worker, password="short")
    services.set_user_password(actor=global_admin, user=grid_worker, password="Brand-new-pass-2026")
    grid_worker.refresh_from_db()
    assert grid_worker.check_password("Brand-new-pass-2026")
    assert events("accounts.user.set_password").count() == 1


# --- units --------------------------------------------------------------------

def test_create_unit_is_audited_in_its_area(global_admin, tree, street_office):
    unit = services.create_unit(actor=global_admin, code="U-NEW", name="永安里居委会",
                                kind=UnitKind.COMMUNITY_COMMITTEE, region=tree["comm_a"], supervisor=street_office)
    event = events("accounts.unit.create").get(object_id=str(unit.pk))
    assert event.region_code == tree["comm_a"].code
    assert event.changes["code"] == [None, "U-NEW"]


def test_unit_kind_must_fit_the_level(global_admin, tree):
    with pytest.raises(ValidationError) as caught:
        services.create_unit(actor=global_admin, code="U-X", name="x", kind=UnitKind.SUBDISTRICT_OFFICE,
                             region=tree["comm_a"])
    assert "must be a Subdistrict / township" in caught.value.message_dict["region"][0]


def test_supervisor_must_cover_the_unit(global_admin, units, tree):
    with pytest.raises(ValidationError) as caught:
        services.create_unit(actor=global_admin, code="U-X", name="x", kind=UnitKind.OTHER, region=tree["grid_b1"],
                             supervisor=units["committee_a"])
    assert "outside its jurisdiction" in caught.value.message_dict["supervisor"][0]


def test_supervision_cannot_loop(global_admin, units):
    services.update_unit(actor=global_admin, unit=units["station_a1"], supervisor=units["committee_a"])
    with pytest.raises(ValidationError) as caught:
        services.update_unit(actor=global_admin, unit=units["committee_a"], supervisor=units["station_a1"])
    assert "supervisor" in caught.value.message_dict


def test_duplicate_unit_code_is_a_field_error(global_admin, units, tree):
    with pytest.raises(ValidationError) as caught:
        services.create_unit(actor=global_admin, code="U-CA", name="dup", kind=UnitKind.OTHER, region=tree["comm_a"])
    assert "code" in caught.value.message_dict


def test_area_admin_creates_and_changes_units_inside_their_area_only(comm_admin, units, tree):
    services.create_unit(actor=comm_admin, code="U-A2", name="a2", kind=UnitKind.OTHER, region=tree["grid_a2"])
    with pytest.raises(PermissionDenied):
        services.create_unit(actor=comm_admin, code="U-B9", name="b", kind=UnitKind.OTHER, region=tree["grid_b1"])
    with pytest.raises(PermissionDenied):
        services.update_unit(actor=comm_admin, unit=units["station_b1"], name="renamed")
    with pytest.raises(PermissionDenied):  # moving one of theirs out of their area
        services.update_unit(actor=comm_admin, unit=units["station_a1"], region=tree["grid_b1"])
    assert not Unit.objects.filter(code="U-B9").exists()
    assert Unit.objects.get(code="U-B1").name == "unit U-B1"
    assert Unit.objects.get(code="U-A1").region == tree["grid_a1"]


def test_unit_with_active_members_is_not_deactivated(global_admin, units, make_user):
    make_user("member", role=Role.DEPARTMENT, unit=units["chengguan"])
    with pytest.raises(ValidationError) as caught:
        services.update_unit(actor=global_admin, unit=units["chengguan"], is_active=False)
    assert "1 active members" in caught.value.message_dict["is_active"][0]
    services.update_unit(actor=global_admin, unit=units["station_a1"], is_active=False)
    assert not Unit.objects.get(code="U-A1").is_active
    assert events("accounts.unit.update").count() == 1


def test_inactive_unit_takes_no_new_members(global_admin, units):
    services.update_unit(actor=global_admin, unit=units["station_a1"], is_active=False)
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=global_admin, username="late", role=Role.DEPARTMENT,
                             unit=Unit.objects.get(code="U-A1"))
    assert "no longer active" in caught.value.message_dict["unit"][0]

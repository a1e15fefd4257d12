"""Two-factor sign-in: enrolment with a QR code, recovery codes, enforcement by role, reset by an administrator."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts import sessions, two_factor
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent

from .conftest import PASSWORD


def code_of(device, offset=0):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_who_must_use_it(enforced, global_admin, grid_worker, make_user, tree, settings):
    staff = make_user("staff_a", role=Role.COMMUNITY_STAFF, region=tree["comm_a"])  # may reveal ID numbers
    resident = make_user("resident_1")
    assert two_factor.required_for(global_admin)
    assert two_factor.required_for(staff)
    assert not two_factor.required_for(grid_worker)
    assert not two_factor.required_for(resident)
    settings.TWO_FACTOR_ENFORCED = False
    assert not two_factor.required_for(global_admin)


def test_an_administrator_must_enrol_before_anything_else(enforced, client, global_admin):
    sign_in(client, global_admin)
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_setup"))
    assert client.get("/api/v1/cases/").status_code == 403
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, drawn here
    device = TOTPDevice.objects.get(user=global_admin, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"action": "confirm", "token": "000000"})
    assert "The code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    done = client.post(reverse("two_factor_setup"), {"action": "confirm", "token": code_of(device)})
    codes = done.context["codes"]
    assert len(codes) == two_factor.RECOVERY_CODES
    assert client.get("/console/").status_code == 200  # this session is verified
    assert AuditEvent.objects.filter(action="accounts.two_factor.enrol", object_id=str(global_admin.pk)).exists()


def test_an_enrolled_user_gives_a_code_at_every_sign_in(client, grid_worker):
    device = TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    sign_in(client, grid_worker)
    response = client.get("/grid/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify"))
    bad = client.post(reverse("two_factor_verify"), {"token": "123456"})
    assert bad.status_code == 200 and "The code is not right" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second (test_wrong_codes_are_throttled)
    ok = client.post(reverse("two_factor_verify"), {"token": code_of(device), "next": "/grid/"})
    assert ok.status_code == 302 and ok["Location"] == "/grid/"
    assert client.get("/grid/").status_code == 200
    actions = list(AuditEvent.objects.filter(object_id=str(grid_worker.pk), action__startswith="accounts.two_factor")
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["accounts.two_factor.failed", "accounts.two_factor.verify"]


def test_a_code_is_not_accepted_twice(grid_worker):
    device = TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    code = code_of(device)
    assert two_factor.verify(user=grid_worker, token=code) == device
    with pytest.raises(Exception, match="not right|Too many"):
        two_factor.verify(user=grid_worker, token=code)


def test_a_recovery_code_works_once(client, grid_worker):
    device = TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    codes = two_factor.regenerate_recovery_codes(actor=grid_worker)
    sign_in(client, grid_worker)
    response = client.post(reverse("two_factor_verify"), {"token": codes[0].upper()})
    assert response.status_code == 302
    assert StaticToken.objects.filter(device__user=grid_worker).count() == two_factor.RECOVERY_CODES - 1
    client.post(reverse("logout"))
    sign_in(client, grid_worker)
    again = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 200
    assert device.pk


def test_wrong_codes_are_throttled(grid_worker):
    TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    messages = set()
    for _attempt in range(3):
        with pytest.raises(Exception) as caught:
            two_factor.verify(user=grid_worker, token="111111")
        messages.add(str(caught.value))
    assert any("Too many wrong codes" in m for m in messages)


def test_optional_roles_may_turn_it_off_required_ones_may_not(enforced, client, grid_worker, global_admin):
    device = TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    sign_in(client, grid_worker)
    client.post(reverse("two_factor_verify"), {"token": code_of(device)})
    client.post(reverse("two_factor_setup"), {"action": "disable"})
    assert not two_factor.is_enrolled(grid_worker)
    TOTPDevice.objects.create(user=global_admin, name="authenticator", confirmed=True)
    with pytest.raises(Exception, match="requires two-factor"):
        two_factor.disable(actor=global_admin)


def test_an_administrator_resets_a_lost_device_in_their_area_only(global_admin, comm_admin, grid_worker, make_user,
                                                                  tree, client):
    TOTPDevice.objects.create(user=grid_worker, name="authenticator", confirmed=True)
    two_factor.regenerate_recovery_codes(actor=grid_worker)
    client.force_login(grid_worker)
    client.get("/login/verify/")
    assert sessions.sessions_of(grid_worker)
    outsider = make_user("gw_b1", role=Role.GRID_WORKER, region=tree["grid_b1"])
    TOTPDevice.objects.create(user=outsider, name="authenticator", confirmed=True)
    with pytest.raises(Exception):
        two_factor.reset_devices(actor=comm_admin, user=outsider)
    assert two_factor.is_enrolled(outsider)
    two_factor.reset_devices(actor=comm_admin, user=grid_worker, reason="lost phone")
    assert not two_factor.has_devices(grid_worker)
    assert sessions.sessions_of(grid_worker) == []
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert event.reason == "lost phone" and event.object_id == str(grid_worker.pk)


def test_not_enforced_and_not_enrolled_changes_nothing(client, global_admin):
    sign_in(client, global_admin)
    assert client.get("/console/").status_code == 200

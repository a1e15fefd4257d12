"""Password reset without e-mail: a one-time link an administrator issues, which expires; audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts import password_reset
from gongzhi.accounts.models import PasswordResetLink, SignedInSession
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent

from .conftest import PASSWORD

NEW = "Winter-plum-2027!"


def test_a_link_sets_a_new_password_once_and_signs_out_everywhere(comm_admin, grid_worker):
    old_session = Client()
    old_session.force_login(grid_worker)
    old_session.get("/grid/")
    token = password_reset.issue_link(actor=comm_admin, user=grid_worker, reason="forgot it")
    assert not PasswordResetLink.objects.filter(token_hash=token).exists()  # only a hash is kept

    client = Client()
    url = reverse("password_reset_link", args=[token])
    assert client.get(url).status_code == 200
    mismatch = client.post(url, {"password": NEW, "password_again": NEW + "x"})
    assert "The two passwords differ" in mismatch.content.decode()
    weak = client.post(url, {"password": "12345678", "password_again": "12345678"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    done = client.post(url, {"password": NEW, "password_again": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    grid_worker.refresh_from_db()
    assert grid_worker.check_password(NEW)
    assert not SignedInSession.objects.filter(user=grid_worker).exists()
    assert old_session.get("/grid/").status_code == 302

    assert client.get(url).status_code == 404  # spent
    assert client.post(url, {"password": "Other-pass-2027!", "password_again": "Other-pass-2027!"}).status_code == 404
    actions = list(AuditEvent.objects.filter(object_id=str(grid_worker.pk), action__startswith="accounts.password_reset")
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["accounts.password_reset.issue", "accounts.password_reset.use"]
    assert token not in str(list(AuditEvent.objects.values_list("changes", "reason")))


def test_a_link_expires_and_a_newer_one_replaces_it(comm_admin, grid_worker):
    first = password_reset.issue_link(actor=comm_admin, user=grid_worker)
    second = password_reset.issue_link(actor=comm_admin, user=grid_worker)
    with pytest.raises(ValidationError, match="not valid"):
        password_reset.use_link(token=first, password=NEW)
    PasswordResetLink.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="not valid"):
        password_reset.use_link(token=second, password=NEW)
    with pytest.raises(ValidationError, match="not valid"):
        password_reset.use_link(token="made-up", password=NEW)
    grid_worker.refresh_from_db()
    assert grid_worker.check_password(PASSWORD)


def test_only_an_administrator_over_the_user_issues_links(comm_admin, grid_worker, make_user, tree):
    outsider = make_user("gw_b1", role=Role.GRID_WORKER, region=tree["grid_b1"])
    with pytest.raises(PermissionDenied):
        password_reset.issue_link(actor=comm_admin, user=outsider)
    with pytest.raises(PermissionDenied):
        password_reset.issue_link(actor=grid_worker, user=grid_worker)
    assert not PasswordResetLink.objects.exists()


def test_the_admin_action_shows_the_link_once(client, global_admin, grid_worker):
    client.force_login(global_admin)
    response = client.post(reverse("admin:accounts_user_changelist"),
                           {"action": "issue_reset_link", "_selected_action": [grid_worker.pk]})
    assert response.status_code == 200
    link = response.context["link"]
    assert "/reset/" in link
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert password_reset.link_user(token) == grid_worker

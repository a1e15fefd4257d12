"""Signed-in sessions: the list, signing out elsewhere, an administrator's forced sign-out, idle expiry."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.accounts import services, sessions
from gongzhi.accounts.models import SignedInSession
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent

from .conftest import PASSWORD


def signed_in(user, agent="Browser"):
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_each_sign_in_is_listed_and_the_others_can_be_signed_out(grid_worker):
    phone, laptop, tablet = (signed_in(grid_worker, agent) for agent in ("Phone", "Laptop", "Tablet"))
    page = laptop.get(reverse("my_sessions"))
    assert page.status_code == 200
    assert [row.user_agent for row in page.context["rows"]] and len(page.context["rows"]) == 3
    assert sum(row.is_current for row in page.context["rows"]) == 1

    tablet_row = SignedInSession.objects.get(user_agent="Tablet")
    laptop.post(reverse("my_sessions"), {"session": tablet_row.pk})
    assert tablet.get("/grid/").status_code == 302  # signed out

    laptop.post(reverse("my_sessions"), {"action": "others"})
    assert phone.get("/grid/").status_code == 302
    assert laptop.get("/grid/").status_code == 200
    assert [row.user_agent for row in sessions.sessions_of(grid_worker)] == ["Laptop"]
    assert AuditEvent.objects.filter(action="accounts.session.end_others", actor=grid_worker).exists()


def test_one_cannot_end_someone_elses_session(grid_worker, make_user, tree):
    other = make_user("gw_a1_b", role=Role.GRID_WORKER, region=tree["grid_a1"])
    theirs = signed_in(other)
    row = SignedInSession.objects.get(user=other)
    mine = signed_in(grid_worker)
    mine.post(reverse("my_sessions"), {"session": row.pk})
    assert theirs.get("/grid/").status_code == 200
    with pytest.raises(Exception):
        sessions.end_session(actor=grid_worker, user=other, session_id=row.pk)


def test_signing_out_removes_the_row(grid_worker):
    client = signed_in(grid_worker)
    assert SignedInSession.objects.filter(user=grid_worker).count() == 1
    client.post(reverse("logout"))
    assert not SignedInSession.objects.filter(user=grid_worker).exists()


def test_an_administrator_signs_a_user_out_everywhere_in_their_area_only(comm_admin, grid_worker, make_user, tree):
    first, second = signed_in(grid_worker), signed_in(grid_worker)
    outsider = make_user("gw_b1", role=Role.GRID_WORKER, region=tree["grid_b1"])
    theirs = signed_in(outsider)
    with pytest.raises(Exception):
        sessions.force_sign_out(actor=comm_admin, user=outsider)
    assert theirs.get("/grid/").status_code == 200
    assert sessions.force_sign_out(actor=comm_admin, user=grid_worker, reason="left the job") == 2
    assert first.get("/grid/").status_code == 302 and second.get("/grid/").status_code == 302
    assert AuditEvent.objects.get(action="accounts.session.force_sign_out").reason == "left the job"


def test_deactivating_an_account_signs_it_out(global_admin, grid_worker):
    client = signed_in(grid_worker)
    services.deactivate_user(actor=global_admin, user=grid_worker, reason="left")
    assert not SignedInSession.objects.filter(user=grid_worker).exists()
    assert client.get("/grid/").status_code == 302


def test_an_idle_session_ends_per_role(settings, grid_worker, make_user):
    settings.SESSION_IDLE_TIMEOUT = 600
    settings.SESSION_IDLE_TIMEOUTS = {"grid_worker": 60}
    resident = make_user("resident_1")
    assert sessions.idle_timeout_for(grid_worker) == 60
    assert sessions.idle_timeout_for(resident) == 600
    client = signed_in(grid_worker)
    session = client.session
    session[sessions.SEEN_KEY] = int(time.time()) - 61
    session.save()
    response = client.get("/grid/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/grid/").status_code == 302
    api = signed_in(grid_worker)
    session = api.session
    session[sessions.SEEN_KEY] = int(time.time()) - 61
    session.save()
    assert api.get("/api/v1/cases/").status_code == 401


def test_a_used_session_stays(settings, grid_worker):
    settings.SESSION_IDLE_TIMEOUTS = {"grid_worker": 60}
    client = signed_in(grid_worker)
    session = client.session
    session[sessions.SEEN_KEY] = int(time.time()) - 30
    session.save()
    assert client.get("/grid/").status_code == 200
    assert client.session[sessions.SEEN_KEY] >= int(time.time()) - 1  # refreshed

"""One notion of who is acting: a user, an API key, or the system actor of a command."""

from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from gongzhi.accounts import services
from gongzhi.accounts.actors import SystemActor, actor_of, command_actor, user_of
from gongzhi.accounts.models import ApiKey
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent


@pytest.fixture
def admin(make_user):
    return make_user("key-admin", role=Role.ADMIN, is_staff=True)


def test_only_a_signed_in_user_is_a_person(admin):
    key, _raw = services.create_api_key(actor=command_actor("test"), name="bridge")
    system = command_actor("test")
    assert user_of(admin) == admin
    assert user_of(key) is None
    assert user_of(system) is None  # it has a username, and is still nobody's account
    assert hasattr(system, "username")
    assert user_of(AnonymousUser()) is None
    assert user_of(None) is None


def test_actor_of_a_request_prefers_the_api_key_then_the_session(admin):
    key, _raw = services.create_api_key(actor=command_actor("test"), name="bridge")
    request = RequestFactory().get("/")
    request.user = admin
    assert actor_of(request) == admin
    request.actor = key
    assert actor_of(request) == key
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert actor_of(anonymous) is None


def test_a_command_acts_as_its_system_actor_by_default_and_names_it(admin):
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--name", "bridge", stdout=out, stderr=err)
    event = AuditEvent.objects.get(action="accounts.apikey.create")
    assert event.actor_id is None  # no person acted, and none is named
    assert event.actor_label.startswith("system:create_api_key (")
    assert ApiKey.objects.get().created_by is None


def test_a_command_acts_as_the_user_given_with_as(admin):
    call_command("create_api_key", "--name", "bridge", "--as", "key-admin", stdout=StringIO(), stderr=StringIO())
    call_command("create_api_key", "--name", "bridge 2", "--user", "key-admin", stdout=StringIO(), stderr=StringIO())
    events = AuditEvent.objects.filter(action="accounts.apikey.create")
    assert [event.actor_id for event in events] == [admin.pk, admin.pk]


def test_a_command_refuses_an_unknown_or_inactive_user(admin, make_user):
    make_user("gone", role=Role.ADMIN, is_active=False)
    for name in ("nobody", "gone"):
        with pytest.raises(CommandError, match=name):
            call_command("create_api_key", "--name", "bridge", "--as", name, stdout=StringIO(), stderr=StringIO())
    assert not ApiKey.objects.exists()


def test_the_system_actor_may_do_everything_everywhere():
    system = command_actor("seed")
    assert isinstance(system, SystemActor) and system.is_superuser
    assert system.scope.covers_code("110105001001001")

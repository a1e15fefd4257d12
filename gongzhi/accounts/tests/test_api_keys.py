"""API keys: made and revoked at the shell, stored hashed, accepted by the API only while active."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.accounts import services
from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import ApiKey, hash_api_key
from gongzhi.audit.models import AuditEvent

ME = "/api/v1/accounts/me"


def create_key(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def run(command, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_created_key_is_printed_once_and_stored_hashed(units):
    raw, note = create_key("--name", "12345 bridge", "--unit", "U-CA")
    assert raw.startswith("gz_") and len(raw) > 40
    assert "only this once" in note and raw not in note
    key = ApiKey.objects.get()
    assert key.key_hash == hash_api_key(raw) and key.unit == units["committee_a"]
    stored = [str(value) for value in ApiKey.objects.values_list(*[f.attname for f in ApiKey._meta.concrete_fields])
              .get()]
    assert not any(raw in value for value in stored)
    event = AuditEvent.objects.get(action="accounts.apikey.create")
    assert raw not in str(event.changes) and raw not in event.object_repr
    assert event.region_code == units["committee_a"].region.code


def test_key_works_on_me(client, units):
    raw, _ = create_key("--name", "bridge", "--unit", "U-CA")
    response = client.get(ME, headers={"X-API-Key": raw})
    assert response.status_code == 200
    assert response.json() == {"kind": "api_key", "name": "bridge", "role": None, "region_code": None,
                               "unit_code": "U-CA"}
    assert ApiKey.objects.get().last_used_at is not None


def test_wrong_missing_and_revoked_keys_get_401(client, units):
    raw, _ = create_key("--name", "bridge", "--unit", "U-CA")
    assert client.get(ME).status_code == 401
    assert client.get(ME, headers={"X-API-Key": raw[:-1] + ("A" if raw[-1] != "A" else "B")}).status_code == 401
    assert client.get(ME, headers={"X-API-Key": "not-a-key"}).status_code == 401
    key = ApiKey.objects.get()
    output = run("revoke_api_key", key.key_prefix, "--reason", "leaked")
    assert "Revoked" in output
    assert client.get(ME, headers={"X-API-Key": raw}).status_code == 401
    event = AuditEvent.objects.get(action="accounts.apikey.revoke")
    assert event.reason == "leaked" and event.object_id == str(key.pk)


def test_revoke_by_id_and_twice(units):
    create_key("--name", "one", "--unit", "U-CA")
    key = ApiKey.objects.get()
    run("revoke_api_key", str(key.pk))
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke_api_key", str(key.pk))
    assert AuditEvent.objects.filter(action="accounts.apikey.revoke").count() == 1


def test_revoke_names_exactly_one_key(units):
    with pytest.raises(CommandError, match="no API key #999"):
        run("revoke_api_key", "999")
    with pytest.raises(CommandError, match="at least"):
        run("revoke_api_key", "gz_")
    with pytest.raises(CommandError, match="No API key starts with"):
        run("revoke_api_key", "gz_nothing-like-it")
    a, _ = services.create_api_key(actor=command_actor("test"), name="a")
    b, _ = services.create_api_key(actor=command_actor("test"), name="b")
    ApiKey.objects.filter(pk=b.pk).update(key_prefix=a.key_prefix)  # force a clash of prefixes
    with pytest.raises(CommandError, match="More than one"):
        run("revoke_api_key", a.key_prefix)


def test_list_never_shows_the_key(units):
    raw, _ = create_key("--name", "bridge", "--unit", "U-CA")
    raw2, _ = create_key("--name", "old one")
    run("revoke_api_key", ApiKey.objects.get(name="old one").key_prefix)
    listing = run("list_api_keys")
    assert "bridge" in listing and "U-CA" in listing and raw[:12] in listing
    assert raw not in listing and "old one" not in listing
    everything = run("list_api_keys", "--all")
    assert "old one" in everything and "revoked" in everything and raw2 not in everything


def test_unknown_unit_and_empty_name_are_refused(units):
    with pytest.raises(CommandError, match="no unit with code"):
        create_key("--name", "x", "--unit", "NOPE")
    with pytest.raises(CommandError, match="needs a name"):
        create_key("--name", " ", "--unit", "U-CA")
    assert not ApiKey.objects.exists()


def test_acting_as_an_area_admin_keeps_to_their_area(comm_admin, units):
    raw, _ = create_key("--name", "ok", "--unit", "U-A1", "--user", comm_admin.username)
    assert raw.startswith("gz_")
    with pytest.raises(CommandError, match="outside your area"):
        create_key("--name", "no", "--unit", "U-B1", "--user", comm_admin.username)
    with pytest.raises(CommandError, match="without a unit"):
        create_key("--name", "no", "--user", comm_admin.username)
    assert ApiKey.objects.count() == 1
    event = AuditEvent.objects.get(action="accounts.apikey.create")
    assert event.actor_id == comm_admin.pk


def test_shell_actor_is_named_in_the_trail(units):
    create_key("--name", "bridge", "--unit", "U-CA")
    assert AuditEvent.objects.get(action="accounts.apikey.create").actor_label.startswith("system:create_api_key")

"""The registry of personal-data holders covers every personal field of every model."""

import pytest
from django.apps import apps

from gongzhi.accounts.models import User
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.privacy import holders


def test_every_encrypted_field_is_declared_by_a_holder():
    """A model that stores personal data encrypted must say, through ``privacy.holders.register``,
    how a data subject's rows are found (PIPL access, correction and deletion)."""
    missing = holders.uncovered_fields()
    assert not missing, (
        "personal-data fields no holder declares (register them with gongzhi.privacy.holders.register, "
        "see its docstring): " + ", ".join(missing))


def test_the_walk_sees_every_encrypted_field():
    encrypted = {(m._meta.label, f.name) for m in apps.get_models() for f in m._meta.concrete_fields
                 if isinstance(f, EncryptedTextField)}
    walked = {(m._meta.label, f.name) for m in apps.get_models() for f in holders.personal_fields(m)}
    assert encrypted <= walked
    assert ("accounts.User", "phone") in walked


def test_declarations_name_installed_models_and_their_fields():
    assert holders.declaration_errors() == []


def test_an_undeclared_field_is_named():
    saved = holders._HOLDERS.pop("accounts")
    try:
        assert "accounts.User.phone" in holders.uncovered_fields()
    finally:
        holders._HOLDERS["accounts"] = saved
    assert "accounts.User.phone" not in holders.uncovered_fields()


def test_a_wrong_declaration_is_reported():
    holders.register("privacy_test", title="t", models={"accounts.User": ("no_such_field",), "nope.Model": ("x",)},
                     find=lambda subject: [])
    try:
        errors = holders.declaration_errors()
        assert "privacy_test: accounts.user has no field no_such_field" in errors
        assert "privacy_test: no model nope.model" in errors
    finally:
        holders.unregister("privacy_test")


def test_register_refuses_a_single_string_of_fields():
    with pytest.raises(ValueError):
        holders.register("privacy_test", title="t", models={"accounts.User": "phone"}, find=lambda subject: [])
    assert "privacy_test" not in {h.app_label for h in holders.holders()}


def test_a_subject_without_identifiers_matches_nothing(db, make_user):
    make_user("nobody-phone")  # phone_index ""
    assert holders.find_all(holders.Subject(name="张三")) == []
    assert not User.objects.filter(holders.Subject().match(phone="phone_index", user="pk")).exists()


def test_an_account_is_found_by_its_phone_and_by_its_id(db, make_user):
    resident = make_user("resident-1", phone="138 1234 5678")
    make_user("other")
    by_phone = holders.find_all(holders.Subject(phone="+86 13812345678"))
    assert [(f.model, [r.pk for r in f.rows]) for f in by_phone if f.holder.app_label == "accounts"] == [
        (User, [resident.pk])]
    by_user = holders.find_all(holders.Subject(user_id=resident.pk))
    users = [r for f in by_user if f.model is User for r in f.rows]
    assert users == [resident]


def test_rows_of_an_undeclared_model_are_refused(db, make_user):
    make_user("someone", phone="13900001111")
    holders.register("privacy_test", title="t", models={"accounts.Unit": ("name",)},
                     find=lambda subject: [User.objects.filter(subject.match(phone="phone_index"))])
    try:
        with pytest.raises(ValueError, match="does not declare"):
            holders.find_all(holders.Subject(phone="13900001111"))
    finally:
        holders.unregister("privacy_test")

"""One input-cleaning rule (gongzhi.core.text) on every text field of every face.

Walked, not listed: every Django form class of the product and every text field of every model
(the admin's and model forms' fields), every text property of every JSON request body of the
OpenAPI schema, the cells of the imports, and the address of every request. NUL, control
characters, bidirectional overrides and invisible-only text are refused with a message; on
PostgreSQL a NUL never reaches the database (it would answer a server error).
"""

import importlib
import json
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

import gongzhi
from gongzhi.accounts.models import ApiKey, hash_api_key
from gongzhi.accounts.roles import CAPABILITIES
from gongzhi.accounts.services import KEY_FORBIDDEN
from gongzhi.api import api
from gongzhi.core.text import clean_text, problem
from gongzhi.registry.models import Person

# value -> a word of the message that refuses it (English, as the tests run)
BAD = {
    "名\x00字": "NUL",
    "\u200b\u200b": "invisible",
    "\ufeff\u200d \u2060": "invisible",
    "invoice\u202efdp.exe": "direction",
    "title\u2066x\u2069": "direction",
    "red\x1b[31m": "control",
    "c1\x85x": "control",
    "del\x7f": "control",
}


def test_the_rule():
    for value in ("", "   ", "张三", "Zhang San", "a\tb", "第一行\n第二行\r\n", "emoji 👍", "ZWJ in 👨\u200d👩\u200d👧"):
        assert clean_text(value) == value
    for value, word in BAD.items():
        assert word in problem(value), value
    assert "control" in problem("第一行\n第二行", multiline=False)


def _form_classes():
    for module in pkgutil.walk_packages(gongzhi.__path__, "gongzhi."):
        name = module.name
        if ".tests" in name or ".migrations" in name or name.endswith((".wsgi", ".asgi", ".settings")):
            continue
        if any(part in name for part in (".forms", ".admin", ".views")):
            importlib.import_module(name)
    seen, pending = set(), [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    return sorted((c for c in seen if c.__module__.startswith(("gongzhi.", "django.contrib.auth.forms"))),
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _refuses(field, label):
    for value, word in BAD.items():
        with pytest.raises(ValidationError) as refused:
            field.clean(value)
        assert word in " ".join(refused.value.messages), (label, value, refused.value.messages)


def test_every_text_field_of_every_form_refuses_bad_text():
    checked = 0
    for form_class in _form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            if isinstance(field, forms.CharField) and not isinstance(field, forms.JSONField):
                _refuses(field, f"{form_class.__module__}.{form_class.__qualname__}.{name}")
                checked += 1
    assert checked > 20  # the walk found the product's forms


def test_every_text_field_of_every_model_refuses_bad_text_in_its_form():
    """The admin's and every model form's fields are the models' formfields."""
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("gongzhi."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)) and not field.choices and field.editable:
                _refuses(field.formfield(), model._meta.label + "." + field.name)
                checked += 1
    assert checked > 50


@pytest.fixture
def key(world):
    raw = ApiKey.generate()
    ApiKey.objects.create(name="text", key_prefix=raw[:ApiKey.PREFIX_LENGTH], key_hash=hash_api_key(raw),
                          unit=world.units.district,
                          capabilities=sorted(frozenset().union(*CAPABILITIES.values()) - KEY_FORBIDDEN))
    return raw


def _text_properties(schema, components, prefix=""):
    """(dotted name, example body) of every free-text property of a JSON body schema, nested ones too."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        for option in options:
            if "$ref" in option:
                for inner, body in _text_properties(option, components):
                    yield f"{name}.{inner}", lambda value, body=body, name=name: {name: body(value)}
            elif option.get("type") == "string" and not ({"enum", "format", "pattern"} & set(option)):
                yield name, lambda value, name=name: {name: value}
            elif option.get("type") == "array" and option.get("items", {}).get("type") == "string":
                yield name, lambda value, name=name: {name: [value]}
            elif option.get("type") == "array" and "$ref" in option.get("items", {}):
                for inner, body in _text_properties(option["items"], components):
                    yield f"{name}[].{inner}", lambda value, body=body, name=name: {name: [body(value)]}


def test_every_text_property_of_every_api_request_body_refuses_bad_text(client, key):
    raw = api.get_openapi_schema()
    components = raw.get("components", {}).get("schemas", {})
    checked = 0
    for path, methods in raw["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            url = path
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "path":
                    url = url.replace("{" + parameter["name"] + "}", "1")
            for name, body in _text_properties(content["application/json"]["schema"], components):
                for value, word in BAD.items():
                    response = client.generic(method.upper(), url, data=json.dumps(body(value)),
                                              content_type="application/json", HTTP_X_API_KEY=key)
                    assert response.status_code == 422 and word in response.content.decode(), (
                        f"{method.upper()} {path} {name}={value!r}: {response.status_code} {response.content[:300]}")
                checked += 1
    assert checked > 60


def test_control_characters_in_the_address_are_a_bad_request(client, key, world):
    for url in ("/api/v1/registry/persons?q=%00", "/api/v1/registry/persons?name=a%1bb", "/api/v1/regions/%00",
                "/api/v1/cases/?q=%00"):
        response = client.get(url, HTTP_X_API_KEY=key)
        assert response.status_code == 400 and "control characters" in response.json()["detail"], url
    client.force_login(world.users.comm_a_staff)
    assert client.get("/?q=%00").status_code == 400


def test_a_nul_in_a_registry_write_and_search_is_refused_not_a_server_error(client, key, tree):
    """The finding on PostgreSQL, which cannot store NUL: 4xx, never 500 (runs on both databases)."""
    response = client.post("/api/v1/registry/persons", {"name": "张\x00三", "grid": tree["grid_a1"].code},
                           content_type="application/json", HTTP_X_API_KEY=key)
    assert response.status_code == 422 and "NUL" in response.content.decode()
    assert not Person.objects.exists()
    response = client.post("/api/v1/registry/persons/lookup", {"phone": "138\x00"}, content_type="application/json",
                           HTTP_X_API_KEY=key)
    assert response.status_code == 422
    assert client.get("/api/v1/registry/persons", {"q": "张\x00"}, HTTP_X_API_KEY=key).status_code == 400


def test_an_import_cell_with_bad_text_is_a_row_error(client, key, tree):
    header = "人员编号,姓名,证件类型,证件号码,性别,出生日期,联系电话,人口类型,房屋编号,与房屋关系,网格编码,关爱标签,备注\n"
    row = f"P-1,\u200b\u200b,,,,,,,,,{tree['grid_a1'].code},,备注\x00\n"
    upload = SimpleUploadedFile(
        "persons.csv", (header + row).encode("utf-8"), content_type="text/csv")
    response = client.post("/api/v1/registry/imports", {"file": upload, "dry_run": "true"}, HTTP_X_API_KEY=key)
    assert response.status_code == 422
    messages = [e["message"] for e in response.json()["errors"]]
    assert any("invisible" in m for m in messages) and any("NUL" in m for m in messages), messages
    assert not Person.objects.exists()


def test_the_refusal_speaks_chinese_by_default(client, key, tree, chinese_default):
    response = client.post("/api/v1/registry/persons", {"name": "\u200b", "grid": tree["grid_a1"].code},
                           content_type="application/json", HTTP_X_API_KEY=key)
    assert response.status_code == 422 and "不可见字符" in json.dumps(response.json(), ensure_ascii=False)
    assert "控制字符" in client.get("/api/v1/registry/persons?q=%00", HTTP_X_API_KEY=key).json()["detail"]


def test_open311_parameters_follow_the_rule_in_the_spec_error_format(client, world):
    for value, word in BAD.items():
        response = client.get("/open311/v2/requests.json", {"service_code": value})
        assert response.status_code == 400, value
        assert word in response.json()[0]["description"], value

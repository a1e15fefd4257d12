"""No request to the JSON API answers 5xx: a bounded property-based run over the whole OpenAPI schema.

Schemathesis turns every operation of ``/api/v1/openapi.json`` into a Hypothesis strategy of
requests, valid ones and (negative mode) ones that break the schema: missing or null fields, wrong
types, huge numbers, odd content types. Each request is sent through the WSGI application (every
middleware) with an API key of the district government's unit holding every capability a key may
hold, so that requests reach the handlers; path ids and the ids and codes in bodies are often
swapped for rows that exist, so that writes reach the services and the database. Any answer of
500 or more fails, with the server's traceback.

Bounded: a few examples per operation and mode (``EXAMPLES``), derandomised, so the run is the
same every time and stays short. A new operation is covered as soon as it is in the schema.
"""

import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from gongzhi.accounts.models import ApiKey, hash_api_key
from gongzhi.accounts.roles import CAPABILITIES
from gongzhi.accounts.services import KEY_FORBIDDEN
from gongzhi.accounts.tests.test_scoping_proof import discovered_factories
from gongzhi.api import api
from gongzhi.cases.models import Attachment, Case
from gongzhi.registry.models import Building, CareTag, Compound, Dwelling, Entrance, Household, Patrol, Person
from gongzhi.regions.models import Level, Region

EXAMPLES = 5

RAW_SCHEMA = api.get_openapi_schema()
SCHEMA = schemathesis.openapi.from_dict(RAW_SCHEMA)


def _runs():
    """(label, mode) of every operation: valid requests, and invalid ones where there is input to break."""
    for path, methods in RAW_SCHEMA["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            yield pytest.param(label, GenerationMode.POSITIVE, id=f"{label} valid")
            if operation.get("requestBody") or any(
                    p["in"] != "path" or p["schema"].get("type") != "string" for p in operation.get("parameters", ())):
                yield pytest.param(label, GenerationMode.NEGATIVE, id=f"{label} invalid")


def _known(world):
    """Values that exist, by the name of the path parameter or body field that takes them."""
    ids = lambda model: list(model.objects.order_by("pk").values_list("pk", flat=True)[:5])  # noqa: E731
    grids = list(Region.objects.filter(level=Level.GRID).values_list("code", flat=True))
    persons = ids(Person)
    return {
        "person_id": persons, "head_id": persons, "person_ids": [persons[:2]],
        "dwelling_id": ids(Dwelling), "household_id": ids(Household), "compound_id": ids(Compound),
        "building_id": ids(Building), "entrance_id": ids(Entrance), "patrol_id": ids(Patrol),
        "case_id": ids(Case), "attachment_id": ids(Attachment),
        "grid": grids, "code": grids + list(CareTag.objects.values_list("code", flat=True)),
        "tag": list(CareTag.objects.values_list("code", flat=True)),
        "name": ["registry.xlsx", "persons.csv"],
    }


@pytest.fixture
def fuzz_world(world, tree):
    """Rows of every scoped model in grid A1 (the scoping proof's factories), and a key that may do all a key may."""
    placed, _owned, _catalogues = discovered_factories()
    n = 1000
    for make in placed.values():
        for _ in range(2):
            n += 1
            make(tree["grid_a1"], n)
    raw = ApiKey.generate()
    ApiKey.objects.create(name="fuzz", key_prefix=raw[:ApiKey.PREFIX_LENGTH], key_hash=hash_api_key(raw),
                          unit=world.units.district,
                          capabilities=sorted(frozenset().union(*CAPABILITIES.values()) - KEY_FORBIDDEN))
    return raw, _known(world)


@pytest.fixture
def server_errors():
    """The tracebacks of exceptions the request handler turned into 500 answers.

    As Django's test client does, the handler does not close the database connection at the end of a
    request here: it is the test's, inside the transaction that is rolled back after it."""
    seen = []

    def keep(sender, request=None, **kwargs):
        seen.append(traceback.format_exc())

    got_request_exception.connect(keep, weak=False)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield seen
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        got_request_exception.disconnect(keep)


def _with_known_values(data, case, known):
    """Swap generated ids and codes for existing ones, half of the time, so that requests reach the rows."""
    for name in list(case.path_parameters or {}):
        if name in known and known[name] and data.draw(st.booleans()):
            case.path_parameters[name] = data.draw(st.sampled_from(known[name]))
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in known and known[name] and data.draw(st.booleans()):
                case.body[name] = data.draw(st.sampled_from(known[name]))
    return case


@pytest.mark.parametrize(("label", "mode"), list(_runs()))
def test_no_operation_answers_a_server_error(label, mode, fuzz_world, server_errors, media_in_tmp):
    raw_key, known = fuzz_world
    operation = SCHEMA.find_operation_by_label(label)
    application = get_wsgi_application()
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        case = _with_known_values(data, data.draw(strategy), known)
        headers = {**(case.headers or {}), "X-API-Key": raw_key}
        response = case.call(app=application, headers=headers)
        assert response.status_code < 500, (
            f"{label} answered {response.status_code} to\n{case.as_curl_command()}\n\n"
            + "\n".join(server_errors[-1:]))

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation's input can be made invalid (e.g. one free-text path parameter).
        assert mode == GenerationMode.NEGATIVE, f"no valid request to {label} could be generated"


# --- the findings of the probe, each once ------------------------------------------------------------


@pytest.fixture
def key_client(client, fuzz_world):
    raw_key, _known = fuzz_world
    client.defaults["HTTP_X_API_KEY"] = raw_key
    return client


def test_every_page_parameter_of_the_api_is_bounded():
    """A list paginated without gongzhi.core.schemas.Pages (ninja's own paginator has no maximum) fails here."""
    unbounded = [f"{method.upper()} {path} {p['name']}"
                 for path, methods in RAW_SCHEMA["paths"].items() for method, operation in methods.items()
                 for p in operation.get("parameters", ()) if p["name"] in ("page", "page_size")
                 and "maximum" not in str(p["schema"])]
    assert not unbounded


@pytest.mark.parametrize("url", ["/api/v1/registry/persons", "/api/v1/registry/organisations",
                                 "/api/v1/accounts/units", "/api/v1/regions/", "/api/v1/notifications/"])
def test_a_huge_page_number_is_refused_not_a_server_error(key_client, url):
    assert key_client.get(url, {"page": 184467440737095518}).status_code == 422
    assert key_client.get(url, {"page_size": 10**9}).status_code == 422
    assert key_client.get(url, {"page": 100_000}).json()["items"] == []


def test_a_patch_cannot_set_a_field_that_must_have_a_value_to_null(key_client):
    dwelling = Dwelling.objects.order_by("pk").first()
    person = Person.objects.order_by("pk").first()
    url = f"/api/v1/registry/dwellings/{dwelling.pk}"
    for field in ("external_id", "room", "street_address", "use", "note"):
        assert key_client.patch(url, {field: None}, content_type="application/json").status_code == 422, field
    assert key_client.patch(url, {"floor": None}, content_type="application/json").status_code == 200
    url = f"/api/v1/registry/persons/{person.pk}"
    for field in ("name", "external_id", "phone", "id_number", "gender", "status", "note"):
        assert key_client.patch(url, {field: None}, content_type="application/json").status_code == 422, field
    assert key_client.patch(url, {"birth_date": None}, content_type="application/json").status_code == 200


def test_an_external_id_already_used_is_refused_before_the_database(key_client, tree):
    Compound.objects.create(name="旧小区", grid=tree["grid_a1"], external_id="C-1")
    response = key_client.post("/api/v1/registry/compounds", {"name": "新小区", "grid": tree["grid_a1"].code,
                                                              "external_id": "C-1"}, content_type="application/json")
    assert response.status_code == 422
    assert "external id" in response.json()["errors"]["external_id"][0]
    Household.objects.create(grid=tree["grid_a1"], external_id="H-1")
    head = Person.objects.create(name="户主", grid=tree["grid_a1"])
    response = key_client.post("/api/v1/registry/households", {"head_id": head.pk, "external_id": "H-1"},
                               content_type="application/json")
    assert response.status_code == 422
    assert "household number" in response.json()["errors"]["external_id"][0]


def test_writes_with_fields_missing_answer_4xx(key_client, client, world, tree):
    person = Person.objects.order_by("pk").first()
    response = key_client.post(f"/api/v1/registry/persons/{person.pk}/care-tags", {"tag": ""},
                               content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"]["tag"] == ["Choose a care tag."]
    # A visit or patrol is a staff member's: a machine client is refused, whatever it sends.
    dwelling = Dwelling.objects.order_by("pk").first()
    assert key_client.post("/api/v1/registry/visits", {"dwelling_id": dwelling.pk},
                           content_type="application/json").status_code == 403
    assert key_client.post("/api/v1/registry/patrols", {"grid": tree["grid_a1"].code},
                           content_type="application/json").status_code == 403
    del client.defaults["HTTP_X_API_KEY"]
    client.force_login(world.users.grid_a1)
    assert client.post("/api/v1/registry/visits", {}, content_type="application/json").status_code == 422
    assert client.post("/api/v1/registry/patrols", {}, content_type="application/json").status_code == 422
    assert client.post("/api/v1/registry/patrols", {"grid": ""}, content_type="application/json").status_code == 422


def test_an_upload_without_a_boundary_is_a_bad_request(key_client):
    case = Case.objects.order_by("pk").first()
    for url in ("/api/v1/registry/imports", f"/api/v1/cases/{case.pk}/attachments"):
        response = key_client.generic("POST", url, b"--x\r\n", content_type="multipart/form-data")
        assert response.status_code == 400
        assert "multipart/form-data" in response.json()["detail"]

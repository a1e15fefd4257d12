"""The authorisation matrix: every endpoint, every kind of caller, inside and outside its area (#11).

The endpoints are not listed by hand: they are read from the URL configuration
(every page, admin view and Open311 route, walking ``get_resolver()``) and from
the API's OpenAPI schema (every operation of django-ninja). Each must have an
entry in ``MATRIX`` (``matrix_table.py``) saying what each caller gets; an endpoint
without one fails the suite ("undeclared endpoint"), with the line to add.

Callers (the columns, in this order): an anonymous visitor, one user of each demo
role (resident, grid worker, community staff, dispatcher, department staff,
leader, administrator) and an API key of a community committee holding no
capability. Each is placed so that one set of rows is inside its area and
another outside it (``World``): a case in grid A1 reported by the resident and
dispatched to the department, and one in grid C1 of another subdistrict reported
by another resident and dispatched to another department; registry, notice and
other rows in A1 and in C1 (the factories of the scoping proof). An endpoint
whose path names an object is asked twice, for the inside and the outside row;
its expectation is written ``in/out`` (one code when both are the same).

Writes are sent with a body made from the schema (every required field, of the
declared type), so a request gets past input parsing to the permission and
area checks; each request runs in a transaction that is rolled back, so nothing
one request does is seen by the next.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.views.static import serve as static_serve
from PIL import Image

from gongzhi.accounts.lockout import name_hash
from gongzhi.accounts.models import ApiKey, LoginFailure, Unit, UnitKind, User, hash_api_key
from gongzhi.accounts.roles import Role
from gongzhi.accounts.tests.test_scoping_proof import discovered_factories
from gongzhi.api import api
from gongzhi.cases.models import Attachment, Case, CaseState, Category, Open311Submission
from gongzhi.core import files
from gongzhi.noticeboard.models import Notice
from gongzhi.notifications.models import Notification
from gongzhi.regions import grid_index
from gongzhi.regions.models import Level, Region

from .matrix_table import ACTORS, MATRIX

# --- the endpoints, from the URL configuration and the API schema --------------------------


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def url_routes() -> list[str]:
    """Every route of the URL configuration but the API's operations (those come from the schema)."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if getattr(pattern.callback, "__module__", "") == "ninja.operation":
            continue
        if pattern.callback is static_serve:  # uploaded files served by the development server (DEBUG) only
            continue
        routes.append("/" + route)
    return routes


SCHEMA = api.get_openapi_schema()
COMPONENTS = SCHEMA.get("components", {}).get("schemas", {})


def api_operations() -> dict[str, dict]:
    """``"METHOD /api/v1/path/{param}"`` → the OpenAPI operation, for every operation of the API."""
    schema = SCHEMA
    return {f"{method.upper()} {path}": operation
            for path, operations in schema["paths"].items() for method, operation in operations.items()}


def _route_of(key: str) -> str:
    return key.split(" ", 1)[1]


# --- the world: callers placed so that rows lie inside and outside their areas --------------

def _square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    regions: dict
    users: dict  # actor name → User (None for anonymous and the key)
    key: str  # the raw API key
    inside: dict = field(default_factory=dict)  # model or name → row inside every caller's area
    outside: dict = field(default_factory=dict)  # model or name → row outside every restricted caller's area
    clients: dict = field(default_factory=dict)
    media_root: object = None


def _region(code, name, level, parent=None, **extra):
    return Region.objects.create(code=code, name=name, level=level, parent=parent, **extra)


def build_world() -> World:
    district = _region("110105000000", "朝阳区", Level.DISTRICT)
    street = _region("110105001000", "建外街道", Level.SUBDISTRICT, district)
    comm_a = _region("110105001001", "永安里社区", Level.COMMUNITY, street)
    grid_a1 = _region("110105001001001", "永安里第一网格", Level.GRID, comm_a, boundary=_square(116.44, 39.90))
    street_c = _region("110105002000", "朝外街道", Level.SUBDISTRICT, district)
    comm_c = _region("110105002001", "吉祥里社区", Level.COMMUNITY, street_c)
    grid_c1 = _region("110105002001001", "吉祥里第一网格", Level.GRID, comm_c, boundary=_square(116.46, 39.92))
    grid_index.invalidate()
    regions = dict(district=district, street=street, comm_a=comm_a, grid_a1=grid_a1, street_c=street_c,
                   comm_c=comm_c, grid_c1=grid_c1)

    def unit(code, kind, region):
        return Unit.objects.create(code=code, name=code, kind=kind, region=region)

    office = unit("M-BSC", UnitKind.SUBDISTRICT_OFFICE, street)
    committee = unit("M-JWH", UnitKind.COMMUNITY_COMMITTEE, comm_a)
    chengguan = unit("M-CG", UnitKind.DEPARTMENT, district)
    water = unit("M-SW", UnitKind.DEPARTMENT, district)

    def user(name, role, region=None, unit=None, **extra):
        account = User(username=f"matrix_{name}", role=role, region=region, unit=unit,
                       is_staff=role != Role.RESIDENT, **extra)
        account.set_unusable_password()
        account.save()
        return account

    users = {
        "anon": None,
        "resident": user("resident", Role.RESIDENT),
        "grid": user("grid", Role.GRID_WORKER, grid_a1, committee),
        "community": user("community", Role.COMMUNITY_STAFF, comm_a, committee),
        "dispatcher": user("dispatcher", Role.DISPATCHER, street, office),
        "department": user("department", Role.DEPARTMENT, unit=chengguan),
        "leader": user("leader", Role.LEADER, street),
        "admin": user("admin", Role.ADMIN, is_superuser=True),
        "key": None,
    }
    neighbour = user("neighbour", Role.RESIDENT)
    raw = ApiKey.generate()
    ApiKey.objects.create(name="matrix", key_prefix=raw[:12], key_hash=hash_api_key(raw), unit=committee)
    world = World(regions=regions, users=users, key=raw)

    # Rows of every scoped model, one in A1 and one in C1 (the scoping proof's factories).
    placed, owned, catalogues = discovered_factories()
    numbers = itertools.count(9000)
    for model, make in placed.items():
        world.inside[model] = make(grid_a1, next(numbers))
        world.outside[model] = make(grid_c1, next(numbers))
    for model, make in catalogues.items():
        world.inside[model] = world.outside[model] = make(next(numbers))
    world.inside[Group] = world.outside[Group] = Group.objects.create(name="matrix")
    world.inside[LoginFailure] = world.outside[LoginFailure] = LoginFailure.objects.create(name_hash=name_hash("nobody"))
    world.inside[User], world.outside[User] = users["grid"], neighbour

    # The cases every caller is asked about: inside, reported by the resident and dispatched to the
    # department; outside, reported by another resident and dispatched to another department.
    category = Category.objects.get(code="0201")
    for side, grid, reporter, lead in (("inside", grid_a1, users["resident"], chengguan),
                                       ("outside", grid_c1, neighbour, water)):
        case = Case.objects.create(channel="web", category=category, title="夜间施工噪声", description="噪声很大",
                                   grid=grid, region_code=grid.code, lead_unit=lead, reporter=reporter,
                                   state=CaseState.DISPATCHED, lon=116.445 if side == "inside" else 116.465,
                                   lat=39.905 if side == "inside" else 39.925)
        attachment = Attachment(case=case, content_type="image/png", size=1, width=8, height=8,
                                sha256="0" * 64, uploaded_by=reporter)
        with files.atomic():
            files.store(attachment.file, f"matrix-{side}.png", SimpleUploadedFile("x.png", _png()))
            attachment.save()
        submission = Open311Submission.objects.create(case=case, token=f"matrix-token-{side}")
        notice = Notice.objects.create(title="停水通知", body="周三停水", region=comm_a if side == "inside" else comm_c)
        side_rows = getattr(world, side)
        side_rows.update({Case: case, Attachment: attachment, Open311Submission: submission, Notice: notice})
    # What a merge names as the case it merges into: a case of its own, in the inside area (not id 1,
    # which PostgreSQL's sequences do not promise).
    world.inside["parent"] = Case.objects.create(
        channel="web", category=category, title="同一工地噪声", description="噪声很大", grid=grid_a1,
        region_code=grid_a1.code, lead_unit=chengguan, reporter=users["resident"], state=CaseState.DISPATCHED,
        lon=116.445, lat=39.905)
    world.inside["notification"] = {
        name: Notification.objects.create(user=account, kind="matrix", title="通知")
        for name, account in users.items() if account is not None}
    world.outside["notification"] = Notification.objects.create(user=neighbour, kind="matrix", title="通知")
    # Data-subject requests: inside, owned by the administrator asked; outside, by another data administrator.
    from gongzhi.privacy.models import SubjectRequest

    for side, owner in (("inside", users["admin"]), ("outside", user("officer", Role.ADMIN))):
        getattr(world, side)[SubjectRequest] = SubjectRequest.objects.create(
            kind="deletion", subject_name="王五", due_on=timezone.localdate(), owner=owner, subject_user=neighbour)
    for name, account in users.items():
        client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
        if account is not None:
            client.force_login(account)
        world.clients[name] = client
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made once for the module, in a transaction rolled back at its end (like a test's own)."""
    media = tmp_path_factory.mktemp("matrix-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        block = transaction.atomic()
        block._from_testcase = True  # the test's wrapper, not a block of the code under test (core.files)
        block.__enter__()
        try:
            built = build_world()
            built.media_root = media
            yield built
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)
            grid_index.invalidate()


# --- turning a route into a URL for a caller, inside or outside --------------------------------

_ADMIN_MODEL = re.compile(r"^/admin/(?P<app>\w+)/(?P<model>\w+)/")
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)|\{(?P<aname>\w+)\}")


def _admin_model(route):
    match = _ADMIN_MODEL.match(route)
    if not match:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == (match["app"], match["model"]):
            return model
    return None


def param_value(world: World, route: str, name: str, side: str, actor: str) -> str:
    """The value of path parameter ``name`` of ``route``, naming a row ``side`` the caller's area."""
    rows = world.inside if side == "in" else world.outside
    from gongzhi.registry.models import CareTag, Dwelling, Household, Patrol, Person

    if name == "fmt":
        return "json"
    if name in ("path", "url"):
        return "no-such-thing/"
    if name == "app_label":
        return "registry"
    if name == "object_id" or (name == "id" and route.startswith("/admin/")):
        row = rows.get(_admin_model(route))
        return str(row.pk) if row is not None else "999999"  # a model the world has no row of
    if name == "content_type_id":  # admin/r/<ct>/<obj>/: "view on site" of a case
        from django.contrib.contenttypes.models import ContentType
        return str(ContentType.objects.get_for_model(Case).pk)
    if name == "code":
        if "/care-tags/" in route:
            return rows[CareTag].code
        if "/open311/" in route:
            return "0201"
        return (world.regions["grid_a1"] if side == "in" else world.regions["grid_c1"]).code
    if name == "token":
        return rows[Open311Submission].token
    if name == "name":
        return "persons.csv"
    if name == "notification_id":
        if side == "out" or world.users[actor] is None:
            return str(world.outside["notification"].pk)
        return str(world.inside["notification"][actor].pk)
    from gongzhi.assessment.models import Appeal, KpiSet

    from gongzhi.volunteers.models import Activity, Reward, SignUp, Team, Volunteer

    if name == "direction":
        return "in"
    if name == "year":
        return "2026"

    by_name = {"volunteer_id": Volunteer, "team_id": Team, "activity_id": Activity, "signup_id": SignUp,
               "reward_id": Reward}
    if name in by_name:
        return str(rows[by_name[name]].pk)
    from gongzhi.deliberation.models import Fund, Item, Meeting, Proposal, RollEntry, Vote

    if name == "meeting_id" and "/deliberation/" in route:  # the party's joint meetings share the name
        return str(rows[Meeting].pk)
    from gongzhi.party.models import Decision, Incubation, JointMeeting, MemberReport, Need, PartyMember
    from gongzhi.party.models import PartyOrganisation

    by_name = {"org_id": PartyOrganisation, "member_id": PartyMember, "meeting_id": JointMeeting,
               "incubation_id": Incubation, "report_id": MemberReport, "decision_id": Decision, "need_id": Need}
    if name in by_name:
        return str(rows[by_name[name]].pk)

    if name == "vote_id" and "<int:entry_id>" in route:  # an entry of the roll of that very vote
        return str(rows[RollEntry].vote_id)
    by_name = {"proposal_id": Proposal, "vote_id": Vote, "item_id": Item, "fund_id": Fund, "entry_id": RollEntry}
    if name in by_name:
        return str(rows[by_name[name]].pk)
    from gongzhi.mediation.models import Dispute, JudicialConfirmation, Party
    from gongzhi.privacy.models import SubjectRequest

    by_name = {"dispute_id": Dispute, "party_id": Party, "confirmation_id": JudicialConfirmation,
               "kpi_set_id": KpiSet, "appeal_id": Appeal, "subject_request_id": SubjectRequest, "case_id": Case, "request_id": Case, "attachment_id": Attachment, "notice_id": Notice,
               "person_id": Person, "dwelling_id": Dwelling, "household_id": Household, "patrol_id": Patrol}
    if name in by_name:
        return str(rows[by_name[name]].pk)
    from gongzhi.insights.models import Alert, MonthlyTopic

    by_name = {"topic_id": MonthlyTopic, "alert_id": Alert}
    if name in by_name:
        return str(rows[by_name[name]].pk)
    raise LookupError(f"no value for path parameter {name!r} of {route}: add it to param_value()")


def route_params(route: str) -> list[str]:
    return [m["name"] or m["rname"] or m["aname"] for m in _PARAM.finditer(route)]


def names_an_object(route: str) -> bool:
    """Whether the route's path names a row that lies inside or outside an area."""
    return any(p not in ("fmt", "path", "url", "app_label", "name") for p in route_params(route))


def concrete_url(world, route, side, actor) -> str:
    def fill(match):
        name = match["name"] or match["rname"] or match["aname"]
        return param_value(world, route, name, side, actor)

    url = _PARAM.sub(fill, route)
    return url.replace("^", "").replace("$", "").replace("\\.", ".")


# --- request bodies made from the schema -------------------------------------------------------

def _resolve(schema, components):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def hints(world) -> dict:
    """Values for fields of these names, so that a request reaches the checks (rows inside the area)."""
    from gongzhi.registry.models import Building, CareTag, Dwelling, Household, Person
    from gongzhi.party.models import PartyOrganisation
    from gongzhi.registry.models import Organisation
    from gongzhi.volunteers.models import Volunteer

    inside = world.inside
    return {
        "field": "phone", "phone": "13800000000", "household_id": inside[Household].pk,
        "dwelling_id": inside[Dwelling].pk,
        "grid": world.regions["grid_a1"].code, "tag": inside[CareTag].code, "building_id": inside[Building].pk,
        "head_id": inside[Person].pk, "person_id": inside[Person].pk, "unit": "M-SW", "units": ["M-SW"],
        "category": "0201", "lon": 116.445, "lat": 39.905, "month": "2025-09", "days": 3,
        "reason": "核实后确认需要处理", "satisfaction": "satisfied", "solved": True,
        "parent": inside["parent"].pk,
        # Ids in bodies name rows of the world: a schema's default of 1 names whatever row has id 1,
        # which is a different one (or none) on PostgreSQL, whose sequences are not reset.
        "case_id": inside[Case].pk, "volunteer_id": inside[Volunteer].pk,
        "party_organisation_id": inside[PartyOrganisation].pk, "joint_committee_id": inside[PartyOrganisation].pk,
        "unit_id": inside[Organisation].pk, "social_organisation_id": inside[Organisation].pk,
    }


def sample(schema, components, hint=None):
    """A value of ``schema`` with every required field (and every hinted one), each of its declared type."""
    hint = hint or {}
    schema = _resolve(schema, components)
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if _resolve(s, components).get("type") != "null"]
            return sample(options[0], components, hint)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        names = [*schema.get("required", []), *(n for n in properties if n in hint and n not in schema.get(
            "required", []))]
        return {name: hint[name] if name in hint else sample(properties.get(name, {"type": "string"}), components)
                for name in names}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "binary":
        return SimpleUploadedFile("matrix.png", _png(), content_type="image/png")
    if fmt == "date":
        return "2025-09-15"
    if fmt == "date-time":
        return "2025-09-15T10:00:00+08:00"
    return "矩阵测试内容"


def request_body(operation, components, hint):
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return "json", sample(content["application/json"]["schema"], components, hint)
    if "multipart/form-data" in content:
        return "multipart", sample(content["multipart/form-data"]["schema"], components, hint)
    return None, None


def query(operation, components, hint) -> str:
    """The query string of the operation's required query parameters."""
    from urllib.parse import urlencode

    values = {p["name"]: hint.get(p["name"]) or sample(p["schema"], components)
              for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}
    return "?" + urlencode(values) if values else ""


# --- asking ------------------------------------------------------------------------------------

def ask(world, actor, method, url, body_kind=None, body=None) -> int:
    """The status one caller gets; whatever the request changed is rolled back, cookies restored."""
    client = world.clients[actor]
    headers = {"HTTP_X_API_KEY": world.key} if actor == "key" else {}
    data = body if body is not None else {}
    if url.startswith("/open311/") and method == "POST":  # a service request as GeoReport v2 posts it
        data = {"service_code": "0201", "lat": "39.905", "long": "116.445", "description": "夜间施工噪声扰民", **data}
    if actor == "key" and url.startswith("/open311/"):
        data = {**data, "api_key": world.key}
    saved = SimpleCookie(client.cookies.output(header="", sep="\n"))
    try:
        with files.atomic():
            call = getattr(client, method.lower())
            if body_kind == "json":
                response = call(url, json.dumps(data), content_type="application/json", **headers)
            else:  # a query string, a form or a multipart upload
                response = call(url, data, **headers)
            transaction.set_rollback(True)
    finally:
        client.cookies = saved
    return response.status_code


def parse_row(row: str) -> list[tuple[int, int]]:
    cells = row.split()
    assert len(cells) == len(ACTORS), f"{len(cells)} cells, want one per caller {ACTORS}: {row!r}"
    parsed = []
    for cell in cells:
        inside, _, outside = cell.partition("/")
        parsed.append((int(inside), int(outside or inside)))
    return parsed


def format_row(observed: list[tuple[int, int]]) -> str:
    return "  ".join(f"{a}" if a == b else f"{a}/{b}" for a, b in observed)


def observe(world, key, operation=None) -> list[tuple[int, int]]:
    method, route = key.split(" ", 1)
    components, hint = COMPONENTS, hints(world)
    body_kind, body = request_body(operation, components, hint) if operation else (None, None)
    suffix = query(operation, components, hint) if operation else ""
    sides = ("in", "out") if names_an_object(route) else ("in",)
    observed = []
    for actor in ACTORS:
        codes = []
        for side in sides:
            fresh_body = request_body(operation, components, hint)[1] if body_kind == "multipart" else body
            url = concrete_url(world, route, side, actor) + suffix
            codes.append(ask(world, actor, method, url, body_kind, fresh_body))
        observed.append((codes[0], codes[-1]))
    return observed


# --- the tests ---------------------------------------------------------------------------------

OPERATIONS = api_operations()
ROUTES = url_routes()
_DECLARED_ROUTES = {_route_of(key) for key in MATRIX}
# Every declared entry, and every endpoint without one (asked all the same, to print its line).
ALL_KEYS = sorted(set(MATRIX) | set(OPERATIONS) | {f"GET {r}" for r in ROUTES if r not in _DECLARED_ROUTES})


def test_every_endpoint_has_an_entry():
    """A page, admin view, Open311 route or API operation without an entry fails here."""
    declared_routes = {_route_of(key) for key in MATRIX}
    undeclared = [f"GET {route}" for route in ROUTES if route not in declared_routes]
    undeclared += [key for key in OPERATIONS if key not in MATRIX]
    stale = [key for key in MATRIX
             if key not in OPERATIONS and _route_of(key) not in ROUTES]
    assert not undeclared, (
        "undeclared endpoint(s): add a line for each to MATRIX in web/tests/matrix_table.py "
        "(run this file with MATRIX_PRINT=1 to see what each caller gets now):\n  " + "\n  ".join(undeclared))
    assert not stale, "entries of MATRIX for endpoints that no longer exist:\n  " + "\n  ".join(stale)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ALL_KEYS)
def test_each_caller_gets_the_declared_answer(world, key, settings):
    settings.MEDIA_ROOT = world.media_root  # where the world's photos are
    observed = observe(world, key, OPERATIONS.get(key))
    line = f'{json.dumps(key, ensure_ascii=False) + ":":64} "{format_row(observed)}",'
    if os.environ.get("MATRIX_PRINT"):
        print(f"\nMATRIX-LINE     {line}")
    if key not in MATRIX:
        pytest.fail(f"undeclared endpoint {key}: add to MATRIX (after checking it is right):\n    {line}")
    expected = parse_row(MATRIX[key])
    wrong = [f"{actor}: declared {format_row([want])}, got {format_row([got])}"
             for actor, want, got in zip(ACTORS, expected, observed, strict=True) if want != got]
    assert not wrong, f"{key}: " + "; ".join(wrong) + f'\n  now: "{format_row(observed)}"'
    assert all(code < 500 for pair in observed for code in pair), f"{key}: a server error"

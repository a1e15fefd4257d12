"""THE scoping proof: a grid worker of grid A1 can neither read nor change anything of grid B1.

Proved on every face: the pages, the JSON API, the admin, the services, and
:func:`gongzhi.core.scoping.scope_queryset` itself for EVERY model that
declares ``scoping`` (found through the app registry, so models that other
apps add later are covered without touching this file):

- structurally: the ``Q`` built for each model only ever admits the grid
  worker's own grid prefix, their own user id, or nothing; its lookup paths
  end at a region code, a unit and a user, and the query runs;
- with rows, for every scoped model (a model without a factory fails the
  suite): a row placed in A1 is seen and a row placed in B1 is not. Factories
  for this file's models are below; another app adds its own in
  ``<app>/tests/scoping_factories.py`` as
  ``FACTORIES = {Model: make(place: Region, n: int) -> instance}`` (the
  instance must lie in ``place``); a model that belongs to a user whatever the
  area (an inbox row, a saved view) in ``OWNED = {Model: make(owner: User, n)}``
  (the grid worker sees their own rows, not another's); a catalogue the scope
  admits nobody to (``ScopeSpec()``) in ``CATALOGUES = {Model: make(n)}``.

Also: department staff see their unit's rows, an administrator without an
area sees everything, an inactive user sees nothing, an API key sees its unit.
"""

import importlib
import itertools

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

from gongzhi.accounts import services
from gongzhi.accounts.actors import PublicVisitor, command_actor
from gongzhi.accounts.models import ApiKey, Unit, UnitKind, User, hash_api_key
from gongzhi.accounts.roles import Role
from gongzhi.api import api
from gongzhi.audit.models import AuditEvent
from gongzhi.audit.services import record
from gongzhi.core.scoping import scope_of, scope_q, scope_queryset
from gongzhi.regions import grid_index
from gongzhi.regions.models import Grid, Region

SCOPED_MODELS = sorted((m for m in apps.get_models() if getattr(m, "scoping", None) is not None),
                       key=lambda m: m._meta.label)
_counter = itertools.count(1)


# --- factories: one row of a model placed in a region --------------------------

def _unit_in(place, n):
    return Unit.objects.create(code=f"F-{n}", name=f"factory unit {n}", kind=UnitKind.OTHER, region=place)


def _api_key_in(place, n):
    raw = ApiKey.generate()
    return ApiKey.objects.create(name=f"k{n}", key_prefix=raw[:12], key_hash=hash_api_key(raw),
                                 unit=_unit_in(place, n))


def _audit_event_in(place, n):
    return record(actor=None, action="test.placed", object_type="test", object_id=str(n), region_code=place.code)


OWN_FACTORIES = {
    Region: lambda place, n: place,
    Grid: lambda place, n: Grid.objects.get(pk=place.pk),
    Unit: _unit_in,
    User: lambda place, n: User.objects.create(username=f"placed{n}", role=Role.GRID_WORKER, region=place),
    ApiKey: _api_key_in,
    AuditEvent: _audit_event_in,
}


def discovered_factories():
    """(placed, owned, catalogues): the factories of every app's tests/scoping_factories.py."""
    placed, owned, catalogues = dict(OWN_FACTORIES), {}, {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.tests.scoping_factories"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, f"{config.name}.tests"):
                continue
            raise
        placed.update(module.FACTORIES)
        owned.update(getattr(module, "OWNED", {}))
        catalogues.update(getattr(module, "CATALOGUES", {}))
    return placed, owned, catalogues


FACTORIES, OWNED_FACTORIES, CATALOGUE_FACTORIES = discovered_factories()


# --- structure of the Q, for every scoped model --------------------------------

def leaves(q):
    """(negated, lookup, value) of every condition in a Q tree."""
    for child in q.children:
        if isinstance(child, Q):
            yield from ((q.negated or neg, lookup, value) for neg, lookup, value in leaves(child))
        else:
            yield q.negated, child[0], child[1]


def admitted(model, actor):
    """Classify each condition of the actor's Q for ``model``; fail on anything unexpected."""
    q = scope_q(model, actor.scope)
    assert q is not None, f"{model._meta.label}: {actor} must not be unrestricted"
    assert q.connector == Q.OR or len(q.children) == 1
    spec = model.scoping
    kinds = []
    for negated, lookup, value in leaves(q):
        assert not negated, f"{model._meta.label}: a negated scope condition {lookup}"
        if lookup == "pk__in" and isinstance(value, QuerySet):
            # A many-valued unit path (spec.unit_paths[1:]) matched through a subquery.
            (condition,) = value.query.where.children
            assert condition.lhs.target.related_model is Unit or condition.lhs.target.model is Unit, (
                f"{model._meta.label}: a subquery scope condition that is not about units")
            kinds.append(("unit", tuple(condition.rhs)))
        elif lookup == "pk__in" and list(value) == []:
            kinds.append(("nothing", None))
        elif spec.region and lookup == f"{spec.region}__startswith":
            kinds.append(("region", value))
        elif spec.unit_paths and lookup == f"{spec.unit_paths[0]}__in":
            kinds.append(("unit", tuple(value)))
        elif spec.owner and lookup == spec.owner:
            kinds.append(("owner", value))
        else:
            pytest.fail(f"{model._meta.label}: unexpected scope condition {lookup}={value!r}")
    return kinds


def final_field(model, path):
    field = None
    current = model
    for part in path.split("__"):
        field = current._meta.get_field(part)
        if field.is_relation and part != path.split("__")[-1]:
            current = field.related_model
    return field


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)
def test_scope_paths_end_at_a_code_a_unit_and_a_user(model):
    spec = model.scoping
    if spec.region:
        field = final_field(model, spec.region)
        assert isinstance(field, models.CharField) and field.name.endswith("code"), (
            f"{model._meta.label}.scoping.region={spec.region!r} must end at a region code, not {field!r}")
        if field.model is not model or field.name == "code":
            assert field.model in (Region, Grid) or field.name.endswith("region_code"), (
                f"{model._meta.label}.scoping.region={spec.region!r} ends at {field.model.__name__}.{field.name}")
    for path in spec.unit_paths:
        field = final_field(model, path)
        points_at_unit = (field.model is Unit and field.primary_key) or (field.is_relation and field.related_model is Unit)
        assert points_at_unit, f"{model._meta.label}.scoping.unit={path!r} must end at a unit"
    if spec.owner:
        field = final_field(model, spec.owner)
        points_at_user = (field.model is User and field.primary_key) or (field.is_relation and field.related_model is User)
        assert points_at_user, f"{model._meta.label}.scoping.owner={spec.owner!r} must end at a user"


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)
def test_grid_worker_scope_admits_only_their_grid_and_their_own_rows(model, grid_worker, tree, units):
    grid_worker.unit = units["committee_a"]  # reporting to the committee must not widen the area
    grid_worker.save()
    for kind, value in admitted(model, grid_worker):
        if kind == "region":
            assert value.startswith(tree["grid_a1"].code), f"{model._meta.label} admits region prefix {value}"
            assert not tree["grid_b1"].code.startswith(value)
        elif kind == "owner":
            assert value == grid_worker.pk
        else:
            assert kind == "nothing", f"{model._meta.label} admits {kind} {value}"
    list(scope_queryset(model._default_manager.all(), grid_worker)[:1])  # the lookup paths are real


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)
def test_department_staff_scope_is_their_unit_and_own_rows(model, make_user, units):
    clerk = make_user("cg_clerk", role=Role.DEPARTMENT, unit=units["chengguan"])
    for kind, value in admitted(model, clerk):
        assert (kind, value) in {("unit", (units["chengguan"].pk,)), ("owner", clerk.pk), ("nothing", None)}, (
            f"{model._meta.label} admits {kind} {value}")
    list(scope_queryset(model._default_manager.all(), clerk)[:1])


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)
def test_inactive_user_scope_is_nothing(model, grid_worker):
    grid_worker.is_active = False
    assert admitted(model, grid_worker) == [("nothing", None)]
    assert not scope_queryset(model._default_manager.all(), grid_worker).exists()


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.label)
def test_admin_without_area_is_unrestricted(model, global_admin):
    assert scope_q(model, global_admin.scope) is None


# --- with rows, for every model that has a factory ------------------------------

@pytest.mark.parametrize("model", sorted(FACTORIES, key=lambda m: m._meta.label), ids=lambda m: m._meta.label)
def test_rows_of_grid_b_are_invisible_to_the_grid_worker_of_grid_a(model, grid_worker, global_admin, tree):
    mine = FACTORIES[model](tree["grid_a1"], next(_counter))
    theirs = FACTORIES[model](tree["grid_b1"], next(_counter))
    visible = set(scope_queryset(model._default_manager.all(), grid_worker).values_list("pk", flat=True))
    assert mine.pk in visible
    assert theirs.pk not in visible
    everything = set(scope_queryset(model._default_manager.all(), global_admin).values_list("pk", flat=True))
    assert {mine.pk, theirs.pk} <= everything


@pytest.mark.parametrize("model", sorted(FACTORIES, key=lambda m: m._meta.label), ids=lambda m: m._meta.label)
def test_the_anonymous_visitor_sees_only_published_rows_of_the_area_looked_at(model, tree):
    """The visitor of community A's public pages (居务公开): a model without ``public`` shows nothing; one
    with it shows only its published rows, of community A (and rows placed at the regions above it
    themselves), never of community B."""
    visitor = PublicVisitor.of(tree["comm_a"])
    mine = FACTORIES[model](tree["grid_a1"], next(_counter))
    theirs = FACTORIES[model](tree["grid_b1"], next(_counter))
    visible = set(scope_queryset(model._default_manager.all(), visitor).values_list("pk", flat=True))
    assert theirs.pk not in visible
    spec = model.scoping
    if spec.public is None:
        assert not visible, f"{model._meta.label} declares nothing public, yet the visitor sees rows"
        return
    published = set(model._default_manager.filter(spec.public()).values_list("pk", flat=True))
    assert visible <= published, f"{model._meta.label}: the visitor sees unpublished rows"
    assert (mine.pk in visible) == (mine.pk in published)
    assert not scope_of(None).published_only  # the visitor is named, never inferred from nobody


def test_every_scoped_model_has_a_factory_so_real_rows_of_it_are_proved():
    known = set(FACTORIES) | set(OWNED_FACTORIES) | set(CATALOGUE_FACTORIES)
    missing = [m._meta.label for m in SCOPED_MODELS if m not in known]
    assert not missing, (
        f"no scoping factory for {missing}: add one to <app>/tests/scoping_factories.py (see this module's docstring)")


@pytest.mark.parametrize("model", sorted(OWNED_FACTORIES, key=lambda m: m._meta.label), ids=lambda m: m._meta.label)
def test_rows_owned_by_another_user_are_invisible_to_the_grid_worker(model, grid_worker, make_user, global_admin,
                                                                     tree):
    other = make_user(f"owner_b_{next(_counter)}", role=Role.GRID_WORKER, region=tree["grid_b1"])
    mine = OWNED_FACTORIES[model](grid_worker, next(_counter))
    theirs = OWNED_FACTORIES[model](other, next(_counter))
    visible = set(scope_queryset(model._default_manager.all(), grid_worker).values_list("pk", flat=True))
    assert mine.pk in visible and theirs.pk not in visible
    everything = set(scope_queryset(model._default_manager.all(), global_admin).values_list("pk", flat=True))
    assert {mine.pk, theirs.pk} <= everything


@pytest.mark.parametrize("model", sorted(CATALOGUE_FACTORIES, key=lambda m: m._meta.label),
                         ids=lambda m: m._meta.label)
def test_catalogue_rows_are_admitted_to_nobody_by_the_scope(model, grid_worker, make_user, global_admin, units):
    row = CATALOGUE_FACTORIES[model](next(_counter))
    clerk = make_user(f"clerk_{next(_counter)}", role=Role.DEPARTMENT, unit=units["chengguan"])
    for actor in (grid_worker, clerk):
        assert not scope_queryset(model._default_manager.filter(pk=row.pk), actor).exists()
    assert scope_queryset(model._default_manager.filter(pk=row.pk), global_admin).exists()


def test_department_staff_see_their_units_rows(make_user, units):
    clerk = make_user("cg_clerk", role=Role.DEPARTMENT, unit=units["chengguan"])
    colleague = make_user("cg_2", role=Role.DEPARTMENT, unit=units["chengguan"])
    assert list(scope_queryset(Unit.objects.all(), clerk)) == [units["chengguan"]]
    assert set(scope_queryset(User.objects.all(), clerk)) == {clerk, colleague}


def test_inactive_user_sees_nothing_not_even_themselves(grid_worker, units):
    grid_worker.is_active = False
    grid_worker.save()
    for model in (Region, Unit, User, AuditEvent):
        assert not scope_queryset(model.objects.all(), grid_worker).exists()


# --- the JSON API -------------------------------------------------------------------

B_MARKERS = ("110105001002", "光华里", "U-B1", "U-CB")  # codes and names of community B / grid B1


def api_get(client, path, **headers):
    response = client.get(path, headers=headers)
    return response.status_code, response.content.decode()


def test_api_regions_show_only_the_grid(client, grid_worker, tree):
    grid_index.invalidate()
    client.force_login(grid_worker)
    status, body = api_get(client, "/api/v1/regions/")
    assert status == 200
    codes = [item["code"] for item in client.get("/api/v1/regions/").json()["items"]]
    assert codes == [tree["grid_a1"].code]
    for path in (f"/api/v1/regions/{tree['grid_b1'].code}", f"/api/v1/regions/{tree['grid_b1'].code}/children",
                 f"/api/v1/regions/{tree['comm_b'].code}/grids", f"/api/v1/regions/{tree['street'].code}"):
        assert client.get(path).status_code == 404, path
    inside_b1 = client.get("/api/v1/regions/locate", {"lon": 116.445, "lat": 39.915})
    assert inside_b1.status_code == 404
    inside_a1 = client.get("/api/v1/regions/locate", {"lon": 116.445, "lat": 39.905})
    assert inside_a1.status_code == 200 and inside_a1.json()["code"] == tree["grid_a1"].code
    grid_index.invalidate()


def test_api_units_show_only_the_grid(client, grid_worker, units):
    client.force_login(grid_worker)
    page = client.get("/api/v1/accounts/units").json()
    assert [u["code"] for u in page["items"]] == ["U-A1"] and page["count"] == 1


def test_no_api_list_shows_anything_of_grid_b(client, grid_worker, tree, units):
    """Every GET route without path parameters, called by the grid worker, with rows placed in B1 by
    every known factory, never mentions community B or grid B1."""
    for model, make in FACTORIES.items():
        make(tree["grid_b1"], next(_counter))
    grid_index.invalidate()
    client.force_login(grid_worker)
    client.raise_request_exception = False
    paths = [path for path, item in api.get_openapi_schema()["paths"].items() if "get" in item and "{" not in path]
    assert "/api/v1/accounts/units" in paths and "/api/v1/regions/" in paths
    for path in paths:
        status, body = api_get(client, path)
        leaks = [marker for marker in B_MARKERS if marker in body]
        assert not leaks, f"GET {path} ({status}) shows {leaks}"
    grid_index.invalidate()


# --- the pages --------------------------------------------------------------------------

def page_paths(patterns=None, prefix=""):
    """Every page route without parameters, outside the admin and the API (they are proved above/below)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if any(ch in route for ch in "<(^$\\") or route.startswith(("admin/", "api/", "static/", "media/")):
            continue
        if isinstance(entry, URLResolver):
            yield from page_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route


def test_no_page_shows_anything_of_grid_b(client, grid_worker, tree, units):
    for model, make in FACTORIES.items():
        make(tree["grid_b1"], next(_counter))
    client.force_login(grid_worker)
    client.raise_request_exception = False
    paths = sorted(set(page_paths()))
    assert "/" in paths
    for path in paths:
        response = client.get(path, follow=True)
        leaks = [marker for marker in B_MARKERS if marker in response.content.decode(errors="replace")]
        assert not leaks, f"GET {path} shows {leaks}"


# --- the admin ------------------------------------------------------------------------

def test_admin_changelist_of_regions_shows_only_the_grid(client, grid_worker, tree):
    client.force_login(grid_worker)
    for url in ("/admin/regions/region/", "/admin/regions/grid/"):
        response = client.get(url)
        assert [r.code for r in response.context["cl"].result_list] == [tree["grid_a1"].code], url
        body = response.content.decode()
        for other in ("grid_a2", "grid_b1", "comm_b"):
            assert tree[other].code not in body, (url, other)


def test_admin_change_view_of_grid_b_is_not_found_and_post_changes_nothing(client, grid_worker, tree):
    client.force_login(grid_worker)
    grid_b = tree["grid_b1"]
    for url in (f"/admin/regions/region/{grid_b.pk}/change/", f"/admin/regions/grid/{grid_b.pk}/change/"):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert response["Location"] == "/admin/"  # "does not exist", not the form
        response = client.post(url, {"name": "hijacked", "community_type": "", "boundary": ""})
        assert response.status_code in (302, 403, 404), url
    grid_b.refresh_from_db()
    assert grid_b.name == "光华里第一网格"


def test_admin_lists_show_nothing_of_grid_b(client, make_user, tree, units):
    """Every admin screen the grid worker can open; the accounts and audit ones they cannot."""
    worker = make_user("gw_a1_admin", role=Role.GRID_WORKER, region=tree["grid_a1"], is_staff=True)
    for model, make in FACTORIES.items():
        make(tree["grid_b1"], next(_counter))
    client.force_login(worker)
    index = client.get("/admin/")
    assert index.status_code == 200
    from django.contrib import admin as django_admin

    for model, model_admin in django_admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        if response.status_code != 200:
            assert response.status_code in (302, 403), url
            continue
        leaks = [marker for marker in B_MARKERS if marker in response.content.decode()]
        assert not leaks, f"{url} shows {leaks}"
    for url in ("/admin/accounts/user/", "/admin/accounts/unit/", "/admin/accounts/apikey/", "/admin/audit/auditevent/",
                "/admin/accounts/user/add/"):
        assert client.get(url).status_code == 403, url


def test_cannot_create_a_user_in_grid_b(client, grid_worker, comm_admin, tree):
    with pytest.raises(PermissionDenied):
        services.create_user(actor=grid_worker, username="in_b", role=Role.GRID_WORKER, region=tree["grid_b1"])
    with pytest.raises(PermissionDenied):
        services.create_user(actor=comm_admin, username="in_b", role=Role.GRID_WORKER, region=tree["grid_b1"])
    client.force_login(comm_admin)
    response = client.post("/admin/accounts/user/add/", {
        "username": "in_b", "display_name": "", "role": Role.GRID_WORKER, "region": tree["grid_b1"].pk,
        "unit": "", "email": "", "usable_password": "false", "password1": "", "password2": "",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # the form again, with an error on the area
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="in_b").exists()
    assert not AuditEvent.objects.filter(action="accounts.user.create").exists()


def test_api_key_scope_is_its_unit(client, units, tree):
    key, raw = services.create_api_key(actor=command_actor("test"), name="committee A bridge",
                                       unit=units["committee_a"], capabilities=["regions.view"])
    assert key.scope.covers_code(tree["grid_a2"].code) and not key.scope.covers_code(tree["grid_b1"].code)
    codes = [u["code"] for u in client.get("/api/v1/accounts/units", headers={"X-API-Key": raw}).json()["items"]]
    assert codes == ["U-A1", "U-CA"]
    regions = client.get("/api/v1/regions/", headers={"X-API-Key": raw}).json()["items"]
    assert {r["code"] for r in regions} == {tree[k].code for k in ("comm_a", "grid_a1", "grid_a2")}


# --- admin forms: add and change forms name nothing outside the area --------------

def _related_fields(model):
    """Foreign keys and plain many-to-many fields of ``model`` to models that have a placed factory."""
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and field.related_model in FACTORIES):
            continue
        if field.many_to_many and not field.remote_field.through._meta.auto_created:
            continue
        yield field


def _label_leaks(body, row):
    label = str(row)
    return [text for text in (label, *B_MARKERS) if len(text) >= 4 and text in body]


def test_admin_add_forms_print_nothing_of_grid_b_given_its_ids(client, make_user, tree, units):
    """``/admin/<app>/<model>/add/?<field>=<id of a row of B1>``: no name, address or code of it (#11.2)."""
    worker = make_user("gw_a1_forms", role=Role.GRID_WORKER, region=tree["grid_a1"], is_staff=True)
    client.force_login(worker)
    from django.contrib import admin as django_admin

    opened = 0
    for model in django_admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
        fields = list(_related_fields(model))
        outside = {field.name: FACTORIES[field.related_model](tree["grid_b1"], next(_counter)) for field in fields}
        response = client.get(url, {name: row.pk for name, row in outside.items()})
        if response.status_code != 200:
            assert response.status_code in (302, 403), url
            continue
        opened += 1
        body = response.content.decode()
        for name, row in outside.items():
            assert not _label_leaks(body, row), f"{url}?{name}={row.pk} shows {_label_leaks(body, row)}"
    assert opened >= 5  # the registry's add forms at least


def test_admin_change_forms_print_nothing_of_grid_b_their_rows_refer_to(client, make_user, tree, units):
    """A row of A1 that (wrongly) refers to a row of B1: its change form does not name that row."""
    worker = make_user("gw_a1_change", role=Role.GRID_WORKER, region=tree["grid_a1"], is_staff=True)
    client.force_login(worker)
    from django.contrib import admin as django_admin

    checked = 0
    for model in django_admin.site._registry:
        if model not in FACTORIES:
            continue
        row = FACTORIES[model](tree["grid_a1"], next(_counter))
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{row.pk}/change/"
        response = client.get(url)
        if response.status_code != 200:
            continue
        form_fields = set(response.context["adminform"].form.fields)
        for field in _related_fields(model):
            if field.name not in form_fields or field.related_model is Region:
                continue  # a row's own grid is what places it; moving it to B1 would take it out of sight
            other = FACTORIES[field.related_model](tree["grid_b1"], next(_counter))
            if field.many_to_many:
                getattr(row, field.name).add(other)
            else:
                model._default_manager.filter(pk=row.pk).update(**{field.attname: other.pk})
            response = client.get(url)
            if response.status_code != 200:
                continue  # the row left the area with it (its scope follows that relation)
            own = str(model._default_manager.get(pk=row.pk))  # a row's own name may include its parent's
            body = response.content.decode().replace(own, "")
            assert not _label_leaks(body, other), f"{url} ({field.name}) shows {_label_leaks(body, other)}"
            checked += 1
    assert checked >= 5

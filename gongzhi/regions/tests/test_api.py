import pytest

from gongzhi.accounts.models import ApiKey, hash_api_key
from gongzhi.accounts.roles import Role, can
from gongzhi.core import geo

from .shapes import IN_A1, IN_B1, NOWHERE

BASE = "/api/v1/regions"


@pytest.fixture
def worker_client(client, grid_worker):
    client.force_login(grid_worker)
    return client


@pytest.fixture
def street_client(client, make_staff, tree):
    client.force_login(make_staff("dispatcher", Role.DISPATCHER, region=tree["street"]))
    return client


def codes(items):
    return [item["code"] for item in items]


# --- scoping: a grid worker of A1 sees nothing of B ----------------------------

def test_grid_worker_lists_only_their_grid(worker_client):
    body = worker_client.get(f"{BASE}/").json()
    assert codes(body["items"]) == ["110105001001001"] and body["count"] == 1


def test_grid_worker_cannot_read_grid_b(worker_client):
    response = worker_client.get(f"{BASE}/110105001002001")
    assert response.status_code == 404
    assert "110105001002001" in response.json()["detail"]
    assert worker_client.get(f"{BASE}/110105001002/children").status_code == 404
    assert worker_client.get(f"{BASE}/110105001000/grids").status_code == 404
    assert worker_client.get(f"{BASE}/", {"q": "光华"}).json()["count"] == 0


def test_locate_in_grid_b_gives_no_result_to_a_worker_of_grid_a(worker_client):
    response = worker_client.get(f"{BASE}/locate", {"lon": IN_B1[0], "lat": IN_B1[1]})
    assert response.status_code == 404
    assert response.json() == {"detail": "No grid in your area contains this point."}
    response = worker_client.get(f"{BASE}/locate", {"lon": IN_A1[0], "lat": IN_A1[1]})
    assert response.status_code == 200 and response.json()["code"] == "110105001001001"


def test_grid_worker_reads_their_own_grid_with_its_boundary(worker_client, tree):
    body = worker_client.get(f"{BASE}/110105001001001").json()
    assert body["boundary"] == tree["grid_a1"].boundary
    assert body["parent_code"] == "110105001001" and body["level"] == "grid" and body["has_boundary"]
    fc = worker_client.get(f"{BASE}/110105001001001/grids").json()
    assert fc["type"] == "FeatureCollection" and [f["id"] for f in fc["features"]] == ["110105001001001"]


# --- a street dispatcher ---------------------------------------------------------

def test_list_filters_and_pagination(street_client):
    body = street_client.get(f"{BASE}/", {"level": "grid"}).json()
    assert codes(body["items"]) == ["110105001001001", "110105001001002", "110105001002001"]
    body = street_client.get(f"{BASE}/", {"parent": "110105001001"}).json()
    assert codes(body["items"]) == ["110105001001001", "110105001001002"]
    body = street_client.get(f"{BASE}/", {"page_size": 2, "page": 2}).json()
    assert body["count"] == 6 and codes(body["items"]) == ["110105001001001", "110105001001002"]
    assert street_client.get(f"{BASE}/", {"q": "永安里"}).json()["count"] == 3


def test_children_and_grid_collection(street_client):
    children = street_client.get(f"{BASE}/110105001000/children").json()
    assert codes(children) == ["110105001001", "110105001002"]
    fc = street_client.get(f"{BASE}/110105001000/grids").json()
    assert [f["properties"]["code"] for f in fc["features"]] == [
        "110105001001001", "110105001001002", "110105001002001"]
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])


def test_locate_accepts_gcj02_and_bd09(street_client):
    for crs, convert in (("gcj02", geo.wgs84_to_gcj02), ("bd09", geo.wgs84_to_bd09)):
        lon, lat = convert(*IN_B1)
        response = street_client.get(f"{BASE}/locate", {"lon": lon, "lat": lat, "crs": crs})
        assert response.status_code == 200, response.json()
        assert response.json()["code"] == "110105001002001"
    assert street_client.get(f"{BASE}/locate", {"lon": NOWHERE[0], "lat": NOWHERE[1]}).status_code == 404


# --- bad input and access -----------------------------------------------------------

@pytest.mark.parametrize(("params", "text"), [
    ({"lon": 200, "lat": 39.9}, "less than or equal to 180"),
    ({"lon": 116.4, "lat": "north"}, "lat"),
    ({"lat": 39.9}, "lon"),
])
def test_locate_schema_errors_are_422_naming_the_parameter(street_client, params, text):
    response = street_client.get(f"{BASE}/locate", params)
    assert response.status_code == 422
    assert text in str(response.json())


def test_unknown_crs_is_422_with_the_choices(street_client):
    response = street_client.get(f"{BASE}/locate", {"lon": 116.4, "lat": 39.9, "crs": "mercator"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Unknown coordinate system 'mercator'; use one of: wgs84, cgcs2000, gcj02, bd09.")


def test_unknown_level_filter_is_422(street_client):
    response = street_client.get(f"{BASE}/", {"level": "town"})
    assert response.status_code == 422 and "level" in str(response.json())


def test_anonymous_is_401_and_resident_is_403(client, make_staff, tree):
    assert client.get(f"{BASE}/").status_code == 401
    client.force_login(make_staff("resident", Role.RESIDENT, region=tree["comm_a"]))
    response = client.get(f"{BASE}/")
    assert response.status_code == 403


def test_api_key_of_the_street_office(client, street_office, tree):
    raw = ApiKey.generate()
    key = ApiKey.objects.create(name="hotline", key_prefix=raw[:8], key_hash=hash_api_key(raw), unit=street_office)
    response = client.get(f"{BASE}/", HTTP_X_API_KEY=raw)
    if can(key, "regions.view"):
        assert response.status_code == 200
        assert all(code.startswith("110105001") for code in codes(response.json()["items"]))
    else:  # keys without the capability are refused, not shown an empty area
        assert response.status_code == 403

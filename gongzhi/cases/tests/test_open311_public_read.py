"""Open311 reads under the public read rule (#11 item 1, docs/data-protection.md "Open311").

Anyone: category, status, dates, the community's name instead of the address, the location rounded to
3 decimals, the description with every phone and ID number masked; never the reporter; only cases in a
public state, in pages. An API key that may see the case reads it in full; an invalid key is refused.
"""

import pytest

from gongzhi.accounts.services import create_api_key, revoke_api_key
from gongzhi.cases import services
from gongzhi.core import crypto

from .conftest import MONDAY

BASE = "/open311/v2/"
SEPTEMBER = {"start_date": "2025-09-01T00:00:00+08:00", "end_date": "2025-09-30T00:00:00+08:00"}
POINT = (116.4451234, 39.9053456)  # inside grid A1, with more decimals than a public read shows
ADDRESS = "永安里小区3号楼2单元501 王秀英 13912345678"
WRITTEN = ("+86 139 1234 5678", "139-1234-5678", "１３９１２３４５６７８", "0086 13912345678",
           "110105 19491231 002X", "１１０１０５１９４９１２３１００２ｘ", "010-65001234")
SECRETS = ("13912345678", "139 1234 5678", "139-1234-5678", "１３９", "110105", "１１０１０５", "65001234", "王秀英",
           "501", "resident")


@pytest.fixture
def leaky(world, noise):
    """A case whose description, address and reporter hold everything a public read must not show."""
    description = "噪声扰民，请回电 " + "；".join(WRITTEN) + "。"
    return services.create_case(actor=world.users.resident, channel="web", category=noise, title="夜间施工",
                                description=description, lon=POINT[0], lat=POINT[1], address=ADDRESS, at=MONDAY)


def key_of(world, unit, capabilities=()):
    return create_api_key(actor=world.users.admin, name="客户端", unit=unit, capabilities=list(capabilities))[1]


def rows(client, path="requests.json", **params):
    response = client.get(BASE + path, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["requests.json", "requests.xml", "one.json", "one.xml"])
def test_an_anonymous_read_shows_no_address_phone_id_or_name(client, world, leaky, path):
    url = f"{BASE}requests/{leaky.pk}.{path[4:]}" if path.startswith("one") else BASE + path
    response = client.get(url, SEPTEMBER)
    assert response.status_code == 200
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text, secret
    assert crypto.personal_numbers(text) == []
    assert world.tree["comm_a"].name in text  # the community stands for the address


@pytest.mark.django_db
def test_an_anonymous_document_is_the_public_one(client, world, leaky):
    [row] = rows(client, **SEPTEMBER)
    assert row["address"] == world.tree["comm_a"].name
    assert (row["lat"], row["long"]) == (39.905, 116.445)  # rounded to about 100 m
    assert row["media_url"] == "" and row["service_code"] == "0201" and row["status"] == "open"
    assert row["description"].count("139****5678") == 4 and "1101**********002X" in row["description"]
    assert "010****1234" in row["description"]
    assert row == rows(client, f"requests/{leaky.pk}.json")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["cancelled", "invalid"])
def test_a_case_outside_the_public_states_is_unknown_to_anyone_but_a_key_that_may_see_it(client, world, case_in,
                                                                                         state):
    case = case_in(state)
    assert client.get(f"{BASE}requests/{case.pk}.json").status_code == 404
    assert rows(client, **SEPTEMBER) == []
    assert rows(client, service_request_id=str(case.pk)) == []
    street = key_of(world, world.units.street, ["cases.intake", "cases.view"])
    [row] = rows(client, f"requests/{case.pk}.json", api_key=street)
    assert row["service_request_id"] == str(case.pk)
    assert [r["service_request_id"] for r in rows(client, api_key=street, **SEPTEMBER)] == [str(case.pk)]
    # A key not given cases.view learns nothing more than anyone, whatever else it may do.
    bare = key_of(world, world.units.street, ["cases.intake"])
    assert client.get(f"{BASE}requests/{case.pk}.json", {"api_key": bare}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_invalid_api_key_is_refused(client, world, leaky, fmt):
    for path in ("requests", f"requests/{leaky.pk}"):
        for bad in ("gz_not-a-real-key", "nonsense"):
            response = client.get(f"{BASE}{path}.{fmt}", {"api_key": bad, **SEPTEMBER})
            assert response.status_code == 403, (path, bad)
    key, raw = create_api_key(actor=world.users.admin, name="旧", unit=world.units.street, capabilities=["cases.intake"])
    revoke_api_key(actor=world.users.admin, key=key)
    assert client.get(f"{BASE}requests.{fmt}", {"api_key": raw}).status_code == 403


@pytest.mark.django_db
def test_a_key_reads_in_full_only_the_cases_it_may_see(client, world, leaky):
    street = key_of(world, world.units.street, ["cases.intake", "cases.view"])
    [row] = rows(client, **SEPTEMBER, api_key=street)
    assert row["address"] == ADDRESS
    assert (row["lat"], row["long"]) == (pytest.approx(POINT[1]), pytest.approx(POINT[0]))
    assert "+86 139 1234 5678" in row["description"]
    # Outside its area (community B), or without cases.view: the public document.
    public = rows(client, **SEPTEMBER)
    outside = key_of(world, world.units.comm_b, ["cases.view", "cases.dispatch"])
    for key in (outside, key_of(world, world.units.street, ["cases.intake"])):
        assert rows(client, **SEPTEMBER, api_key=key) == public
        assert rows(client, f"requests/{leaky.pk}.json", api_key=key) == public


@pytest.mark.django_db
def test_lists_are_paged(client, world, new_case):
    cases = [new_case() for _ in range(3)]
    newest_first = [str(c.pk) for c in reversed(cases)]
    response = client.get(f"{BASE}requests.json", {**SEPTEMBER, "page_size": 2})
    assert [r["service_request_id"] for r in response.json()] == newest_first[:2]
    assert 'rel="next"' in response["Link"] and "page=2" in response["Link"]
    response = client.get(f"{BASE}requests.json", {**SEPTEMBER, "page_size": 2, "page": 2})
    assert [r["service_request_id"] for r in response.json()] == newest_first[2:]
    assert not response.has_header("Link")
    for bad in ({"page": "0"}, {"page": "abc"}, {"page": "99999999999999999999"}, {"page": "1001"},
                {"page_size": "201"}, {"page_size": "-1"}):
        assert client.get(f"{BASE}requests.json", {**SEPTEMBER, **bad}).status_code == 400, bad

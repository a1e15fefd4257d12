"""Look-up keeps ID and phone numbers out of URLs: the form posts with CSRF, a GET with one is refused."""

import re

import pytest
from django.test import Client

from gongzhi.audit.models import AuditEvent
from gongzhi.registry.models import Household, Person

ID = "110105195001011234"
PHONE = "13812345678"
pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world):
    grid = world.tree["grid_a1"]
    head = Person(name="王秀英", grid=grid, id_number=ID, phone=PHONE)
    head.refresh_derived()  # the blind indexes the exact look-up uses, as the registry services do
    head.save()
    Household.objects.create(grid=grid, head=head, external_id="H-001")
    return head


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src|formaction)="([^"]*)"', html)


@pytest.mark.parametrize("path", ["/grid/lookup/", "/lookup/"])
def test_the_form_posts_and_an_id_number_finds_the_person_without_entering_a_url(world, signed_in, person, path):
    user = world.users.grid_a1 if path.startswith("/grid/") else world.users.comm_a_staff
    client = signed_in(user)
    form = client.get(path).content.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', form) and "csrfmiddlewaretoken" in form
    response = client.post(path, {"q": ID})
    assert response.status_code == 200 and "王秀英" in response.content.decode()
    assert not response.has_header("Location")
    html = response.content.decode()
    assert all(ID not in url and PHONE not in url for url in urls_in(html))
    assert f"{ID[:3]}" in html  # the masked number is shown; the full one only as typed in the search box
    by_phone = client.post(path, {"q": PHONE}).content.decode()
    assert "王秀英" in by_phone


def test_the_post_needs_the_csrf_token(world, person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users.grid_a1)
    assert client.post("/grid/lookup/", {"q": ID}).status_code == 403


@pytest.mark.parametrize("query", [ID, PHONE, "1101051950010112"])
def test_a_get_with_a_personal_number_is_refused_and_nothing_is_searched(world, signed_in, person, query):
    before = AuditEvent.objects.count()
    client = signed_in(world.users.grid_a1)
    response = client.get("/grid/lookup/", {"q": query})
    assert response.status_code == 302 and response["Location"] == "/grid/lookup/"
    html = client.get(response["Location"]).content.decode()
    assert "王秀英" not in html and "Type the number in the search box." in html
    assert query not in html  # not echoed anywhere (search box, language switch)
    assert AuditEvent.objects.count() == before


def test_a_get_with_a_name_still_works(world, signed_in, person):
    html = signed_in(world.users.grid_a1).get("/grid/lookup/", {"q": "王秀英"}).content.decode()
    assert "王秀英" in html and ID not in html

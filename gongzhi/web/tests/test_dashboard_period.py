"""The dashboard's period is bounded like the rates API's: a wide or malformed one is answered with a
message on the page (and by its export), never a 500 (issue 11, item 7)."""

import pytest

WIDE = {"start": "0001-01-01", "end": "9999-12-31"}


@pytest.mark.django_db
@pytest.mark.parametrize("query, message", [
    (WIDE, "Give a date between 2000 and 2100."),
    ({"start": "2000-01-01", "end": "2100-12-31"}, "The period is longer than 366 days; choose a shorter one."),
    ({"start": "2025-13-01", "end": "2025-12-31"}, "Enter a valid date."),
    ({"start": "2025-09-30", "end": "2025-09-01"}, "The end of the period is before its start."),
])
def test_a_bad_period_shows_why(world, signed_in, query, message):
    client = signed_in(world.users.leader)
    page = client.get("/dashboard/", query)
    assert page.status_code == 200 and message in page.content.decode()
    export = client.get("/dashboard/export.xlsx", query)
    assert export.status_code == 400 and message in export.content.decode()
    assert export["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_year_is_shown(world, signed_in):
    client = signed_in(world.users.leader)
    assert client.get("/dashboard/", {"start": "2025-01-01", "end": "2025-12-31"}).status_code == 200
    assert client.get("/dashboard/export.xlsx", {"start": "2025-01-01", "end": "2025-12-31"}).status_code == 200

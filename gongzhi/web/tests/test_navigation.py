"""Each role lands on its own home page and sees only its own menu; the pages
of other roles answer 403."""

import re

import pytest

HOME = {
    "resident": "/r/",
    "grid_a1": "/grid/",
    "comm_a_staff": "/console/",
    "dispatcher": "/console/",
    "cg_clerk": "/console/",
    "leader": "/dashboard/",
    "admin": "/console/",
}


def menu_of(html: str) -> list[str]:
    return re.findall(r'data-menu="([a-z_]+)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(HOME))
def test_each_role_lands_on_its_home(world, signed_in, who):
    client = signed_in(getattr(world.users, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == HOME[who]
    assert client.get(HOME[who]).status_code == 200


@pytest.mark.django_db
def test_resident_menu_is_only_the_resident_pages(world, signed_in):
    html = signed_in(world.users.resident).get("/r/").content.decode()
    assert menu_of(html) == ["resident_new", "resident_cases", "resident_notices", "volunteer_home", "deliberation_home",
                             "resident_privacy", "inbox"]


@pytest.mark.django_db
def test_dispatcher_menu_has_no_resident_or_grid_pages(world, signed_in):
    html = signed_in(world.users.dispatcher).get("/console/").content.decode()
    menu = menu_of(html)
    assert "console_queue" in menu and "console_deadlines" in menu and "dashboard" in menu
    assert not {"resident_new", "grid_tasks", "grid_patrol"} & set(menu)


@pytest.mark.django_db
def test_dashboard_follows_the_metrics_capability(world, signed_in):
    menu = menu_of(signed_in(world.users.cg_clerk).get("/console/").content.decode())
    assert "dashboard" in menu and "console_queue" in menu  # departments may see their own rates
    assert signed_in(world.users.cg_clerk).get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_grid_worker_menu(world, signed_in):
    menu = menu_of(signed_in(world.users.grid_a1).get("/grid/").content.decode())
    # One line on a phone: a visit is recorded from the list of visits due, not from the menu.
    assert menu == ["grid_tasks", "grid_map", "grid_patrol", "grid_lookup", "inbox"]
    assert "console_queue" not in menu


@pytest.mark.django_db
@pytest.mark.parametrize("who,url", [
    ("resident", "/console/"), ("resident", "/grid/"), ("resident", "/dashboard/"),
    ("cg_clerk", "/r/new/"), ("cg_clerk", "/grid/"), ("grid_a1", "/dashboard/"),
    ("grid_a1", "/console/"), ("dispatcher", "/grid/patrol/"),
])
def test_other_roles_pages_are_forbidden(world, signed_in, who, url):
    assert signed_in(getattr(world.users, who)).get(url).status_code == 403


@pytest.mark.django_db
def test_pages_need_sign_in(client, world):
    for url in ["/r/", "/r/new/", "/console/", "/grid/", "/dashboard/", "/inbox/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


@pytest.mark.django_db
def test_layout_is_accessible(world, signed_in):
    html = signed_in(world.users.resident, "zh-hans").get("/r/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert '<nav class="menu" aria-label=' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'for="lang-select"' not in html and 'href="/me/"' in html  # the language is chosen on the profile
    assert 'for="lang-select"' in signed_in(world.users.resident, "zh-hans").get("/me/").content.decode()


@pytest.mark.django_db
def test_notification_link_opens_the_case_where_the_user_works(world, signed_in, new_case):
    case = new_case()
    assert signed_in(world.users.resident).get(f"/cases/{case.pk}/")["Location"] == f"/r/cases/{case.pk}/"
    assert signed_in(world.users.dispatcher).get(f"/cases/{case.pk}/")["Location"] == f"/console/cases/{case.pk}/"
    assert signed_in(world.users.neighbour).get(f"/cases/{case.pk}/").status_code == 404


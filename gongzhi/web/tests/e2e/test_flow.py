"""The request flow end to end in a real browser, in Chinese (the default) and in English:
a resident on a phone reports with a photo and a map pin → the dispatcher dispatches →
the department acknowledges and replies → the resident rates → the dashboard's counts move.
Then each role's home page is photographed at phone and desktop sizes into var/screenshots/."""

from __future__ import annotations

import re

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState

from ..conftest import POINT_A1, png_bytes
from .conftest import DESKTOP, PHONE, SCREENSHOTS

PIN = """() => {
  const map = document.getElementById('report-map')._gongzhiMap;
  const p = map.latLngToContainerPoint([%f, %f]);
  return [p.x, p.y];
}""" % (POINT_A1[1], POINT_A1[0])


def tiles(page) -> dict[str, int]:
    return {key: int(page.locator(f'[data-tile="{key}"]').inner_text()) for key in ("received", "open", "closed")}


def submit(page, form_selector):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_request_flow_through_every_role(world, watched, settings, language):
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default; English is chosen with the switch

    leader = watched(viewport=DESKTOP)
    dashboard = leader.sign_in("leader")
    assert dashboard.url.endswith("/dashboard/")
    before = tiles(dashboard)

    # The resident, on a phone.
    resident = watched(viewport=PHONE, mobile=True)
    page = resident.sign_in("resident")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    if language == "en":  # chosen on the profile page, which the name in the header opens
        with page.expect_navigation():
            page.click("[data-profile]")
        page.select_option("#lang-select", "en")
        with page.expect_navigation():
            page.click("form.lang button")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator('[data-menu="resident_new"]').inner_text() == "Report a problem"
    page.click('[data-menu="resident_new"]')
    page.fill("#category-search", "噪声")
    page.select_option("#id_category", "0201")
    page.fill("#id_title", "夜间施工噪声")
    page.fill("#id_description", "工地每晚十点以后仍在施工，噪声很大。")
    x, y = page.evaluate(PIN)
    page.locator("#report-map").click(position={"x": x, "y": y})
    assert page.input_value("#id_lon") and page.input_value("#id_lat")
    page.set_input_files("#id_photos", files=[{"name": "photo.png", "mimeType": "image/png",
                                               "buffer": png_bytes()}])
    submit(page, "form[data-report-form]")
    match = re.search(r"/r/cases/(\d+)/$", page.url)
    assert match, page.url
    case = Case.objects.get(pk=int(match.group(1)))
    assert case.grid == world.tree["grid_a1"] and case.attachments.count() == 1
    # The photo is served back (decoded by the browser), not just referenced; wait for it to load.
    page.wait_for_function("() => { const img = document.querySelector('.photos img');"
                           " return img && img.complete; }")
    assert page.evaluate("() => document.querySelector('.photos img').naturalWidth") == 8

    # The dispatcher sees it in the queue and dispatches it.
    dispatcher = watched(viewport=DESKTOP, language=language)
    page = dispatcher.sign_in("dispatcher")
    assert page.url.endswith("/console/")
    page.click(f'#to-dispatch tr[data-case="{case.pk}"] a')
    assert page.locator("#routing").is_visible()
    page.select_option("#id_dispatch-unit", "U-CG")
    submit(page, 'form[data-action="dispatch"]')
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.lead_unit.code == "U-CG"

    # The department acknowledges and replies.
    department = watched(viewport=DESKTOP, language=language)
    page = department.sign_in("cg_clerk")
    page.click(f'#to-acknowledge tr[data-case="{case.pk}"] a')
    submit(page, 'form[data-action="acknowledge"]')
    page.fill("#id_reply-content", "已责令工地夜间停工，并安排复查。")
    submit(page, 'form[data-action="reply"]')
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED

    # The resident rates the reply.
    page = resident.go(f"/r/cases/{case.pk}/")
    page.check("#id_solved_0")
    page.check("#id_satisfaction_0")
    submit(page, "#rate form")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.callbacks.get().by_resident

    # The dashboard counts it received and closed.
    after = tiles(leader.go("/dashboard/"))
    assert after["received"] == before["received"] + 1
    assert after["closed"] == before["closed"] + 1
    assert after["open"] == before["open"]


HOMES = ["resident", "grid_a1", "comm_a_staff", "dispatcher", "cg_clerk", "leader", "admin"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_screenshots_of_each_roles_home(world, watched, new_case):
    services.dispatch_case(case=new_case(), actor=world.users.dispatcher, unit=world.units.comm_a)
    new_case()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for username in HOMES:
        user = getattr(world.users, username)
        browser = watched(viewport=DESKTOP, language="zh-hans")
        page = browser.sign_in(username)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{user.role}-desktop.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.reload()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{user.role}-phone.png"), full_page=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert width <= PHONE["width"] + 1, f"{username}'s home scrolls sideways on a phone ({width}px): {wide}"
        browser.context.close()

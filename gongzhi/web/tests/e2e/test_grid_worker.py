"""The grid worker's day in a real browser, in Chinese, on a phone (390×844) and on a desktop:
tasks → verify a case on site → record a household visit opened from the visits due → the map of
the grid (labelled, zoomed to the grid, a pin named by place) → the profile with the language.
Also: the leader's density map has its legend, and a resident's photos open in a full-screen
viewer left with Escape or the back button. Every step's screenshot is kept under
var/test/screenshots/ (git-ignored); a console error or a request to another host fails the test
(the `watched` fixture)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import AttachmentPurpose, CaseState, Verification
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import CareTag, Household, HouseholdMember, HouseholdVisit, Person, Relation

from ..conftest import POINT_A1, png_bytes
from .conftest import DESKTOP

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[4] / "var" / "test" / "screenshots"

PIN = """() => {
  const map = document.getElementById('report-map')._gongzhiMap;
  const p = map.latLngToContainerPoint([%f, %f]);
  return [p.x, p.y];
}""" % (POINT_A1[1], POINT_A1[0])

# Which share of the map's width the worker's own grid takes: the map opens zoomed to it.
GRID_SHARE = """() => {
  const map = document.getElementById('grid-map')._gongzhiMap;
  const a = map.latLngToContainerPoint([39.90, 116.44]), b = map.latLngToContainerPoint([39.91, 116.45]);
  const size = map.getSize();
  return Math.max(Math.abs(b.x - a.x) / size.x, Math.abs(a.y - b.y) / size.y);
}"""


def settle(page):
    """Every image of the page loaded: none is still being fetched when the test's database is
    emptied (which the server would rightly answer with an error)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")


class Shots:
    def __init__(self, name: str):
        self.folder = SHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page, step: str):
        settle(page)
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{step}.png"), full_page=True)
        settle(page)  # a full-page screenshot brings lazy images into view: they load now


def visible_text(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


@pytest.fixture(autouse=True)
def one_request_at_a_time(monkeypatch):
    """The live server answers in threads that share the one in-memory SQLite connection of the test
    database; a page loading several photos at once would use it from two threads together (errors
    that no real deployment has). Requests are handled one at a time here, as the database demands."""
    from django.core.handlers.wsgi import WSGIHandler

    lock = threading.Lock()
    handle = WSGIHandler.__call__

    def serial(self, environ, start_response):
        with lock:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", serial)


@pytest.fixture
def grid_day(world, new_case):
    """Demo-style names (the grid's name says its community), a case to verify, a person due a visit."""
    u, tree = world.users, world.tree
    tree["grid_a1"].name, tree["grid_a2"].name = "永安里社区第1网格", "永安里社区第2网格"
    tree["grid_a1"].save()
    tree["grid_a2"].save()
    case = services.request_verification(case=new_case(), actor=u.dispatcher, note="夜里去看看是否施工")
    grid = tree["grid_a1"]
    head = Person.objects.create(name="王秀英", grid=grid, id_number="110105195001011234", phone="13812345678")
    household = Household.objects.create(grid=grid, head=head, external_id="H-001")
    HouseholdMember.objects.create(household=household, person=head, relation=Relation.HEAD)
    Household.objects.create(grid=grid, head=Person.objects.create(name="李四", grid=grid), external_id="H-002")
    registry_services.tag_person(actor=u.grid_a1, person=head, tag=CareTag.objects.get(code="elderly_alone"),
                                 since=dt.date(2025, 1, 6))
    return case, household


def tap(page, locator):
    """A click (a tap) where the element is on the screen, whatever lies on top of it: the row's
    stretched link covers the whole row, which is the point."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def one_line(page, selector: str) -> bool:
    """The elements share one line: their vertical middles lie within a few pixels."""
    middles = page.eval_on_selector_all(
        selector, "els => els.map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; })")
    return max(middles) - min(middles) < 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_grid_worker_verifies_visits_and_reads_the_map(world, watched, settings, grid_day, device):
    settings.LANGUAGE_CODE = "zh-hans"
    case, household = grid_day
    phone = device == "phone"
    shot = Shots(f"grid-worker-{device}")
    browser = watched(viewport=PHONE if phone else DESKTOP, mobile=phone)
    page = browser.sign_in("grid_a1")
    assert page.url.endswith("/grid/")
    shot(page, "tasks")

    # A compact header: no language form in it (it is on the profile page); the menu on one line.
    assert page.locator("#lang-select").count() == 0
    assert one_line(page, ".menu li")
    assert one_line(page, ".topbar > *")
    if phone:
        assert page.evaluate("() => document.querySelector('.topbar').offsetHeight") < 60
        assert visible_text(page, ".menu a .short") == ["任务", "地图", "巡查", "查询", "消息"]
        assert all(page.locator(".menu a .short").nth(i).is_visible() for i in range(5))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        # Stacked cells keep their column's name.
        cell = page.locator(f'#to-verify tr[data-case="{case.pk}"] td[data-label]').first
        assert cell.get_attribute("data-label") == "核实事项"
        assert page.evaluate("(td) => getComputedStyle(td, '::before').display", cell.element_handle()) != "none"
    else:
        assert visible_text(page, ".menu a .long")[:4] == ["我的任务", "我的网格", "巡查上报", "信息查询"]
        assert not page.locator(".menu a .short").first.is_visible()

    # The whole card opens the case: tap the deadline, not the link.
    with page.expect_navigation():
        tap(page, page.locator(f'#to-verify tr[data-case="{case.pk}"] td[data-label]').last)
    assert page.url.endswith(f"/grid/cases/{case.pk}/#action-verify") or f"/grid/cases/{case.pk}/" in page.url
    shot(page, "case-to-verify")
    page.check("input[name='verify-finding'][value='confirmed']")
    page.fill("#id_verify-note", "确有夜间施工")
    page.set_input_files("#id_verify-photo", files=[{"name": "site.png", "mimeType": "image/png",
                                                     "buffer": png_bytes()}])
    with page.expect_navigation():
        page.click('form[data-action="verify"] button[type=submit]')
    assert Verification.objects.get(case=case).finding == "confirmed"
    # The verification photo is shown in its own group.
    assert "现场核实照片" in page.locator(".photo-group[data-purpose='verify'] h3").inner_text()
    shot(page, "verified")

    # The visit opens from the visits due, with the household chosen.
    page.click('[data-menu="grid_tasks"]')
    assert "王秀英" in page.locator("#visits-due").inner_text()
    with page.expect_navigation():
        tap(page, page.locator(f'#visits-due tr[data-person="{household.head_id}"] td[data-label]').first)
    assert f"/grid/visit/?person={household.head_id}" in page.url
    assert page.locator("select[name=household]").count() == 0
    assert "王秀英" in page.locator("#household").inner_text() and "李四" not in page.content()
    shot(page, "visit-form")
    page.fill("#id_notes", "老人独居，身体尚可")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert page.url.endswith("/grid/")
    assert "已记录" in page.locator(".messages").inner_text()
    assert HouseholdVisit.objects.get().household == household
    assert "王秀英" not in page.locator("#visits-due").inner_text()
    shot(page, "visit-recorded")

    # The map of my grid: outlined and labelled without tiles, opened on my grid.
    page.click('[data-menu="grid_map"]')
    page.wait_for_selector("#grid-map[data-ready]")
    assert page.locator("#grid-map").get_attribute("class").count("map-plain") == 1
    assert "永安里社区第1网格" in visible_text(page, "#grid-map .map-label.grid")
    assert "永安里社区第2网格" in visible_text(page, "#grid-map .map-label.grid")  # the neighbours, for orientation
    assert "永安里社区" in visible_text(page, "#grid-map .map-label.community")
    assert page.evaluate(GRID_SHARE) > 0.6
    assert page.locator("#grid-map img.leaflet-tile").count() == 0
    shot(page, "grid-map")

    # A pin is described by place.
    page.click('[data-menu="grid_patrol"]')
    page.wait_for_selector("#report-map[data-ready]")
    x, y = page.evaluate(PIN)
    page.locator("#report-map").click(position={"x": x, "y": y})
    assert page.locator("#pin-status").inner_text() == "已标点：永安里社区第1网格"
    shot(page, "patrol-pin")

    # The language is chosen on the profile page.
    with page.expect_navigation():
        page.click("[data-profile]")
    assert page.url.endswith("/me/") and page.locator("#lang-select").is_visible()
    shot(page, "profile")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_density_map_has_a_legend_and_opens_on_the_leaders_area(world, watched, settings, new_case):
    settings.LANGUAGE_CODE = "zh-hans"
    new_case(at=timezone.now())  # in the dashboard's period, this month
    shot = Shots("leader-density")
    browser = watched(viewport=DESKTOP)
    page = browser.sign_in("leader")
    page.wait_for_selector("#density-map[data-ready]")
    legend = page.locator("#density-legend").inner_text()
    assert "无工单" in legend and "1 件工单" in legend and "社区边界" in legend and "网格边界" in legend
    assert "永安里社区" in visible_text(page, "#density-map .map-label.community")
    assert "光华里社区" in visible_text(page, "#density-map .map-label.community")
    page.locator("#density").scroll_into_view_if_needed()
    shot(page, "dashboard")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_photos_apart_and_a_viewer_with_a_way_back(world, watched, settings, case_in, device):
    settings.LANGUAGE_CODE = "zh-hans"
    case = case_in(CaseState.IN_PROGRESS)
    services.add_attachment(case=case, actor=world.users.resident, content=png_bytes(), name="a.png")
    services.add_attachment(case=case, actor=world.users.resident, content=png_bytes((0, 90, 0)), name="b.png")
    services.add_attachment(case=case, actor=world.users.cg_clerk, name="done.png", purpose=AttachmentPurpose.REPLY,
                            content=SimpleUploadedFile("done.png", png_bytes((0, 0, 200)), "image/png"))
    phone = device == "phone"
    shot = Shots(f"resident-photos-{device}")
    browser = watched(viewport=PHONE if phone else DESKTOP, mobile=phone)
    browser.sign_in("resident")
    page = browser.go(f"/r/cases/{case.pk}/")
    report = page.locator(".photo-group[data-purpose='report']")
    result = page.locator(".photo-group[data-purpose='reply']")
    assert "反映问题的照片" in report.locator("h3").inner_text() and report.locator("img").count() == 2
    assert "办理结果照片" in result.locator("h3").inner_text() and result.locator("img").count() == 1
    width = page.evaluate("() => document.querySelector('.photos img').getBoundingClientRect().width")
    assert width >= 140, width  # large enough to see on a phone
    shot(page, "case-photos")

    # Open, step to the next, leave with Escape: back on the page, where it was.
    report.locator("a[data-photo]").first.click()
    viewer = page.locator("dialog.viewer")
    assert viewer.is_visible() and page.url.endswith("#photo")
    assert viewer.locator(".viewer-caption").inner_text() == "反映问题的照片 · 1/2"
    shot(page, "viewer")
    page.keyboard.press("ArrowRight")
    assert viewer.locator(".viewer-caption").inner_text() == "反映问题的照片 · 2/2"
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.viewer').open")
    assert page.url.endswith(f"/r/cases/{case.pk}/")

    # Open the result photo, leave with the browser's (the phone's) back button: still on the case.
    result.locator("a[data-photo]").first.click()
    assert viewer.is_visible() and viewer.locator(".viewer-caption").inner_text() == "办理结果照片 · 1/1"
    page.go_back()
    page.wait_for_function("() => !document.querySelector('dialog.viewer').open")
    assert page.url.endswith(f"/r/cases/{case.pk}/")
    # And the "返回" button.
    report.locator("a[data-photo]").first.click()
    viewer.locator("[data-viewer-close]").click()
    page.wait_for_function("() => !document.querySelector('dialog.viewer').open")
    assert page.url.endswith(f"/r/cases/{case.pk}/") and page.locator("h1").is_visible()
    shot(page, "back-on-the-case")

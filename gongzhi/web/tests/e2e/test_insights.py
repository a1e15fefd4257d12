"""Intelligence in a browser, in Chinese on a desktop (issue 20): a dispatcher sees the routing
suggestion read from a new case's text (category, unit, confidence, the words) and overrides it; the
dispatch event records the suggestion as not followed. A leader looks at the hotspots of a fortnight
and makes the planted one the topic of the month, landing on its programme page. Watched fails the
test on any console error, CSP violation or request to another host."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Action, Case, CaseEvent, CaseState, Category, Channel, RoutingRule
from gongzhi.cases.tests.conftest import MONDAY
from gongzhi.insights import corpus
from gongzhi.insights.models import MonthlyTopic, RouterModel
from gongzhi.insights.textmodel import TextModel

from .conftest import DESKTOP

LIFT = [("电梯困人", f"永安里小区3号楼电梯又坏了，电梯困人，第{i}次了，老人上不了楼", "0902") for i in range(12)]


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dispatcher_overrides_the_suggestion_and_the_leader_picks_the_topic(world, watched):
    model = TextModel(["水管", "施工"], [1.0, 1.0], [[8.0, -8.0], [-8.0, 8.0]], [0.0, 0.0], ["0104", "0201"])
    RouterModel.objects.create(version=1, source="cases", artefact=model.to_bytes(), is_active=True,
                               labels={"0104": "城乡建设/供水", "0201": "环境保护/噪声扰民"}, macro_f1=0.95)
    RoutingRule.objects.create(category=Category.objects.get(code="0104"), region=None, unit=world.units.water)
    case = services.create_case(actor=world.users.resident, channel="web", category=Category.objects.get(code="0201"),
                                title="楼下水管爆了", description="楼下水管爆了，到处是水。", lon=116.445, lat=39.905)

    dispatcher = watched(viewport=DESKTOP, language="zh-hans")
    page = dispatcher.sign_in("dispatcher")
    page = dispatcher.go(f"/console/cases/{case.pk}/")
    routing = page.locator("#routing")
    assert routing.locator("[data-suggested-unit]").inner_text() == "朝阳区水务局"
    assert routing.locator("[data-suggested-category]").inner_text() == "供水"
    assert "置信度 100%" in routing.inner_text()
    assert routing.locator("mark.word").all_inner_texts() == ["水管"]
    assert routing.locator("#accept-suggestion button").is_visible()
    # The dispatcher knows better: the city management bureau, not the water bureau.
    page.locator("#action-dispatch").evaluate("details => { details.open = true; }")
    page.select_option("#id_dispatch-unit", world.units.chengguan.code)
    submit(page, 'form[data-action="dispatch"] button[type=submit]')
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.lead_unit == world.units.chengguan
    suggestion = CaseEvent.objects.get(case=case, action=Action.DISPATCH).payload["suggestion"]
    assert suggestion["source"] == "model" and suggestion["unit"] == world.units.water.code
    assert suggestion["followed"] is False

    # Hotspots: background cases in three grids, and twelve lift failures in grid A1.
    categories = {c.code: c for c in Category.objects.all()}
    rows, number = [], 0
    background = corpus.generate(60, seed=9)
    for i, grid in enumerate(("grid_a1", "grid_a2", "grid_b1")):
        for title, description, code in background[i::3]:
            rows.append((grid, MONDAY - dt.timedelta(days=3), title, description, code))
    rows += [("grid_a1", MONDAY - dt.timedelta(days=2), t, d, c) for t, d, c in LIFT]
    made = []
    for grid, at, title, description, code in rows:
        number += 1
        place = world.tree[grid]
        made.append(Case(channel=Channel.WEB, category=categories[code], title=title, description=description,
                         grid=place, region_code=place.code, state=CaseState.RECEIVED, number=f"E{number:09d}",
                         created_at=at))
    Case.objects.bulk_create(made)

    leader = watched(viewport=DESKTOP, language="zh-hans")
    leader.sign_in("leader")
    day = MONDAY.date()
    page = leader.go(f"/console/insights/?start={(day - dt.timedelta(days=14)).isoformat()}&until={day.isoformat()}")
    first = page.locator("section.hotspot").first
    assert "电梯" in first.inner_text() and "永安里社区" in first.inner_text()
    first.locator("details summary").click()
    first.locator("input[name=month]").fill("2025-09")
    first.locator("textarea[name=note]").fill("协调物业和街道，加装电梯维保")
    submit(page, "section.hotspot >> nth=0 >> form.choose-topic button[type=submit]")
    topic = MonthlyTopic.objects.get()
    assert page.url.endswith(f"/console/insights/topics/{topic.pk}/")
    assert topic.month == dt.date(2025, 9, 1) and topic.region == world.tree["comm_a"]
    assert "每月一题" in page.locator(".messages").inner_text()
    assert page.locator("#before-after").is_visible() and page.locator("#topic-cases tr[data-case]").count() >= 10

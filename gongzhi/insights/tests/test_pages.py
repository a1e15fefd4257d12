"""The intelligence pages through HTTP: hotspots and 每月一题, the tracked topic, alerts, router models,
and the suggestion on the dispatch page accepted in one step."""

import datetime as dt

from gongzhi.cases.models import Action, CaseEvent
from gongzhi.insights import alerts
from gongzhi.insights.models import Alert, AlertState, MonthlyTopic, RouterModel

from .conftest import MONDAY
from .test_hotspots_alerts import DAY, planted  # noqa: F401 (fixture)

PERIOD = {"start": (DAY - dt.timedelta(days=14)).isoformat(), "until": DAY.isoformat()}


def signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_menu_offers_intelligence_to_staff_and_router_models_to_administrators(client, world):
    html = signed_in(client, world.users.leader).get("/console/insights/").content.decode()
    assert 'href="/console/insights/"' in html and 'href="/console/insights/router/"' not in html
    html = signed_in(client, world.users.admin).get("/console/insights/").content.decode()
    assert 'href="/console/insights/router/"' in html
    assert signed_in(client, world.users.resident).get("/console/insights/").status_code == 403
    assert signed_in(client, world.users.grid_a1).get("/console/insights/alerts/").status_code == 403


def test_a_leader_sees_the_hotspots_and_makes_one_the_topic_of_the_month(client, world, planted):  # noqa: F811
    client = signed_in(client, world.users.leader)
    html = client.get("/console/insights/", PERIOD).content.decode()
    assert "电梯" in html and "永安里社区" in html and "Make it the topic of the month" in html
    key = html.split('data-hotspot="')[1].split('"')[0]
    response = client.post("/console/insights/", {**PERIOD, "key": key, "title": "电梯困人", "month": "2025-09",
                                                  "note": "电梯改造"})
    topic = MonthlyTopic.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/insights/topics/{topic.pk}/"
    assert topic.title == "电梯困人" and topic.month == dt.date(2025, 9, 1) and topic.cases.count() >= 10
    page = client.get(response["Location"]).content.decode()
    assert "Before the topic" in page and "电梯困人" in page and 'id="topic-cases"' in page
    assert page.count("data-case=") >= 10
    # The same place and month again: refused with the reason, nothing made.
    again = client.post("/console/insights/", {**PERIOD, "key": key, "month": "2025-09"}, follow=True)
    assert "already has a topic for 2025-09" in again.content.decode() and MonthlyTopic.objects.count() == 1
    listing = client.get("/console/insights/topics/", {"q": "电梯"}).content.decode()
    assert f'data-topic="{topic.pk}"' in listing
    assert 'data-topic' not in client.get("/console/insights/topics/", {"q": "垃圾"}).content.decode()
    closed = client.post(f"/console/insights/topics/{topic.pk}/", {"note": "已改造"}, follow=True)
    topic.refresh_from_db()
    assert topic.state == "closed" and "The topic is closed." in closed.content.decode()


def test_a_dispatcher_sees_hotspots_but_may_not_choose_the_topic(client, world, planted):  # noqa: F811
    client = signed_in(client, world.users.dispatcher)
    html = client.get("/console/insights/", PERIOD).content.decode()
    assert "电梯" in html and "Make it the topic of the month" not in html
    key = html.split('data-hotspot="')[1].split('"')[0]
    client.post("/console/insights/", {**PERIOD, "key": key})
    assert not MonthlyTopic.objects.exists()


def test_a_bad_period_says_so_and_shows_the_last_30_days(client, world):
    html = signed_in(client, world.users.leader).get(
        "/console/insights/", {"start": "2025-09-10", "until": "2025-09-01"}).content.decode()
    assert "The period is not valid" in html and 'id="no-hotspots"' in html


def test_alerts_are_listed_in_the_area_and_handled_on_the_page(client, world, put_cases):
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=3), address="金台里2号")
    put_cases(3, "grid_b1", MONDAY - dt.timedelta(days=3), address="光华里9号")
    alerts.raise_alerts(today=DAY)
    mine = Alert.objects.get(region_code=world.tree["grid_a1"].code)
    other = Alert.objects.get(region_code=world.tree["grid_b1"].code)
    client = signed_in(client, world.users.comm_a_staff)
    html = client.get("/console/insights/alerts/").content.decode()
    assert f'data-alert="{mine.pk}"' in html and f'data-alert="{other.pk}"' not in html and "金台里2号" in html
    refused = client.post("/console/insights/alerts/", {"alert": mine.pk, "step": "dismiss", "note": ""}, follow=True)
    assert "Say why the alert needs nothing done." in refused.content.decode()
    client.post("/console/insights/alerts/", {"alert": mine.pk, "step": "take_on"})
    mine.refresh_from_db()
    assert mine.state == AlertState.ACKNOWLEDGED
    outside = client.post("/console/insights/alerts/", {"alert": other.pk, "step": "take_on"}, follow=True)
    assert "There is no such alert in your area." in outside.content.decode()
    other.refresh_from_db()
    assert other.state == AlertState.OPEN
    done = client.get("/console/insights/alerts/", {"state": "done"}).content.decode()
    assert 'id="no-alerts"' in done
    # A leader sees the alerts of the subdistrict, but handles none.
    leader = signed_in(client, world.users.leader).get("/console/insights/alerts/").content.decode()
    assert f'data-alert="{other.pk}"' in leader and 'name="step"' not in leader


def test_administrators_see_the_model_versions_with_their_evaluation_and_switch(client, world, tiny_model):
    RouterModel.objects.filter(pk=tiny_model.pk).update(
        per_class=[{"label": "0104", "precision": 0.9, "recall": 0.8, "f1": 0.847, "support": 10}])
    older = RouterModel.objects.create(version=2, source="file", source_name="history.xlsx", level="first",
                                       artefact=tiny_model.artefact, macro_f1=0.91)
    assert signed_in(client, world.users.leader).get("/console/insights/router/").status_code == 403
    client = signed_in(client, world.users.admin)
    html = client.get("/console/insights/router/").content.decode()
    assert 'data-model="1"' in html and 'data-model="2"' in html and "0.950" in html and "城乡建设/供水" in html
    assert "0.847" in html and "history.xlsx" in html
    client.post("/console/insights/router/", {"model": older.pk})
    older.refresh_from_db()
    assert older.is_active and not RouterModel.objects.get(pk=tiny_model.pk).is_active
    client.post("/console/insights/router/", {"action": "deactivate"})
    assert not RouterModel.objects.filter(is_active=True).exists()


def test_the_dispatch_page_shows_the_words_and_accepts_the_suggestion(client, world, tiny_model, water_rule,
                                                                     pipe_case):
    client = signed_in(client, world.users.dispatcher)
    url = f"/console/cases/{pipe_case.pk}/"
    html = client.get(url).content.decode()
    routing = html.split('id="routing"')[1].split("</section>")[0]
    assert "朝阳区水务局" in routing and "供水" in routing and '<mark class="word">水管</mark>' in routing
    assert 'id="accept-suggestion"' in routing
    response = client.post(url, {"action": "dispatch", "version": pipe_case.version, "dispatch-unit": ""})
    assert response.status_code == 302
    event = CaseEvent.objects.filter(case=pipe_case, action=Action.DISPATCH).get()
    assert event.payload["suggestion"]["followed"] is True and event.payload["suggestion"]["source"] == "model"
    pipe_case.refresh_from_db()
    assert pipe_case.lead_unit == world.units.water


def test_the_dashboard_shows_the_hotspots_alerts_and_topics_of_the_period(client, world, planted, put_cases):  # noqa: F811
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=3), address="金台里2号")
    alerts.raise_alerts(today=DAY)
    client = signed_in(client, world.users.leader)
    html = client.get("/dashboard/", {"start": PERIOD["start"], "end": PERIOD["until"]}).content.decode()
    panel = html.split('id="insights-panel"')[1].split('id="supervision-units"')[0]
    assert "电梯" in panel and "永安里社区" in panel and "data-hotspot=" in panel
    raised = Alert.objects.filter(state=AlertState.OPEN)
    assert raised.count() >= 1
    assert f'<span class="value" data-open-alerts>{raised.count()}</span>' in panel and "金台里2号" in panel

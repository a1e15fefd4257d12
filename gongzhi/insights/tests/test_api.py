"""/api/v1/insights/ through HTTP: the suggestion of a case and of a text, hotspots, choosing and
reading a topic, alerts handled, router models for administrators."""

import datetime as dt

from gongzhi.insights import alerts
from gongzhi.insights.models import Alert, AlertState, MonthlyTopic

from .conftest import MONDAY
from .test_hotspots_alerts import DAY, planted  # noqa: F401 (fixture)

API = "/api/v1/insights"
PERIOD = {"start": (DAY - dt.timedelta(days=14)).isoformat(), "until": DAY.isoformat()}


def test_the_suggestion_of_a_case_names_category_unit_confidence_and_words(client, world, tiny_model, water_rule,
                                                                          pipe_case):
    client.force_login(world.users.dispatcher)
    body = client.get(f"{API}/cases/{pipe_case.pk}/suggestion").json()
    assert body["source"] == "model" and body["category"] == "0104" and body["unit"] == world.units.water.code
    assert body["words"] == ["水管"] and body["confidence"] > 0.9 and body["model_version"] == 1
    client.force_login(world.users.grid_b1)
    assert client.get(f"{API}/cases/{pipe_case.pk}/suggestion").status_code == 404  # outside their grid
    client.force_login(world.users.comm_a_staff)
    assert client.get(f"{API}/cases/999999/suggestion").status_code == 404


def test_the_reading_of_a_text_and_its_absence_without_a_model(client, world, tiny_model):
    client.force_login(world.users.dispatcher)
    body = client.post(f"{API}/suggest", {"title": "水管", "description": "水管漏了"},
                       content_type="application/json").json()
    assert body["label"] == "0104" and body["sure"] is True and body["name"] == "城乡建设/供水"
    tiny_model.is_active = False
    tiny_model.save()
    from gongzhi.insights.router import ACTIVE

    ACTIVE.invalidate()
    assert client.post(f"{API}/suggest", {"description": "水管漏了"}, content_type="application/json").status_code == 404
    assert client.post(f"{API}/suggest", {"description": ""}, content_type="application/json").status_code == 422


def test_hotspots_and_the_topic_of_the_month(client, world, planted):  # noqa: F811
    client.force_login(world.users.leader)
    found = client.get(f"{API}/hotspots", PERIOD).json()
    top = found[0]
    assert "电梯" in top["words"] and top["place_name"] == "永安里社区" and len(top["representative"]) == 3
    bad = client.get(f"{API}/hotspots", {"start": "2025-09-10", "until": "2025-09-01"})
    assert bad.status_code == 422
    made = client.post(f"{API}/topics", {**PERIOD, "key": top["key"], "month": "2025-09"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    topic_id = made.json()["id"]
    assert made.json()["region"] == world.tree["comm_a"].code and made.json()["month"] == "2025-09-01"
    again = client.post(f"{API}/topics", {**PERIOD, "key": top["key"], "month": "2025-09"},
                        content_type="application/json")
    assert again.status_code == 422 and MonthlyTopic.objects.count() == 1
    detail = client.get(f"{API}/topics/{topic_id}").json()
    assert detail["case_count"] >= 10 and detail["summary"]["before"]["months"] == 3
    assert [t["id"] for t in client.get(f"{API}/topics").json()["items"]] == [topic_id]
    client.force_login(world.users.dispatcher)
    refused = client.post(f"{API}/topics/{topic_id}/close", {"note": ""}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(world.users.leader)
    closed = client.post(f"{API}/topics/{topic_id}/close", {"note": "完成"}, content_type="application/json")
    assert closed.json()["state"] == "closed"


def test_alerts_are_listed_in_scope_and_handled(client, world, put_cases):
    put_cases(3, "grid_a1", MONDAY - dt.timedelta(days=3), address="金台里2号")
    put_cases(3, "grid_b1", MONDAY - dt.timedelta(days=3), address="光华里9号")
    alerts.raise_alerts(today=DAY)
    mine = Alert.objects.get(region_code=world.tree["grid_a1"].code)
    other = Alert.objects.get(region_code=world.tree["grid_b1"].code)
    client.force_login(world.users.comm_a_staff)
    items = client.get(f"{API}/alerts").json()["items"]
    assert [a["id"] for a in items] == [mine.pk] and items[0]["grid"] == world.tree["grid_a1"].code
    assert client.post(f"{API}/alerts/{other.pk}/handle", {"step": "take_on"},
                       content_type="application/json").status_code == 404
    no_reason = client.post(f"{API}/alerts/{mine.pk}/handle", {"step": "dismiss"}, content_type="application/json")
    assert no_reason.status_code == 422
    done = client.post(f"{API}/alerts/{mine.pk}/handle", {"step": "done", "note": "已修"},
                       content_type="application/json")
    assert done.json()["state"] == AlertState.DONE
    assert client.get(f"{API}/alerts").json()["items"] == []
    assert len(client.get(f"{API}/alerts", {"state": "all"}).json()["items"]) == 1


def test_router_models_for_administrators_only(client, world, tiny_model):
    client.force_login(world.users.dispatcher)
    assert client.get(f"{API}/models").status_code == 403
    client.force_login(world.users.admin)
    items = client.get(f"{API}/models").json()["items"]
    assert items[0]["version"] == 1 and items[0]["macro_f1"] == 0.95 and items[0]["is_active"] is True

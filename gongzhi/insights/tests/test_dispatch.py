"""The suggestion at dispatch: followed or overridden, recorded in the event, counted, learnt from."""

import pytest

from gongzhi.cases import services
from gongzhi.cases.models import Action, CaseEvent
from gongzhi.cases.routing import route
from gongzhi.insights import router

from .conftest import MONDAY


def dispatch_event(case):
    return CaseEvent.objects.filter(case=case, action=Action.DISPATCH).latest("id")


def test_untrained_the_rules_suggestion_is_recorded_and_so_is_an_override(world, new_case):
    followed = services.dispatch_case(case=new_case(), actor=world.users.dispatcher, at=MONDAY)
    event = dispatch_event(followed)
    assert event.payload["suggestion"]["source"] == "rules" and event.payload["suggestion"]["followed"] is True
    case = new_case()
    assert route(case).unit != world.units.water
    services.dispatch_case(case=case, actor=world.users.dispatcher, unit=world.units.water, at=MONDAY)
    assert dispatch_event(case).payload["suggestion"]["followed"] is False
    assert router.overridden_case_ids() == {case.pk}


def test_a_dispatch_naming_no_unit_follows_the_text(world, tiny_model, water_rule, pipe_case):
    case = services.dispatch_case(case=pipe_case, actor=world.users.dispatcher, at=MONDAY)
    assert case.lead_unit == world.units.water
    payload = dispatch_event(case).payload
    assert payload["routing"]["source"] == "text"
    suggestion = payload["suggestion"]
    assert suggestion["source"] == "model" and suggestion["category"] == "0104" and suggestion["followed"] is True
    assert suggestion["model_version"] == 1 and suggestion["words"] == ["水管"]
    case.refresh_from_db()
    assert case.category.code == "0201"  # the category stays as filed: the intake counts do not move


def test_an_override_is_recorded_and_weighs_in_the_next_training(world, tiny_model, water_rule, pipe_case,
                                                                 closed_cases):
    services.dispatch_case(case=pipe_case, actor=world.users.dispatcher, unit=world.units.chengguan, at=MONDAY)
    assert dispatch_event(pipe_case).payload["suggestion"]["followed"] is False
    counts = router.suggestion_counts()
    assert counts["model"] == {"followed": 0, "overridden": 1}
    made = closed_cases(110, seed=2)
    from gongzhi.cases.models import Case, CaseState

    Case.objects.filter(pk=pipe_case.pk).update(state=CaseState.CLOSED)
    model = router.train_router(actor=world.users.admin, activate="never", level="first")
    assert model.overrides_used == 1 and model.train_count + model.test_count == len(made) + 1


def test_a_broken_model_never_stops_a_dispatch(world, tiny_model, pipe_case, caplog):
    from gongzhi.insights.models import RouterModel

    RouterModel.objects.filter(pk=tiny_model.pk).update(artefact=b"not an archive")
    router._model.cache_clear()
    case = services.dispatch_case(case=pipe_case, actor=world.users.dispatcher, at=MONDAY)
    assert case.lead_unit == route(case).unit and "suggestion" not in dispatch_event(case).payload
    assert "routing suggestion failed" in caplog.text


@pytest.mark.parametrize("blank", [True, False])
def test_the_console_shows_the_suggestion_and_dispatches_to_it(client, world, tiny_model, water_rule, pipe_case,
                                                               blank):
    client.force_login(world.users.dispatcher)
    url = f"/console/cases/{pipe_case.pk}/"
    html = client.get(url).content.decode()
    assert "朝阳区水务局" in html and "% sure" in html and "By the routing rules alone" in html
    unit = "" if blank else world.units.chengguan.code
    response = client.post(url, {"action": "dispatch", "dispatch-unit": unit, "dispatch-reason": "",
                                 "dispatch-expected_version": pipe_case.version})
    assert response.status_code == 302
    suggestion = dispatch_event(pipe_case).payload["suggestion"]
    assert suggestion["followed"] is blank


def test_the_api_dispatch_records_the_suggestion(client, world, tiny_model, water_rule, pipe_case):
    client.force_login(world.users.dispatcher)
    response = client.post(f"/api/v1/cases/{pipe_case.pk}/dispatch", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    pipe_case.refresh_from_db()
    assert pipe_case.lead_unit == world.units.water
    assert dispatch_event(pipe_case).payload["suggestion"]["followed"] is True

"""Every form answers a mistake in the user's language, next to the field, with what was typed kept."""

import pytest

from gongzhi.cases.models import CaseState

REQUIRED_ZH = "这个字段是必填项。"
REQUIRED_EN = "This field is required."


@pytest.mark.django_db
@pytest.mark.parametrize("language,required", [("zh-hans", REQUIRED_ZH), ("en", REQUIRED_EN)])
def test_sign_in_form(client, world, language, required):
    client.cookies["django_language"] = language
    html = client.post("/login/", {"username": "dispatcher", "password": ""}).content.decode()
    assert required in html and 'value="dispatcher"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language,required", [("zh-hans", REQUIRED_ZH), ("en", REQUIRED_EN)])
def test_case_action_form(world, signed_in, case_in, language, required):
    case = case_in(CaseState.IN_PROGRESS)
    html = signed_in(world.users.cg_clerk, language).post(f"/console/cases/{case.pk}/", {
        "action": "request_extension", "version": case.version, "request_extension-days": "3",
        "request_extension-reason": ""}).content.decode()
    assert required in html and 'value="3"' in html
    assert 'id="action-request_extension" open' in html.replace("\n", " ") or "<details open" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language,required", [("zh-hans", REQUIRED_ZH), ("en", REQUIRED_EN)])
def test_household_visit_form(world, signed_in, language, required):
    from gongzhi.registry.models import Household

    household = Household.objects.create(grid=world.tree["grid_a1"], external_id="H-001")
    html = signed_in(world.users.grid_a1, language).post("/grid/visit/", {
        "household": household.pk, "visited_at": "", "notes": "门口堆放杂物"}).content.decode()
    assert required in html and "门口堆放杂物" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language,invalid", [("zh-hans", "输入一个有效的日期。"), ("en", "Enter a valid date.")])
def test_filter_and_period_forms(world, signed_in, language, invalid):
    client = signed_in(world.users.dispatcher, language)
    html = client.get("/console/cases/", {"created_from": "2025-13-01", "q": "噪声"}).content.decode()
    assert invalid in html and 'value="噪声"' in html
    html = client.get("/dashboard/", {"start": "not a date", "end": "2025-09-30"}).content.decode()
    assert invalid in html and 'value="2025-09-30"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language,required", [("zh-hans", REQUIRED_ZH), ("en", REQUIRED_EN)])
def test_resident_rating_form(world, signed_in, case_in, language, required):
    case = case_in(CaseState.REPLIED)
    html = signed_in(world.users.resident, language).post(f"/r/cases/{case.pk}/", {
        "action": "rate", "version": case.version, "solved": "yes", "comment": "态度很好"}).content.decode()
    assert required in html and "态度很好" in html and 'value="yes" id="id_solved_0" required checked' in html

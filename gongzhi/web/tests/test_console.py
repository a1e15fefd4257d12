"""The staff console: queue, bulk dispatch, case detail with only the allowed
actions, action forms that keep input and show the services' refusals,
filters with Chinese search, deadline board."""

import re

import pytest
from django.utils import timezone

from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState

from .conftest import POINT_A1


def actions_on(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


@pytest.mark.django_db
def test_dispatcher_queue_lists_new_cases_and_bulk_dispatches(world, signed_in, new_case):
    first, second = new_case(), new_case()
    client = signed_in(world.users.dispatcher)
    html = client.get("/console/").content.decode()
    assert f'data-case="{first.pk}"' in html and f'data-case="{second.pk}"' in html
    response = client.post("/console/bulk-dispatch/", {"case": [first.pk, second.pk], "unit": "U-CG"})
    assert response.status_code == 302
    for case in (first, second):
        case.refresh_from_db()
        assert case.state == CaseState.DISPATCHED and case.lead_unit == world.units.chengguan
    assert "Dispatched 2 cases" in client.get("/console/").content.decode()


@pytest.mark.django_db
def test_bulk_dispatch_reports_each_refusal(world, signed_in, new_case, case_in):
    done = case_in(CaseState.IN_PROGRESS)
    fresh = new_case()
    client = signed_in(world.users.dispatcher)
    client.post("/console/bulk-dispatch/", {"case": [fresh.pk, done.pk, 999999]})
    html = client.get("/console/").content.decode()
    assert f"#{done.pk}:" in html and "#999999: not found in your area" in html
    fresh.refresh_from_db()
    assert fresh.state == CaseState.DISPATCHED  # by the routing suggestion


@pytest.mark.django_db
def test_detail_shows_routing_reason_and_only_the_dispatchers_actions(world, signed_in, new_case):
    case = new_case()
    html = signed_in(world.users.dispatcher).get(f"/console/cases/{case.pk}/").content.decode()
    assert 'id="routing"' in html and "command centre" in html
    assert actions_on(html) == {"dispatch", "whistle", "merge", "cancel", "invalidate", "attach",
                                "request_verification"}


@pytest.mark.django_db
def test_department_sees_acknowledge_and_return_only_when_dispatched_to_it(world, signed_in, case_in):
    case = case_in(CaseState.DISPATCHED)
    clerk = signed_in(world.users.cg_clerk)
    assert actions_on(clerk.get(f"/console/cases/{case.pk}/").content.decode()) == {"acknowledge", "return",
                                                                                    "attach"}
    # Another department does not even see the case.
    assert signed_in(world.users.water_clerk).get(f"/console/cases/{case.pk}/").status_code == 404


@pytest.mark.django_db
def test_acknowledge_then_reply_through_the_forms(world, signed_in, case_in):
    case = case_in(CaseState.DISPATCHED)
    client = signed_in(world.users.cg_clerk)
    url = f"/console/cases/{case.pk}/"
    assert client.post(url, {"action": "acknowledge", "version": case.version}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    html = client.get(url).content.decode()
    assert {"reply", "request_extension"} <= actions_on(html) and "acknowledge" not in actions_on(html)
    # An empty reply: the field error, nothing changes.
    html = client.post(url, {"action": "reply", "version": case.version, "reply-content": ""}).content.decode()
    assert "This field is required." in html
    client.post(url, {"action": "reply", "version": case.version, "reply-content": "已责令停工，并复查。"})
    case.refresh_from_db()
    assert case.state == CaseState.REPLIED and case.reply == "已责令停工，并复查。"


@pytest.mark.django_db
def test_service_refusal_lands_on_the_field_and_keeps_the_input(world, signed_in, case_in):
    case = case_in(CaseState.IN_PROGRESS)
    client = signed_in(world.users.cg_clerk, "zh-hans")
    html = client.post(f"/console/cases/{case.pk}/", {
        "action": "request_extension", "version": case.version, "request_extension-days": "0",
        "request_extension-reason": "需要协调供电部门"}).content.decode()
    assert "需要协调供电部门" in html
    assert 'aria-invalid="true"' in html
    assert "确保该值大于或等于1" in html  # Django's zh-Hans message for min_value
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and not case.extension_requests.exists()


@pytest.mark.django_db
def test_merge_into_a_missing_case_is_refused_on_its_field(world, signed_in, new_case):
    case = new_case()
    html = signed_in(world.users.dispatcher).post(f"/console/cases/{case.pk}/", {
        "action": "merge", "version": case.version, "merge-parent": "999999",
        "merge-reason": "重复"}).content.decode()
    assert "There is no such case to merge into." in html and 'value="重复"' in html
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED


@pytest.mark.django_db
def test_stale_form_is_refused_as_a_conflict(world, signed_in, case_in):
    case = case_in(CaseState.DISPATCHED)
    html = signed_in(world.users.cg_clerk).post(f"/console/cases/{case.pk}/", {
        "action": "return", "version": case.version - 1, "return-reason": "不属于本单位"}).content.decode()
    assert "was changed by someone else" in html and "不属于本单位" in html
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


@pytest.mark.django_db
def test_action_not_allowed_now_is_refused(world, signed_in, case_in):
    case = case_in(CaseState.DISPATCHED)
    client = signed_in(world.users.dispatcher)
    client.post(f"/console/cases/{case.pk}/", {"action": "acknowledge", "version": case.version})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


@pytest.mark.django_db
def test_whistle_and_report_in(world, signed_in, case_in):
    case = case_in(CaseState.IN_PROGRESS)
    signed_in(world.users.dispatcher).post(f"/console/cases/{case.pk}/", {
        "action": "whistle", "version": case.version, "whistle-units": ["U-WATER"],
        "whistle-report_within_hours": "2", "whistle-note": "请水务局到场"})
    assert case.whistles.count() == 1
    water = signed_in(world.users.water_clerk)
    assert "report_in" in actions_on(water.get(f"/console/cases/{case.pk}/").content.decode())


@pytest.mark.django_db
def test_filters_and_chinese_search(world, signed_in, new_case):
    noisy = new_case()
    lamp = services.create_case(actor=world.users.resident, channel="web", category="0102", title="路灯不亮",
                                description="小区北门路灯坏了一周。", lon=POINT_A1[0], lat=POINT_A1[1])
    client = signed_in(world.users.dispatcher)
    html = client.get("/console/cases/", {"q": "施工噪声"}).content.decode()
    assert f'data-case="{noisy.pk}"' in html and f'data-case="{lamp.pk}"' not in html
    html = client.get("/console/cases/", {"q": "北门 路灯", "state": "received"}).content.decode()
    assert f'data-case="{lamp.pk}"' in html and f'data-case="{noisy.pk}"' not in html
    html = client.get("/console/cases/", {"created_from": "2025-09-20", "created_to": "2025-09-01"}).content.decode()
    assert "The start of the date range is after its end." in html
    assert 'value="2025-09-20"' in html


@pytest.mark.django_db
def test_deadline_board_counts_and_links(world, signed_in, case_in):
    case_in(CaseState.DISPATCHED)  # dispatched on a past Monday: its response is overdue now
    case_in(CaseState.IN_PROGRESS)
    html = signed_in(world.users.dispatcher).get("/console/deadlines/").content.decode()
    assert "朝阳区城管执法局" in html
    assert re.search(r'data-kpi="overdue">2<', html)
    assert "/console/cases/?unit=U-CG&amp;overdue=1" in html
    listing = signed_in(world.users.dispatcher).get("/console/cases/?unit=U-CG&overdue=1").content.decode()
    assert listing.count("data-case=") == 2


@pytest.mark.django_db
def test_leader_sees_cases_read_only(world, signed_in, new_case):
    case = new_case()
    html = signed_in(world.users.leader).get(f"/console/cases/{case.pk}/").content.decode()
    assert actions_on(html) == set()
    assert Case.objects.get(pk=case.pk).state == CaseState.RECEIVED



@pytest.mark.django_db
def test_a_reopened_case_is_acknowledged_again_through_the_console(world, signed_in, case_in):
    case = services.record_callback(case=case_in(CaseState.REPLIED), actor=world.users.dispatcher, solved=False,
                                    satisfaction="unsatisfied", comment="仍有噪声")
    client = signed_in(world.users.cg_clerk)
    url = f"/console/cases/{case.pk}/"
    html = client.get(url).content.decode()
    assert actions_on(html) == {"acknowledge", "return", "attach"}
    due = timezone.localtime(case.response_due).strftime("%Y-%m-%d %H:%M")
    assert f"must acknowledge it again by {due}." in html
    assert f'data-case="{case.pk}"' in client.get("/console/").content.decode()  # in the unit's queue
    assert client.post(url, {"action": "acknowledge", "version": case.version}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    html = client.get(url).content.decode()
    assert "took it on again." in html and "reply" in actions_on(html)


@pytest.mark.django_db
def test_dispatcher_queue_lists_pending_extension_requests_only(world, signed_in, case_in):
    asked = case_in(CaseState.IN_PROGRESS)
    services.request_extension(case=asked, actor=world.users.cg_clerk, days=3, reason="需协调多个部门")
    decided = case_in(CaseState.IN_PROGRESS)
    decided = services.request_extension(case=decided, actor=world.users.cg_clerk, days=2, reason="材料待补")
    services.refuse_extension(case=decided, actor=world.users.dispatcher, reason="期限足够")
    html = signed_in(world.users.dispatcher).get("/console/").content.decode()
    section = html.split("Extension requests to decide", 1)[1].split("</section>", 1)[0]
    assert f'data-case="{asked.pk}"' in section and f'data-case="{decided.pk}"' not in section

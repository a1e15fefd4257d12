"""The services one by one: what each does beyond the state change, and what it refuses."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.cases import services
from gongzhi.cases.machine import TABLE
from gongzhi.cases.models import Case, CaseEvent, CaseState, Category
from gongzhi.notifications.models import Notification

from .conftest import MONDAY, POINT_B1, reload

S = CaseState


def actions_of(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def inbox(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_consultation_is_answered_and_closed_at_intake_but_a_complaint_is_not(world, new_case):
    u = world.users
    question = new_case(category=Category.objects.get(code="1101"))
    answered = services.answer_consultation(case=question, actor=u.comm_a_staff, answer="可到街道政务服务中心办理。")
    assert answered.state == S.CLOSED and answered.reply.startswith("可到")
    assert answered.closed_at is not None
    assert inbox(u.resident) == ["cases.answered"]
    complaint = new_case()
    with pytest.raises(ValidationError) as caught:
        services.answer_consultation(case=complaint, actor=u.comm_a_staff, answer="x")
    assert "category" in caught.value.message_dict
    assert reload(complaint).state == S.RECEIVED


@pytest.mark.django_db
def test_returns_go_back_to_dispatch_then_to_the_subdistrict_whose_decision_binds(world, new_case, settings):
    settings.CASE_MAX_RETURNS = 2
    u, un = world.users, world.units
    case = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=un.chengguan, assisting_units=[un.water])
    case = services.return_case(case=case, actor=u.cg_clerk, reason="应由水务部门处理")
    assert case.state == S.RETURNED and case.return_count == 1
    assert case.lead_unit is None and not case.assisting_units.exists()
    assert inbox(u.dispatcher)[-1] == "cases.returned"
    case = services.dispatch_case(case=case, actor=u.dispatcher, unit=un.water)
    case = services.return_case(case=case, actor=u.water_clerk, reason="应由城管处理")
    assert case.state == S.ARBITRATION and case.return_count == 2
    assert actions_of(case)[-2:] == ["return", "refer"]
    refer = CaseEvent.objects.get(case=case, action="refer")
    assert refer.actor is None and refer.actor_label == "system"
    assert inbox(u.dispatcher)[-1] == "cases.arbitration"
    case = services.decide_case(case=case, actor=u.dispatcher, unit=un.chengguan, reason="属城管职责")
    assert case.state == S.DISPATCHED and case.is_binding
    with pytest.raises(ValidationError):
        services.return_case(case=case, actor=u.cg_clerk, reason="还是不归我们")
    assert reload(case).state == S.DISPATCHED
    assert services.acknowledge_case(case=case, actor=u.cg_clerk).state == S.IN_PROGRESS


@pytest.mark.django_db
def test_duplicates_follow_their_parent_to_its_outcome(world, new_case):
    u, un = world.users, world.units
    parent = new_case()
    child = services.merge_case(case=new_case(reporter=u.neighbour), actor=u.dispatcher, parent=parent,
                                reason="同一工地")
    # A case that has duplicates of its own is merged: its duplicates move to the new parent.
    middle = new_case()
    grandchild = services.merge_case(case=new_case(), actor=u.dispatcher, parent=middle)
    services.merge_case(case=middle, actor=u.dispatcher, parent=parent)
    assert reload(grandchild).parent == parent
    with pytest.raises(ValidationError):
        services.merge_case(case=new_case(), actor=u.dispatcher, parent=child)  # child is merged, not open
    with pytest.raises(ValidationError):
        services.merge_case(case=parent, actor=u.dispatcher, parent=parent)

    parent = services.dispatch_case(case=parent, actor=u.dispatcher, unit=un.chengguan)
    parent = services.acknowledge_case(case=parent, actor=u.cg_clerk)
    parent = services.reply_case(case=parent, actor=u.cg_clerk, content="已责令停工")
    services.record_callback(case=parent, actor=u.dispatcher, solved=True, satisfaction="satisfied")
    child = reload(child)
    assert child.state == S.CLOSED and child.reply == "已责令停工"
    assert actions_of(child)[-1] == "follow_close"
    assert "cases.closed" in inbox(u.neighbour)
    assert reload(middle).state == S.CLOSED and reload(grandchild).state == S.CLOSED


@pytest.mark.django_db
def test_children_of_a_cancelled_case_are_cancelled(world, new_case):
    u = world.users
    parent = new_case()
    child = services.merge_case(case=new_case(), actor=u.dispatcher, parent=parent)
    services.invalidate_case(case=parent, actor=u.dispatcher, reason="恶意重复来电")
    assert reload(parent).state == S.INVALID
    assert reload(child).state == S.CANCELLED
    assert actions_of(child)[-1] == "follow_cancel"


@pytest.mark.django_db
def test_a_resident_may_withdraw_only_their_own_untouched_request(world, new_case):
    u = world.users
    case = new_case()
    with pytest.raises(PermissionDenied):
        services.cancel_case(case=case, actor=u.neighbour, reason="不是我的")
    withdrawn = services.cancel_case(case=case, actor=u.resident, reason="已自行解决")
    assert withdrawn.state == S.CANCELLED
    other = services.dispatch_case(case=new_case(), actor=u.dispatcher, unit=world.units.chengguan)
    with pytest.raises(PermissionDenied):
        services.cancel_case(case=other, actor=u.resident, reason="已自行解决")


@pytest.mark.django_db
def test_an_unsatisfied_callback_reopens_to_the_same_unit_and_is_counted(world, case_in):
    u = world.users
    case = case_in(S.REPLIED)
    case = services.record_callback(case=case, actor=u.resident, solved=False, satisfaction="unsatisfied",
                                    comment="还在施工")
    assert (case.state, case.reopen_count, case.lead_unit) == (S.DISPATCHED, 1, world.units.chengguan)
    assert "cases.reopened" in inbox(u.cg_clerk)
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已再次执法")
    case = services.record_callback(case=case, actor=u.resident, solved=False, satisfaction="unsatisfied")
    assert case.reopen_count == 2
    with pytest.raises(ValidationError):
        services.record_callback(case=case, actor=u.dispatcher, solved="yes", satisfaction="satisfied")


@pytest.mark.django_db
def test_a_reopened_case_keeps_its_units_and_may_be_returned_like_any_dispatched_case(world, case_in):
    u, un = world.users, world.units
    case = case_in(S.DISPATCHED)
    case = services.dispatch_case(case=case, actor=u.dispatcher, unit=un.chengguan, assisting_units=[un.water])
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已办")
    case = services.record_callback(case=case, actor=u.dispatcher, solved=False, satisfaction="unsatisfied")
    assert case.state == S.DISPATCHED
    assert (case.lead_unit, list(case.assisting_units.all())) == (un.chengguan, [un.water])
    assert inbox(u.water_clerk)[-1] == "cases.assisting"  # the assisting unit hears of the reopening too
    case = services.return_case(case=case, actor=u.cg_clerk, reason="已移交水务")
    assert (case.state, case.lead_unit, case.return_count, case.response_due) == (S.RETURNED, None, 1, None)
    case = services.dispatch_case(case=case, actor=u.dispatcher, unit=un.water)
    case = services.acknowledge_case(case=case, actor=u.water_clerk)
    # This acknowledgement answers a dispatch, not the reopening: it counts as any other.
    event = CaseEvent.objects.filter(case=case, action="acknowledge").latest("id")
    assert event.payload["reopened"] is False and event.on_time is True


@pytest.mark.django_db
def test_whistle_and_report_in(world, case_in):
    u, un = world.users, world.units
    case = case_in(S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.whistle_case(case=case, actor=u.dispatcher, units=[], report_within_hours=2)
    with pytest.raises(ValidationError):
        services.whistle_case(case=case, actor=u.dispatcher, units=[un.water, un.water], report_within_hours=2)
    with pytest.raises(ValidationError):
        services.whistle_case(case=case, actor=u.dispatcher, units=[un.water], report_by=MONDAY)  # in the past
    case = services.whistle_case(case=case, actor=u.dispatcher, units=[un.water, un.comm_a], report_within_hours=2)
    assert inbox(u.water_clerk) == ["cases.whistle"]
    case = services.report_in(case=case, actor=u.water_clerk, note="已派人到场")
    with pytest.raises(ValidationError):
        services.report_in(case=case, actor=u.water_clerk)
    with pytest.raises(PermissionDenied):
        services.report_in(case=case, actor=u.district_clerk)
    event = CaseEvent.objects.get(case=case, action="report_in")
    assert event.unit == un.water and event.payload["on_time"] is True
    assert case.state == S.IN_PROGRESS


@pytest.mark.django_db
def test_extension_requests_are_one_at_a_time_and_bounded(world, case_in):
    u = world.users
    case = case_in(S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.request_extension(case=case, actor=u.cg_clerk, days=0, reason="x")
    with pytest.raises(ValidationError):
        services.approve_extension(case=case, actor=u.dispatcher)
    case = services.request_extension(case=case, actor=u.cg_clerk, days=3, reason="需要协调")
    with pytest.raises(ValidationError):
        services.request_extension(case=case, actor=u.cg_clerk, days=2, reason="再要两天")
    assert "cases.extension_requested" in inbox(u.dispatcher)
    services.approve_extension(case=case, actor=u.dispatcher)
    assert inbox(u.cg_clerk)[-1] == "cases.extension_decided"


@pytest.mark.django_db
def test_dispatch_checks_the_units(world, new_case):
    u, un = world.users, world.units
    case = new_case(point=POINT_B1)
    with pytest.raises(ValidationError):  # 永安里 committee has no jurisdiction in 光华里
        services.dispatch_case(case=case, actor=u.dispatcher, unit=un.comm_a)
    with pytest.raises(ValidationError):
        services.dispatch_case(case=case, actor=u.dispatcher, unit=un.chengguan, assisting_units=[un.chengguan])
    un.water.is_active = False
    un.water.save()
    with pytest.raises(ValidationError):
        services.dispatch_case(case=case, actor=u.dispatcher, unit=un.water)
    case = services.dispatch_case(case=case, actor=u.dispatcher, unit=un.chengguan, assisting_units=[un.comm_b])
    assert "cases.dispatched" in inbox(u.cg_clerk) and "cases.dispatched" in inbox(u.cg_clerk2)
    assert reload(case).version == 2


@pytest.mark.django_db
def test_every_action_of_the_table_is_reachable_through_the_services(world, case_in, new_case, settings):
    """Run each scenario above once more, briefly, and check that together they used every action."""
    u, un = world.users, world.units
    services.answer_consultation(case=new_case(category=Category.objects.get(code="1101")), actor=u.dispatcher,
                                 answer="答复")
    case = case_in(S.ARBITRATION)
    case = services.whistle_case(case=case, actor=u.dispatcher, units=[un.water], report_within_hours=1)
    case = services.report_in(case=case, actor=u.water_clerk)
    case = services.decide_case(case=case, actor=u.dispatcher, unit=un.chengguan)
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    case = services.request_extension(case=case, actor=u.cg_clerk, days=1, reason="协调")
    case = services.refuse_extension(case=case, actor=u.dispatcher, reason="不必")
    case = services.request_extension(case=case, actor=u.cg_clerk, days=1, reason="协调")
    case = services.approve_extension(case=case, actor=u.dispatcher)
    case = services.reply_case(case=case, actor=u.cg_clerk, content="已办")
    case = services.record_callback(case=case, actor=u.resident, solved=False, satisfaction="unsatisfied")
    case = services.acknowledge_case(case=case, actor=u.cg_clerk)
    case = services.reply_case(case=case, actor=u.cg_clerk, content="再办")
    services.record_callback(case=case, actor=u.resident, solved=True, satisfaction="satisfied")
    parent = new_case()
    services.merge_case(case=new_case(), actor=u.dispatcher, parent=parent)
    services.merge_case(case=case_in(S.DISPATCHED), actor=u.dispatcher, parent=parent)
    services.cancel_case(case=parent, actor=u.dispatcher, reason="撤销")
    closing_parent = new_case()
    services.merge_case(case=new_case(), actor=u.dispatcher, parent=closing_parent)
    services.invalidate_case(case=new_case(), actor=u.dispatcher, reason="无效")
    services.add_attachment(case=new_case(), actor=u.resident, content=_png())
    checked = services.request_verification(case=new_case(), actor=u.dispatcher)
    services.verify_case(case=checked, actor=u.grid_a1, finding="confirmed")
    closing = services.dispatch_case(case=closing_parent, actor=u.dispatcher, unit=un.chengguan)
    closing = services.acknowledge_case(case=closing, actor=u.cg_clerk)
    closing = services.reply_case(case=closing, actor=u.cg_clerk, content="已办")
    services.record_callback(case=closing, actor=u.resident, solved=True, satisfaction="satisfied")
    watched = case_in(S.IN_PROGRESS)
    watched = services.urge_case(case=watched, actor=u.dispatcher, message="请加快")
    watched = services.yellow_card(case=watched, actor=u.leader, reason="超时")
    watched = services.red_card(case=watched, actor=u.leader, reason="严重超时")
    watched = services.instruct_case(case=watched, actor=u.leader, message="限期办结")
    services.acknowledge_instruction(case=watched, actor=u.cg_clerk)
    settings.CASE_CALLBACK_MAX_ATTEMPTS = 1
    services.record_callback_attempt(case=case_in(S.REPLIED), actor=u.dispatcher, note="无人接听")
    used = set(CaseEvent.objects.values_list("action", flat=True))
    # Referring to mediation and its outcome are reached through gongzhi.mediation's services (a higher
    # app, proved in gongzhi/mediation/tests/test_cases_and_warnings.py).
    by_mediation = {"refer_mediation", "mediation_ended"}
    assert {action for (_state, action) in TABLE} - by_mediation <= used


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_attachments_are_refused_on_closed_cases_and_to_strangers(world, case_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    closed = case_in(S.CLOSED)
    from gongzhi.cases.errors import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed):
        services.add_attachment(case=closed, actor=world.users.resident, content=_png())
    open_case = case_in(S.RECEIVED)
    with pytest.raises(PermissionDenied):
        services.add_attachment(case=open_case, actor=world.users.neighbour, content=_png())
    with pytest.raises(ValidationError):
        services.add_attachment(case=open_case, actor=world.users.resident, content=_png(), purpose="reply")
    assert Case.objects.get(pk=open_case.pk).attachments.count() == 0


@pytest.mark.django_db
def test_admin_screens_load_and_cases_are_read_only_there(world, client, case_in):
    case = case_in(S.IN_PROGRESS)
    admin_user = world.users.admin
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get("/admin/cases/category/").status_code == 200
    assert client.get("/admin/cases/routingrule/").status_code == 200
    assert client.get("/admin/cases/case/").status_code == 200
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert client.post(f"/admin/cases/case/{case.pk}/change/", {"title": "改了"}).status_code == 403
    assert reload(case).title != "改了"

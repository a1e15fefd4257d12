"""The state machine: every allowed transition, every forbidden one, and who may."""

import pytest
from django.core.exceptions import PermissionDenied

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services
from gongzhi.cases.errors import TransitionNotAllowed
from gongzhi.cases.machine import NEW, TABLE, Action, may, transition
from gongzhi.cases.models import CaseEvent, CaseState, Supervision

from .conftest import MONDAY, reload

S = CaseState
A = Action

# Who may do what, written from the product rules rather than derived from the table.
ANY_DISPATCHER = {"dispatcher", "admin"}
LEAD = {"cg_clerk", "cg_clerk2"}
CALLBACK = {"dispatcher", "admin", "comm_a_staff", "resident"}
EXPECTED_WHO = {
    A.ANSWER: {"dispatcher", "admin", "comm_a_staff", "grid_a1"},
    A.DISPATCH: ANY_DISPATCHER,
    A.DECIDE: ANY_DISPATCHER,
    A.ACKNOWLEDGE: LEAD,
    A.RETURN: LEAD,
    A.REFER: {"system"},
    A.WHISTLE: ANY_DISPATCHER,
    A.REPORT_IN: {"water_clerk"},
    A.REQUEST_EXTENSION: LEAD,
    A.APPROVE_EXTENSION: ANY_DISPATCHER,
    A.REFUSE_EXTENSION: ANY_DISPATCHER,
    A.REPLY: LEAD,
    A.CALLBACK: CALLBACK,
    A.REOPEN: CALLBACK,
    A.MERGE: ANY_DISPATCHER,
    A.FOLLOW_CLOSE: {"system"},
    A.FOLLOW_CANCEL: {"system"},
    A.INVALIDATE: ANY_DISPATCHER,
    A.REQUEST_VERIFICATION: ANY_DISPATCHER,
    A.VERIFY: {"grid_a1"},  # the grid the pending verification was asked of
    A.URGE: {"dispatcher", "leader"},
    A.YELLOW_CARD: {"dispatcher", "leader", "system"},
    A.RED_CARD: {"dispatcher", "leader", "system"},
    A.INSTRUCT: {"leader"},
    A.ACKNOWLEDGE_INSTRUCTION: LEAD,  # the unit the pending instruction is addressed to
    A.CALLBACK_ATTEMPT: {"dispatcher", "admin", "comm_a_staff"},
    A.CALLBACK_UNREACHABLE: {"system"},
    A.MEDIATION_ENDED: {"system"},  # the dispute's outcome, written by gongzhi.mediation
}
ACTORS = ["dispatcher", "admin", "cg_clerk", "cg_clerk2", "water_clerk", "district_clerk", "comm_a_staff",
          "grid_a1", "grid_b1", "leader", "resident", "neighbour", "system"]


def expected_who(state, action):
    if action == A.CANCEL:
        return ANY_DISPATCHER | ({"resident"} if state == S.RECEIVED else set())
    if action == A.REFER_MEDIATION:  # mediation.register in the area, or a dispatcher; the lead unit once it has it
        return {"dispatcher", "admin", "comm_a_staff", "grid_a1"} | (LEAD if state == S.IN_PROGRESS else set())
    if action == A.ATTACH:
        lead = LEAD if state in (S.DISPATCHED, S.IN_PROGRESS, S.REPLIED) else set()
        return {"resident", "dispatcher", "admin", "comm_a_staff", "grid_a1"} | lead
    return EXPECTED_WHO[action]


def actor(world, name):
    return None if name == "system" else getattr(world.users, name)


STATE_ENTRIES = sorted((s, a) for (s, a) in TABLE if s != NEW)


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), STATE_ENTRIES, ids=[f"{s}-{a}" for s, a in STATE_ENTRIES])
def test_who_may_do_each_allowed_transition(world, case_in, state, action):
    case = case_in(state)
    if action == A.REPORT_IN:
        case = services.whistle_case(case=case, actor=world.users.dispatcher, units=[world.units.water],
                                     report_within_hours=2, at=MONDAY)
    if action == A.VERIFY:
        case = services.request_verification(case=case, actor=world.users.dispatcher, at=MONDAY)
    if action == A.ACKNOWLEDGE_INSTRUCTION:
        Supervision.objects.create(case=case, unit=world.units.chengguan, kind="instruction", message="请办好")
    allowed = {name for name in ACTORS if may(case, action, actor(world, name))}
    assert allowed == expected_who(state, action)


ALL_ACTIONS = [a.value for a in Action]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [s.value for s in CaseState])
def test_every_action_missing_from_the_table_is_refused_and_changes_nothing(world, case_in, state):
    case = case_in(state)
    forbidden = [a for a in ALL_ACTIONS if (state, a) not in TABLE]
    assert forbidden, "every state forbids something"
    events_before = CaseEvent.objects.filter(case=case).count()
    for action in forbidden:
        for who in (world.users.dispatcher, world.users.admin, None):
            with pytest.raises(TransitionNotAllowed):
                transition(case, action, actor=who)
    fresh = reload(case)
    assert (fresh.state, fresh.version) == (case.state, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events_before


@pytest.mark.django_db
def test_terminal_states_allow_nothing(world, case_in):
    for state in (S.CLOSED, S.CANCELLED, S.INVALID):
        assert not [a for (s, a) in TABLE if s == state]


@pytest.mark.django_db
def test_a_forbidden_actor_gets_permission_denied_and_nothing_changes(world, case_in):
    case = case_in(S.DISPATCHED)
    with pytest.raises(PermissionDenied):
        services.acknowledge_case(case=case, actor=world.users.water_clerk)
    with pytest.raises(PermissionDenied):
        services.dispatch_case(case=case, actor=world.users.grid_a1, unit=world.units.water)
    fresh = reload(case)
    assert fresh.state == S.DISPATCHED and fresh.version == case.version
    assert fresh.lead_unit == world.units.chengguan


@pytest.mark.django_db
def test_each_transition_writes_its_event_and_an_audit_event(world, case_in):
    case = case_in(S.CLOSED)
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", "from_state", "to_state"))
    assert actions == [
        ("intake", "", "received"),
        ("dispatch", "received", "dispatched"),
        ("acknowledge", "dispatched", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("callback", "replied", "closed"),
    ]
    audited = list(AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), action__startswith="cases.")
                   .order_by("id").values_list("action", flat=True))
    assert audited == ["cases.intake", "cases.dispatch", "cases.acknowledge", "cases.reply", "cases.callback"]
    dispatch = CaseEvent.objects.get(case=case, action="dispatch")
    assert dispatch.unit == world.units.chengguan
    assert dispatch.actor == world.users.dispatcher
    assert dispatch.payload["unit"] == "U-CG"
    assert reload(case).version == 5


@pytest.mark.django_db
def test_a_reopened_case_waits_for_the_unit_to_acknowledge_it_again(world, case_in):
    u = world.users
    case = services.record_callback(case=case_in(S.REPLIED), actor=u.resident, solved=False,
                                    satisfaction="unsatisfied", at=MONDAY)
    assert TABLE[(S.REPLIED, A.REOPEN)].to == S.DISPATCHED and case.state == S.DISPATCHED
    # Only what any dispatched case allows: the lead unit acknowledges or returns it.
    assert {a for a in ALL_ACTIONS if may(case, a, u.cg_clerk)} == {A.ACKNOWLEDGE, A.RETURN, A.ATTACH}
    assert not may(case, A.ACKNOWLEDGE, u.water_clerk)
    events_before = CaseEvent.objects.filter(case=case).count()
    for action in (A.REPLY, A.REQUEST_EXTENSION, A.APPROVE_EXTENSION, A.REFUSE_EXTENSION, A.CALLBACK, A.REOPEN,
                   A.ANSWER, A.DECIDE, A.REFER):
        with pytest.raises(TransitionNotAllowed):
            transition(case, action, actor=u.admin)
    with pytest.raises(TransitionNotAllowed):
        services.reply_case(case=case, actor=u.cg_clerk, content="直接再答复", at=MONDAY)
    with pytest.raises(TransitionNotAllowed):
        services.record_callback(case=case, actor=u.resident, solved=False, satisfaction="unsatisfied", at=MONDAY)
    fresh = reload(case)
    assert (fresh.state, fresh.version) == (S.DISPATCHED, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events_before
    assert services.acknowledge_case(case=case, actor=u.cg_clerk, at=MONDAY).state == S.IN_PROGRESS
